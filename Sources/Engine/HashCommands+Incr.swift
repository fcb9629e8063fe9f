// HINCRBY and HINCRBYFLOAT (t_hash.c hincrbyCommand / hincrbyfloatCommand). The increment is
// parsed before the key is looked up, so a bad increment wins over WRONGTYPE, as in Redis.
// HINCRBYFLOAT shares INCRBYFLOAT's long double parse and LD_STR_HUMAN format
// (StringCommands+Float.swift).

import RESP

extension HashCommands {
    static func hincrby(_ c: Call) {
        guard let incr = c.argv.int(3) else { c.notInteger(); return }
        let key = c.argv[1]
        let field = c.argv[2]
        guard let h = c.hashForWriteOrCreate(key) else { return }
        var old: Int64 = 0
        if let parsed = h.get(field, { parseInt64($0) }) {
            guard let v = parsed else { c.error("ERR hash value is not an integer"); return }
            old = v
        }
        let (sum, overflow) = old.addingReportingOverflow(incr)
        guard !overflow else { c.error(WireError.overflow); return }
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { t in
            let n = formatDecimal(sum, into: t.baseAddress!.assumingMemoryBound(to: UInt8.self))
            h.set(field, UnsafeRawBufferPointer(rebasing: t[0..<n]), limits: c.engine.limits)
        }
        c.int(sum)
        c.modified(key, event: "hincrby")
    }

    static func hincrbyfloat(_ c: Call) {
        guard let incr = parseLongDouble(c.argv[3]) else { c.error(WireError.notFloat); return }
        guard !incr.isNaN && !incr.isInfinite else { c.error("ERR value is NaN or Infinity"); return }
        let key = c.argv[1]
        let field = c.argv[2]
        guard let h = c.hashForWriteOrCreate(key) else { return }
        var old: LongDouble = 0
        if let parsed = h.get(field, { parseLongDouble($0) }) {
            guard let v = parsed else { c.error("ERR hash value is not a float"); return }
            old = v
        }
        let sum = old + incr
        guard !sum.isNaN && !sum.isInfinite else { c.error(WireError.nan); return }
        let text = formatLongDoubleHuman(sum)
        text.withUnsafeBytes { raw in
            h.set(field, raw, limits: c.engine.limits)
            c.bulk(raw)
            c.propagate(["HSET", .argv(1), .argv(2), .raw(raw)])
        }
        c.modified(key, event: "hincrbyfloat")
    }
}
