import XCTest
@testable import Engine
import RESP

// SCAN: errors byte-exact as redis-server 7.0.15; a full iteration returns every key, with
// MATCH, COUNT and TYPE filters.
final class KeyCommandsScanTests: XCTestCase {
    func expect(_ h: EngineHarness, _ args: [String], _ reply: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.raw(args), reply, "\(args)", file: file, line: line)
    }

    func testErrors() {
        let h = EngineHarness()
        expect(h, ["scan"], "-ERR wrong number of arguments for 'scan' command\r\n")
        expect(h, ["scan", "x"], "-ERR invalid cursor\r\n")
        expect(h, ["scan", " 0"], "-ERR invalid cursor\r\n")
        expect(h, ["scan", "0x"], "-ERR invalid cursor\r\n")
        expect(h, ["scan", "18446744073709551616"], "-ERR invalid cursor\r\n")
        expect(h, ["scan", "x", "count", "0"], "-ERR invalid cursor\r\n")
        expect(h, ["scan", "0", "x"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "count"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "count", "0"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "count", "-1"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "count", "0", "foo"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "count", "x"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["scan", "0", "count", "abc", "foo"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["scan", "0", "count", "99999999999999999999"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["scan", "0", "match"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "type"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "match", "*", "type"], "-ERR syntax error\r\n")
        expect(h, ["scan", "0", "foo", "bar"], "-ERR syntax error\r\n")
    }

    func testCursorParsingIsStrtoul() {
        func parse(_ s: String) -> UInt64? { Array(s.utf8).withUnsafeBytes { KeyCommands.parseCursor($0) } }
        XCTAssertEqual(parse("0"), 0)
        XCTAssertEqual(parse(""), 0)
        XCTAssertEqual(parse("+0"), 0)
        XCTAssertEqual(parse("007"), 7)
        XCTAssertEqual(parse("18446744073709551615"), UInt64.max)
        XCTAssertEqual(parse("-1"), UInt64.max)
        XCTAssertEqual(parse("-18446744073709551615"), 1)
        XCTAssertEqual(parse("12\u{0}junk"), 12)
        XCTAssertNil(parse("18446744073709551616"))
        XCTAssertNil(parse("-18446744073709551616"))
        XCTAssertNil(parse(" 1"))
        XCTAssertNil(parse("\t1"))
        XCTAssertNil(parse("1 "))
        XCTAssertNil(parse("-"))
        XCTAssertNil(parse("+"))
        XCTAssertNil(parse("+-1"))
        XCTAssertNil(parse("1.0"))
    }

    func testSmallDatabaseInOneCall() {
        let h = EngineHarness()
        expect(h, ["scan", "0"], "*2\r\n$1\r\n0\r\n*0\r\n")
        h.raw(["set", "a", "1"])
        expect(h, ["scan", "0", "type", "none"], "*2\r\n$1\r\n0\r\n*0\r\n")
        expect(h, ["scan", "0", "TYPE", "String"], "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n")
        expect(h, ["scan", "0", "type", "list"], "*2\r\n$1\r\n0\r\n*0\r\n")
        expect(h, ["scan", "0", "match", "nomatch"], "*2\r\n$1\r\n0\r\n*0\r\n")
        expect(h, ["scan", "0", "count", "100", "match", "x*", "match", "a*"], "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n")
        expect(EngineHarness(proto: .v3), ["scan", "0"], "*2\r\n$1\r\n0\r\n*0\r\n")
    }

    /// Runs a full SCAN iteration; returns the keys and the number of calls.
    func scanAll(_ h: EngineHarness, _ options: [String]) -> ([String], Int) {
        var cursor = "0"
        var out: [String] = []
        var calls = 0
        repeat {
            calls += 1
            guard case .array(let parts) = h.value(["scan", cursor] + options), parts.count == 2,
                  case .bulk(let c) = parts[0], case .array(let items) = parts[1] else {
                XCTFail("bad reply"); return (out, calls)
            }
            cursor = String(decoding: c, as: UTF8.self)
            for case .bulk(let k) in items { out.append(String(decoding: k, as: UTF8.self)) }
            if calls > 10_000 { XCTFail("no end"); break }
        } while cursor != "0"
        return (out, calls)
    }

    func testFullIterationReturnsEveryKey() {
        let h = EngineHarness()
        var all: Set<String> = []
        for i in 0..<1000 { h.raw(["set", "key:\(i)", "v"]); all.insert("key:\(i)") }
        let (keys, calls) = scanAll(h, [])
        XCTAssertEqual(Set(keys), all)
        XCTAssertGreaterThan(calls, 10) // COUNT 10 by default: the work is spread over calls
        let (big, bigCalls) = scanAll(h, ["count", "400"])
        XCTAssertEqual(Set(big), all)
        XCTAssertLessThan(bigCalls, calls)

        let (matched, _) = scanAll(h, ["match", "key:1?", "count", "7"])
        XCTAssertEqual(Set(matched), Set((10...19).map { "key:\($0)" }))
        let (typed, _) = scanAll(h, ["type", "string", "match", "key:99*"])
        XCTAssertEqual(Set(typed), Set(["key:99"] + (990...999).map { "key:\($0)" }))
        let (none, _) = scanAll(h, ["type", "hash"])
        XCTAssertEqual(none, [])
    }

    func testExpiredKeysAreFilteredAndReclaimed() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        for i in 0..<50 { h.raw(["set", "k\(i)", "v"]) }
        for i in 0..<10 { h.raw(["pexpire", "k\(i)", "5"]) }
        h.engine.now += 6
        let live = Set((10..<50).map { "k\($0)" })
        let (keys, _) = scanAll(h, [])
        XCTAssertTrue(Set(keys).isSubset(of: live), "\(Set(keys).subtracting(live))")
        XCTAssertEqual(h.engine.dbs[0].count, 40)
        XCTAssertEqual(h.engine.stats.expiredKeys, 10)
        // Every key present for a whole iteration is returned (keys reclaimed during the first
        // one may shift a cursor that isn't stable under deletion: that's Database's contract).
        XCTAssertEqual(Set(scanAll(h, []).0), live)
    }

    func testTypeFilterCountsKeyspaceHits() {
        let h = EngineHarness()
        h.raw(["set", "a", "1"]); h.raw(["set", "b", "1"])
        let hits = h.engine.stats.keyspaceHits
        h.raw(["scan", "0"])
        XCTAssertEqual(h.engine.stats.keyspaceHits, hits)
        h.raw(["scan", "0", "type", "string"])
        XCTAssertEqual(h.engine.stats.keyspaceHits, hits + 2)
    }
}
