// The RDB codec: every type x encoding through writer + reader (a whole file and DUMP/RESTORE),
// across the encoding thresholds; LZF round trips; malformed input (byte flips, truncations)
// always an error, never a crash, and never a partial keyspace.
@testable import Engine
import RESP
import XCTest

final class RdbCodecTests: XCTestCase {
    func keys(_ h: EngineHarness) -> [String] {
        guard case .array(let ks) = h.run("KEYS", "*") else { return [] }
        return ks.compactMap { if case .bulk(let b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }.sorted()
    }

    /// Builds every type around its thresholds.
    func populate(_ h: EngineHarness) {
        h.raw(["SET", "s:short", "hi"]); h.raw(["SET", "s:int", "-123456"]); h.raw(["SET", "s:big", "9223372036854775807"])
        h.raw(["SET", "s:empty", ""]); h.raw(["SET", "s:lzf", String(repeating: "abc", count: 50)])
        h.raw(["SET", "s:22", String(repeating: "q", count: 22)]); h.raw(["SET", "s:45", String(repeating: "r", count: 45)])
        h.raw(["SET", "s:ttl", "v", "PXAT", "99999999999999"])
        for n in [1, 127, 128, 129, 1000] {
            h.raw(["RPUSH", "l:\(n)"] + (0..<n).map { i in i % 3 == 0 ? String(i * 977 - 5000) : "e\(i)-" + String(repeating: "x", count: i % 70) })
        }
        h.raw(["RPUSH", "l:bigints", "0", "127", "128", "-4096", "4095", "-32768", "32767", "8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808"])
        h.raw(["RPUSH", "l:longelem", String(repeating: "z", count: 5000)])
        for n in [1, 128, 129, 513] {
            h.raw(["HSET", "h:\(n)"] + (0..<n).flatMap { ["f\($0)", String($0 * 31)] })
            h.raw(["SADD", "si:\(n)"] + (0..<n).map { String($0 * 7 - 100) })
            h.raw(["SADD", "ss:\(n)"] + (0..<n).map { "m\($0)" })
            h.raw(["ZADD", "z:\(n)"] + (0..<n).flatMap { [String(Double($0) / 3), "m\($0)"] })
        }
        h.raw(["HSET", "h:longval", "f", String(repeating: "v", count: 65)])
        h.raw(["SADD", "si:wide", "1", "100000", "10000000000"])
        h.raw(["ZADD", "z:special", "inf", "a", "-inf", "b", "0", "c", "1e300", "d", "-0.5", "e"])
        h.raw(["ZADD", "z:longmember", "1", String(repeating: "m", count: 65)])
        h.raw(["BF.RESERVE", "bf", "0.01", "10", "EXPANSION", "2"])
        for i in 0..<40 { h.raw(["BF.ADD", "bf", "item\(i)"]) }
        h.raw(["BF.RESERVE", "bf:ns", "0.001", "100", "NONSCALING"])
        h.raw(["BF.ADD", "bf:ns", "item7"])
        h.raw(["SELECT", "9"]); h.raw(["SET", "db9", "nine"]); h.raw(["SELECT", "0"])
    }

    func snapshot(_ h: EngineHarness) -> [String: String] {
        var out: [String: String] = [:]
        for db in ["0", "9"] {
            h.raw(["SELECT", db])
            for k in keys(h) { out[db + "/" + k] = h.describe(k, probes: ["item7", "nope"]) }
        }
        h.raw(["SELECT", "0"])
        return out
    }

    func testFileRoundTripEveryTypeAndEncoding() throws {
        for compression in ["yes", "no"] {
            let h = EngineHarness()
            h.raw(["CONFIG", "SET", "rdbcompression", compression])
            populate(h)
            let want = snapshot(h)
            let image = try h.engine.rdbImage()
            let h2 = EngineHarness()
            try image.withUnsafeBytes { _ = try h2.engine.loadRdb($0) }
            XCTAssertEqual(snapshot(h2), want)
            XCTAssertTrue(want.values.contains { $0.contains("hashtable") } && want.values.contains { $0.contains("listpack") })
        }
    }

    func testLoadFollowsCurrentThresholds() throws {
        let h = EngineHarness()
        h.raw(["HSET", "h", "a", "1", "b", "2", "c", "3"])
        h.raw(["ZADD", "z", "1", "a", "2", "b", "3", "c"])
        h.raw(["SADD", "s", "1", "2", "3"])
        let image = try h.engine.rdbImage()
        let h2 = EngineHarness()
        h2.raw(["CONFIG", "SET", "hash-max-listpack-entries", "2"])
        h2.raw(["CONFIG", "SET", "zset-max-listpack-entries", "2"])
        h2.raw(["CONFIG", "SET", "set-max-intset-entries", "2"])
        try image.withUnsafeBytes { _ = try h2.engine.loadRdb($0) }
        XCTAssertEqual(h2.raw(["OBJECT", "ENCODING", "h"]), "$9\r\nhashtable\r\n")
        XCTAssertEqual(h2.raw(["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n")
        XCTAssertEqual(h2.raw(["OBJECT", "ENCODING", "s"]), "$9\r\nhashtable\r\n")
    }

    func testDumpRestoreEveryKey() {
        let h = EngineHarness()
        populate(h)
        for k in keys(h) {
            guard case .bulk(let payload) = h.run("DUMP", k) else { return XCTFail("DUMP \(k)") }
            let args: [[UInt8]] = [Array("RESTORE".utf8), Array("copy:\(k)".utf8), Array("0".utf8), payload]
            h.client.out.clear()
            Argv.with(args) { h.engine.execute(h.client, $0) }
            XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self), "+OK\r\n", k)
            let a = h.describe(k, probes: ["item7", "nope"]), b = h.describe("copy:\(k)", probes: ["item7", "nope"])
            if k == "s:ttl" { continue }   // RESTORE with ttl 0 drops the TTL
            XCTAssertEqual(a, b, k)
        }
    }

    func testRestoreErrors() {
        let h = EngineHarness()
        h.raw(["SET", "x", "1"])
        XCTAssertEqual(h.raw(["DUMP", "missing"]), "$-1\r\n")
        guard case .bulk(let p) = h.run("DUMP", "x") else { return XCTFail() }
        func restore(_ extra: [String], payload: [UInt8]) -> String {
            h.client.out.clear()
            Argv.with([Array("RESTORE".utf8), Array("y".utf8)] + extra.prefix(1).map { Array($0.utf8) } + [payload] + extra.dropFirst().map { Array($0.utf8) }) {
                h.engine.execute(h.client, $0)
            }
            return String(decoding: h.client.out.readableBytes, as: UTF8.self)
        }
        var bad = p; bad[bad.count - 1] ^= 1
        XCTAssertEqual(restore(["0"], payload: bad), "-ERR DUMP payload version or checksum are wrong\r\n")
        XCTAssertEqual(restore(["-1"], payload: p), "-ERR Invalid TTL value, must be >= 0\r\n")
        XCTAssertEqual(restore(["0", "FREQ", "300"], payload: p), "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n")
        XCTAssertEqual(restore(["0"], payload: dumpPayload([Rdb.typeString, 0x80])), "-ERR Bad data format\r\n")
        XCTAssertEqual(restore(["0"], payload: p), "+OK\r\n")
        XCTAssertEqual(restore(["0"], payload: p), "-BUSYKEY Target key name already exists.\r\n")
        XCTAssertEqual(restore(["0", "REPLACE", "ABSTTL"], payload: p), "+OK\r\n")
        h.engine.now = 1_000_000
        XCTAssertEqual(restore(["5", "REPLACE", "ABSTTL"], payload: p), "+OK\r\n")   // already expired
        XCTAssertEqual(h.raw(["EXISTS", "y"]), ":0\r\n")
    }

    func testLZFRoundTrip() {
        var rng = SplitMix(42)
        var inputs: [[UInt8]] = [Array("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8), Array(repeating: 0, count: 70000)]
        inputs.append((0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) })   // incompressible
        inputs.append((0..<9000).map { i in UInt8(truncatingIfNeeded: (i / 7) % 13 + 97) })
        inputs.append(Array(String(repeating: "hello world, ", count: 300).utf8))
        for input in inputs {
            let z = input.withUnsafeBytes { LZF.compress($0, limit: input.count + input.count / 16 + 64) }
            guard let z else { XCTFail("compress failed for \(input.count) bytes"); continue }
            let back = z.withUnsafeBytes { LZF.decompress($0, expected: input.count) }
            XCTAssertEqual(back, input)
            // Redis only keeps compression that saves 4+ bytes: random data must refuse.
            let tight = input.withUnsafeBytes { LZF.compress($0, limit: input.count - 4) }
            if input.count == 5000 { XCTAssertNil(tight) }
        }
        // Malformed streams: back references before the start, truncated literals.
        XCTAssertNil([0x20, 0x00].withUnsafeBytes { LZF.decompress($0, expected: 3) })
        XCTAssertNil([0x05, 0x61].withUnsafeBytes { LZF.decompress($0, expected: 6) })
    }

    /// A table reused across calls must give exactly what a fresh one gives: positions left by
    /// earlier strings never become references (the output would then depend on history).
    func testLZFReusedTableEqualsFresh() {
        var rng = SplitMix(7)
        let shared = LZFTable()
        for round in 0..<400 {
            let n = Int(rng.next() % 3000) + 21
            let alphabet = UInt8(rng.next() % 20) + 2
            let input = (0..<n).map { _ in UInt8(rng.next() % UInt64(alphabet)) + 97 }
            let a = input.withUnsafeBytes { LZF.compress($0, limit: n - 4, table: shared) }
            let b = input.withUnsafeBytes { LZF.compress($0, limit: n - 4) }
            XCTAssertEqual(a, b, "round \(round)")
            if let a { XCTAssertEqual(a.withUnsafeBytes { LZF.decompress($0, expected: n) }, input) }
        }
    }

    func testListpackBlobMatchesRedisLayout() {
        var lp = ListpackBuilder()
        for s in ["a", "127", "-1", "4095", "32767", "8388607", "2147483647", "9223372036854775807", String(repeating: "x", count: 70)] {
            s.utf8CString.withUnsafeBytes { _ in }
            Array(s.utf8).withUnsafeBytes { lp.append($0) }
        }
        let blob = lp.finish()
        XCTAssertEqual(Array(blob[0..<6]), [UInt8(blob.count & 0xff), UInt8(blob.count >> 8), 0, 0, 9, 0])
        XCTAssertEqual(Array(blob[6..<9]), [0x81, 0x61, 0x02])   // "a": 6-bit string + backlen
        XCTAssertEqual(Array(blob[9..<11]), [0x7f, 0x01])       // 127: 7-bit uint
        var seen: [String] = []
        XCTAssertNoThrow(try blob.withUnsafeBytes { try RdbBlobs.listpack($0) { $0.withBytes { seen.append(String(decoding: $0, as: UTF8.self)) } } })
        XCTAssertEqual(seen.count, 9)
        XCTAssertEqual(seen[2], "-1")
    }

    func testMalformedInputNeverCrashesNorSwapsPartially() throws {
        let h = EngineHarness()
        h.raw(["RPUSH", "l", "a", "b", "c", "1", "2"])
        h.raw(["HSET", "h", "f", "v", "g", "w"])
        h.raw(["ZADD", "z", "1", "a", "2.5", "b"])
        h.raw(["SADD", "s", "1", "2", "x"])
        h.raw(["SADD", "si", "1", "2", "3"])
        h.raw(["SET", "str", String(repeating: "lzf!", count: 20)])
        h.raw(["BF.ADD", "bf", "x"])
        let image = try h.engine.rdbImage()
        var rng = SplitMix(7)
        var failures = 0
        for trial in 0..<900 {
            var data = image
            if trial % 3 == 0 {
                data.removeLast(Int.random(in: 1..<data.count, using: &rng))
            } else {
                for _ in 0..<(1 + trial % 4) {
                    let i = Int.random(in: 0..<data.count, using: &rng)
                    data[i] ^= UInt8.random(in: 1...255, using: &rng)
                }
            }
            let target = EngineHarness()
            target.raw(["SET", "sentinel", "1"])
            var opt = RdbLoadOptions()
            opt.verifyChecksum = false   // exercise the structural checks, not just the CRC
            let fresh = (0..<16).map { Database(index: $0) }
            do {
                _ = try data.withUnsafeBytes { try RdbLoader.load($0, into: fresh, opt) }
            } catch {
                failures += 1
            }
            // With the checksum on, every corruption is refused and the live keyspace stays.
            XCTAssertThrowsError(try data.withUnsafeBytes { try target.engine.loadRdb($0) })
            XCTAssertEqual(target.raw(["GET", "sentinel"]), "$1\r\n1\r\n")
        }
        XCTAssertGreaterThan(failures, 450)
    }

    func testDumpBodiesFuzz() {
        let h = EngineHarness()
        h.raw(["RPUSH", "l"] + (0..<50).map { "e\($0)" })
        h.raw(["HSET", "h", "f", "v"]); h.raw(["ZADD", "z", "1", "a"]); h.raw(["SADD", "s", "1", "9"])
        var rng = SplitMix(11)
        for k in ["l", "h", "z", "s"] {
            guard case .bulk(let p) = h.run("DUMP", k) else { return XCTFail() }
            let body = Array(p[0..<(p.count - 10)])
            for _ in 0..<500 {
                var b = body
                b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                _ = try? b.withUnsafeBytes { try RdbLoader.object($0, limits: EncodingLimits()) }
            }
        }
    }

    func testSaveLastsaveAndInfo() throws {
        let dir = "/tmp/keyward-rdb-test-\(getpid())"
        mkdir(dir, 0o755)
        defer { unlink(dir + "/dump.rdb"); rmdir(dir) }
        let h = EngineHarness()
        let cwd = currentDir()
        defer { _ = chdir(cwd) }
        XCTAssertEqual(chdir(dir), 0)   // `dir` is a protected config; SAVE writes in the cwd
        h.raw(["SET", "a", "1"])
        XCTAssertEqual(h.raw(["SAVE"]), "+OK\r\n")
        XCTAssertEqual(access(dir + "/dump.rdb", F_OK), 0)
        let info = h.raw(["INFO", "persistence"])
        XCTAssertTrue(info.contains("rdb_changes_since_last_save:0\r\n"), info)
        XCTAssertTrue(info.contains("rdb_saves:1\r\n"), info)
        let cfg = h.engine.config
        cfg.values[cfg.slot("enable-debug-command")!] = .text("yes")
        h.raw(["SET", "b", "2"])
        XCTAssertEqual(h.raw(["DEBUG", "RELOAD", "NOSAVE"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["DBSIZE"]), ":1\r\n")   // b was never saved
        XCTAssertEqual(h.raw(["DEBUG", "RELOAD"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["DEBUG", "RELOAD", "NOFLUSH"]), "-ERR Error trying to load the RDB dump\r\n")   // duplicates
        XCTAssertEqual(h.raw(["DEBUG", "RELOAD", "NOFLUSH", "MERGE"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["DEBUG", "RELOAD", "BOGUS"]), "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n")
    }
}

#if canImport(Glibc)
import Glibc
#endif
