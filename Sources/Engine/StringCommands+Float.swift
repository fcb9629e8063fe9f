// INCRBYFLOAT, with Redis's long double semantics (util.c string2ld / ld2string).
//
// Parsing is strtold over the whole argument: no leading space, nothing after the number, no
// NaN, and no overflow to +-HUGE_VAL or underflow to zero (ERANGE). Hex ("0x10") and "inf" parse;
// an infinite or NaN sum is refused with "increment would produce NaN or Infinity".
// The result is printed as LD_STR_HUMAN: "%.17Lf" with trailing zeros (and a bare '.') trimmed
// and "-0" turned into "0"; the stored value is that text (embstr/raw, never int).
// On x86 the C long double is Float80; elsewhere we fall back to Double.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if arch(x86_64) || arch(i386)
typealias LongDouble = Float80
@inline(__always) private func cStrtold(_ s: UnsafePointer<CChar>, _ end: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> LongDouble { strtold(s, end) }
private let humanFormat = "%.17Lf"
#else
typealias LongDouble = Double
@inline(__always) private func cStrtold(_ s: UnsafePointer<CChar>, _ end: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> LongDouble { strtod(s, end) }
private let humanFormat = "%.17f"
#endif

/// Redis's MAX_LONG_DOUBLE_CHARS: the longest text a long double is parsed from or printed to.
let maxLongDoubleChars = 5 * 1024

/// Redis's string2ld: strict parse of the whole buffer, nil when not a valid float.
func parseLongDouble(_ raw: UnsafeRawBufferPointer) -> LongDouble? {
    let n = raw.count
    if n == 0 || n >= maxLongDoubleChars { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> LongDouble? in
        let p = buf.baseAddress!
        UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress!, byteCount: n)
        p[n] = 0
        if isspace(Int32(UInt8(bitPattern: p[0]))) != 0 { return nil }
        var end: UnsafeMutablePointer<CChar>? = nil
        errno = 0
        let v = cStrtold(p, &end)
        guard let e = end, e - p == n else { return nil }
        if errno == ERANGE && (v.isInfinite || v == 0) { return nil }
        if errno == EINVAL || v.isNaN { return nil }
        return v
    }
}

/// Redis's ld2string(LD_STR_HUMAN) as bytes.
func formatLongDoubleHuman(_ v: LongDouble) -> [UInt8] {
    if v.isInfinite { return v > 0 ? Array("inf".utf8) : Array("-inf".utf8) }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: maxLongDoubleChars) { buf -> [UInt8] in
        let p = buf.baseAddress!
        let written = withVaList([v]) { vsnprintf(p, maxLongDoubleChars, humanFormat, $0) }
        var l = Int(min(max(written, 0), Int32(maxLongDoubleChars - 1)))
        let text = UnsafeRawBufferPointer(start: p, count: l)
        if text.contains(46) {   // trim zeros after the '.', then a bare '.'
            while l > 0 && text[l - 1] == 48 { l -= 1 }
            if l > 0 && text[l - 1] == 46 { l -= 1 }
        }
        if l == 2 && text[0] == 45 && text[1] == 48 { return [48] }   // "-0" -> "0"
        return Array(text[0..<l])
    }
}

extension StringCommands {
    static func incrbyfloat(_ c: Call) {
        let key = c.argv[1]
        let old: LongDouble
        let exists: Bool
        if let v = c.lookupWrite(key) {
            guard v.isString else { c.wrongType(); return }
            if case .int(let n) = v {
                old = LongDouble(n)
            } else {
                guard let d = v.withStringBytes({ parseLongDouble($0) }) else { c.error(WireError.notFloat); return }
                old = d
            }
            exists = true
        } else {
            old = 0
            exists = false
        }
        guard let incr = parseLongDouble(c.argv[2]) else { c.error(WireError.notFloat); return }
        let sum = old + incr
        guard !sum.isNaN && !sum.isInfinite else { c.error(WireError.nan); return }
        let text = formatLongDoubleHuman(sum)
        let value = text.withUnsafeBytes { Value.bytes(Bytes($0)) }
        if exists {
            c.db.update(key) { $0 = value }   // dbOverwrite: the TTL stays
        } else {
            c.db.add(key, value)
        }
        c.modified(key, event: "incrbyfloat")
        c.bulk(value: value)
        // Float formatting may differ between builds: replicas get the result, not the increment.
        text.withUnsafeBytes { c.propagate(["SET", .argv(1), .raw($0), "KEEPTTL"]) }
    }
}
