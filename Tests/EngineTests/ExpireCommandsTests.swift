import XCTest
@testable import Engine
import RESP

// Expected replies are what redis-server 7.0.15 answered to the same commands; time is driven
// through `engine.now`.
final class ExpireCommandsTests: XCTestCase {
    let t0: Int64 = 1_700_000_000_000

    func harness() -> EngineHarness {
        let h = EngineHarness()
        h.engine.now = t0
        return h
    }

    func expect(_ h: EngineHarness, _ args: [String], _ reply: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.raw(args), reply, "\(args)", file: file, line: line)
    }

    func testArityAndParsing() {
        let h = harness()
        expect(h, ["expire"], "-ERR wrong number of arguments for 'expire' command\r\n")
        expect(h, ["expire", "a"], "-ERR wrong number of arguments for 'expire' command\r\n")
        expect(h, ["expire", "a", "10"], ":0\r\n")
        h.raw(["set", "a", "1"])
        expect(h, ["expire", "a", "x"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["expire", "a", "1.5"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["expire", "nokey", "x"], "-ERR value is not an integer or out of range\r\n")
        // Options are checked before the number.
        expect(h, ["expire", "a", "10", "x"], "-ERR Unsupported option x\r\n")
        expect(h, ["expire", "a", "x", "foo"], "-ERR Unsupported option foo\r\n")
        expect(h, ["expire", "a", "x", "nx", "xx"], "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n")
        expect(h, ["expire", "a", "99999999999999999", "foo"], "-ERR Unsupported option foo\r\n")
        expect(h, ["persist"], "-ERR wrong number of arguments for 'persist' command\r\n")
        expect(h, ["ttl"], "-ERR wrong number of arguments for 'ttl' command\r\n")
        expect(h, ["ttl", "a", "b"], "-ERR wrong number of arguments for 'ttl' command\r\n")
    }

    func testOptionCompatibility() {
        let h = harness()
        h.raw(["set", "a", "1"])
        let nxErr = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
        expect(h, ["expire", "a", "10", "nx", "xx"], nxErr)
        expect(h, ["expire", "a", "10", "xx", "nx"], nxErr)
        expect(h, ["expire", "a", "10", "nx", "gt"], nxErr)
        expect(h, ["expire", "a", "10", "nx", "lt"], nxErr)
        expect(h, ["expire", "a", "10", "gt", "lt"], "-ERR GT and LT options at the same time are not compatible\r\n")
    }

    func testConditions() {
        let h = harness()
        h.raw(["set", "a", "1"])
        expect(h, ["expire", "a", "10", "xx", "gt"], ":0\r\n")
        expect(h, ["expire", "a", "10", "xx"], ":0\r\n")
        expect(h, ["expire", "a", "10", "gt"], ":0\r\n")   // no TTL = infinite: GT never wins
        expect(h, ["expire", "a", "10", "lt"], ":1\r\n")   // ... and LT always does
        expect(h, ["expire", "a", "10", "nx"], ":0\r\n")
        expect(h, ["ttl", "a"], ":10\r\n")
        expect(h, ["expire", "a", "20", "gt"], ":1\r\n")
        expect(h, ["expire", "a", "10", "gt"], ":0\r\n")
        expect(h, ["expire", "a", "5", "lt"], ":1\r\n")
        expect(h, ["expire", "a", "50", "lt"], ":0\r\n")
        expect(h, ["expire", "a", "5", "xx"], ":1\r\n")
        expect(h, ["expire", "a", "5", "nx", "nx"], ":0\r\n")
        expect(h, ["expire", "a", "5", "xx", "xx"], ":1\r\n")
        expect(h, ["persist", "a"], ":1\r\n")
        expect(h, ["expire", "a", "5", "LT"], ":1\r\n")
        expect(h, ["expire", "a", "5", "gt"], ":0\r\n")    // equal is not greater
        expect(h, ["expire", "nokey", "10", "nx"], ":0\r\n")
    }

    func testOverflow() {
        let h = harness()
        h.raw(["set", "a", "1"])
        expect(h, ["expire", "a", "9223372036854775807"], "-ERR invalid expire time in 'expire' command\r\n")
        expect(h, ["expire", "a", "9223372036854774"], "-ERR invalid expire time in 'expire' command\r\n")
        expect(h, ["expire", "a", "9223372036854775"], "-ERR invalid expire time in 'expire' command\r\n")
        expect(h, ["expire", "a", "-9223372036854775808"], "-ERR invalid expire time in 'expire' command\r\n")
        expect(h, ["pexpire", "a", "9223372036854775807"], "-ERR invalid expire time in 'pexpire' command\r\n")
        expect(h, ["pexpire", "a", "9223372036854775806"], "-ERR invalid expire time in 'pexpire' command\r\n")
        expect(h, ["expireat", "a", "9223372036854775807"], "-ERR invalid expire time in 'expireat' command\r\n")
        expect(h, ["EXPIRE", "a", "9223372036854775807"], "-ERR invalid expire time in 'expire' command\r\n")
        expect(h, ["expire", "a", "9223372036853"], ":1\r\n")
        // The largest time there is: the seconds forms round to nearest without overflowing.
        expect(h, ["pexpireat", "a", "9223372036854775807"], ":1\r\n")
        expect(h, ["pexpiretime", "a"], ":9223372036854775807\r\n")
        expect(h, ["expiretime", "a"], ":9223372036854776\r\n")
        expect(h, ["pttl", "a"], ":\(Int64.max - t0)\r\n")
        expect(h, ["ttl", "a"], ":\((Int64.max - t0 + 500) / 1000)\r\n")
        // A very negative relative time is just in the past: the key goes.
        expect(h, ["expire", "a", "-9223372036854775"], ":1\r\n")
        expect(h, ["exists", "a"], ":0\r\n")
        expect(h, ["expireat", "a", "9223372036854775"], ":0\r\n")
    }

    func testPastOrZeroDeletes() {
        let h = harness()
        var events: [String] = []
        h.engine.keyChangeObservers.append { _, key, ev in events.append("\(String(decoding: key, as: UTF8.self)):\(ev)") }
        for args in [["expire", "a", "0"], ["expire", "a", "-5"], ["pexpireat", "a", "1"], ["pexpireat", "a", "\(t0)"],
                     ["expireat", "a", "\(t0 / 1000)"], ["pexpire", "a", "0"]] {
            h.raw(["set", "a", "1"])
            let dirty = h.engine.dirty
            expect(h, args, ":1\r\n")
            expect(h, ["exists", "a"], ":0\r\n")
            XCTAssertEqual(h.engine.dirty, dirty + 1)
        }
        XCTAssertEqual(events.filter { $0 != "a:set" }, Array(repeating: "a:del", count: 6))
        XCTAssertEqual(h.engine.stats.expiredKeys, 0)
        events = []
        h.raw(["set", "a", "1"])
        expect(h, ["pexpireat", "a", "\(t0 + 1)"], ":1\r\n")
        XCTAssertEqual(events, ["a:set", "a:expire"])
    }

    func testTTLFamily() {
        let h = harness()
        for cmd in ["ttl", "pttl", "expiretime", "pexpiretime"] { expect(h, [cmd, "nokey"], ":-2\r\n") }
        h.raw(["set", "p", "1"])
        for cmd in ["ttl", "pttl", "expiretime", "pexpiretime"] { expect(h, [cmd, "p"], ":-1\r\n") }
        h.raw(["set", "a", "1"])
        expect(h, ["expire", "a", "100"], ":1\r\n")
        expect(h, ["ttl", "a"], ":100\r\n")
        expect(h, ["pttl", "a"], ":100000\r\n")
        expect(h, ["expiretime", "a"], ":\(t0 / 1000 + 100)\r\n")
        expect(h, ["pexpiretime", "a"], ":\(t0 + 100_000)\r\n")
        h.engine.now += 1499
        expect(h, ["ttl", "a"], ":99\r\n")   // 98.501 s rounds to 99
        h.engine.now += 2
        expect(h, ["ttl", "a"], ":98\r\n")   // 98.499 s rounds to 98
        expect(h, ["pttl", "a"], ":98499\r\n")
        // Expired exactly at the stored time plus one ms (Redis: now > when).
        h.engine.now = t0 + 100_000
        expect(h, ["pttl", "a"], ":0\r\n")
        h.engine.now += 1
        expect(h, ["pttl", "a"], ":-2\r\n")
        XCTAssertEqual(h.engine.stats.expiredKeys, 1)
    }

    func testPersist() {
        let h = harness()
        h.raw(["set", "p", "1"])
        expect(h, ["persist", "p"], ":0\r\n")
        expect(h, ["persist", "nokey"], ":0\r\n")
        h.raw(["set", "a", "1"])
        h.raw(["expire", "a", "100"])
        var events: [String] = []
        h.engine.keyChangeObservers.append { _, key, ev in events.append("\(String(decoding: key, as: UTF8.self)):\(ev)") }
        expect(h, ["persist", "a"], ":1\r\n")
        expect(h, ["persist", "a"], ":0\r\n")
        expect(h, ["ttl", "a"], ":-1\r\n")
        XCTAssertEqual(events, ["a:persist"])
    }

    func testLazyExpiryOnRead() {
        let h = harness()
        h.raw(["set", "a", "1"])
        h.raw(["pexpire", "a", "10"])
        h.engine.now += 10
        expect(h, ["get", "a"], "$1\r\n1\r\n")
        h.engine.now += 1
        expect(h, ["get", "a"], "$-1\r\n")
        expect(h, ["dbsize"], ":0\r\n")
        XCTAssertEqual(h.engine.stats.expiredKeys, 1)
    }

    func testSetClearsTTL() {
        let h = harness()
        h.raw(["set", "a", "1"])
        h.raw(["expire", "a", "100"])
        h.raw(["set", "a", "2"])
        expect(h, ["ttl", "a"], ":-1\r\n")
    }
}
