// Sets family in-process: what the differential scripts cannot show byte for byte — random
// picks (uniqueness, membership, rough uniformity), keyspace events, TTLs under a controlled
// clock, RESP3 reply types and full SSCAN iterations of hashtables. Expected behaviour is
// redis-server 7.0.15's.
import XCTest
@testable import Engine
import RESP

extension EngineHarness {
    /// The members of a bulk-string array/set reply.
    func strings(_ args: String...) -> [String] {
        switch value(args) {
        case .array(let a), .set(let a): return a.compactMap { $0.text }
        default: return []
        }
    }
}

extension RESPValue {
    var text: String? {
        if case .bulk(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}

final class SetCommandsTests: XCTestCase {
    func testEncodingsFollowTheConfiguredLimit() {
        let h = EngineHarness()
        h.run("SADD", "s", "1", "2", "3")
        XCTAssertEqual(h.encoding("s"), "intset")
        h.run("CONFIG", "SET", "set-max-intset-entries", "3")
        h.run("SADD", "s", "3")
        XCTAssertEqual(h.encoding("s"), "intset")
        h.run("SADD", "s", "4")
        XCTAssertEqual(h.encoding("s"), "hashtable")
        h.run("SADD", "w", "x")
        XCTAssertEqual(h.encoding("w"), "hashtable")
        XCTAssertEqual(h.raw(["TYPE", "w"]), "+set\r\n")
    }

    func testEventsOnlyForChanges() {
        let h = EngineHarness()
        let log = h.recordEvents()
        h.run("SADD", "s", "a", "b")
        h.run("SADD", "s", "a")
        h.run("SREM", "s", "zz")
        h.run("SREM", "s", "a", "b")
        XCTAssertEqual(log.events, ["sadd s", "srem s", "del s"])
        XCTAssertNil(h.stored("s"))

        log.events = []
        h.run("SADD", "src", "m")
        h.run("SADD", "dst", "m")
        XCTAssertEqual(h.raw(["SMOVE", "src", "dst", "m"]), ":1\r\n")
        XCTAssertEqual(log.events, ["sadd src", "sadd dst", "srem src", "del src"])

        log.events = []
        h.run("SADD", "p", "1", "2")
        h.run("SPOP", "p")
        h.run("SPOP", "p")
        XCTAssertEqual(log.events, ["sadd p", "spop p", "spop p", "del p"])

        log.events = []
        h.run("SADD", "q", "1", "2")
        h.run("SPOP", "q", "5")
        XCTAssertEqual(log.events, ["sadd q", "spop q", "del q"])
    }

    func testStoreCommandsReplaceDestinationAndClearTTL() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        let log = h.recordEvents()
        h.run("SADD", "a", "1", "2", "3")
        h.run("SADD", "b", "2", "3", "4")
        h.run("SET", "d", "v", "EX", "100")
        log.events = []
        XCTAssertEqual(h.raw(["SINTERSTORE", "d", "a", "b"]), ":2\r\n")
        XCTAssertNil(h.expireAt("d"))
        XCTAssertEqual(h.encoding("d"), "intset")
        XCTAssertEqual(h.strings("SMEMBERS", "d"), ["2", "3"])
        XCTAssertEqual(h.raw(["SUNIONSTORE", "d", "a", "b"]), ":4\r\n")
        XCTAssertEqual(h.raw(["SDIFFSTORE", "d", "a", "b"]), ":1\r\n")
        XCTAssertEqual(h.raw(["SDIFFSTORE", "d", "a", "a"]), ":0\r\n")
        XCTAssertNil(h.stored("d"))
        XCTAssertEqual(h.raw(["SINTERSTORE", "d", "a", "missing"]), ":0\r\n")
        XCTAssertEqual(log.events, ["sinterstore d", "sunionstore d", "sdiffstore d", "del d"])
    }

    /// SPOP with a count close to the size re-adds the survivors into a fresh set (Redis's
    /// CASE 3): a hashtable of integers comes back as an intset, and the TTL stays.
    func testSpopCase3RebuildsTheSetKeepingTTL() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["SADD", "h", "a"] + (1...20).map(String.init))
        h.run("SREM", "h", "a")
        h.run("PEXPIRE", "h", "5000")
        XCTAssertEqual(h.encoding("h"), "hashtable")
        let popped = h.strings("SPOP", "h", "18")
        XCTAssertEqual(popped.count, 18)
        XCTAssertEqual(h.encoding("h"), "intset")
        XCTAssertEqual(h.expireAt("h"), 1_005_000)
        let rest = h.strings("SMEMBERS", "h")
        XCTAssertEqual(Set(popped + rest), Set((1...20).map(String.init)))
        XCTAssertEqual(popped.count + rest.count, 20)
    }

    func testSpopReturnsDistinctMembersAndRemovesThem() {
        let ints: [String] = (1...50).map { String($0) }
        let words: [String] = (1...50).map { "m\($0)" }
        let few: [String] = (1...10).map { String($0) }
        let cases: [([String], Int)] = [(ints, 3), (words, 45), (few, 9)]
        for (members, count) in cases {
            let h = EngineHarness()
            h.raw(["SADD", "s"] + members)
            let popped = h.strings("SPOP", "s", String(count))
            XCTAssertEqual(popped.count, count)
            XCTAssertEqual(Set(popped).count, count)
            let rest = h.strings("SMEMBERS", "s")
            XCTAssertEqual(rest.count, members.count - count)
            XCTAssertTrue(Set(popped).isDisjoint(with: rest))
            XCTAssertEqual(Set(popped + rest), Set(members))
        }
    }

    func testSrandmemberCountsAndUniqueness() {
        for members in [(1...30).map(String.init), (1...30).map { "m\($0)" }] {
            let h = EngineHarness()
            h.raw(["SADD", "s"] + members)
            for count in [1, 5, 11, 29, 30, 40] {
                let got = h.strings("SRANDMEMBER", "s", String(count))
                XCTAssertEqual(got.count, min(count, 30))
                XCTAssertEqual(Set(got).count, got.count, "duplicates for count \(count)")
                XCTAssertTrue(Set(got).isSubset(of: members))
            }
            let repeated = h.strings("SRANDMEMBER", "s", "-100")
            XCTAssertEqual(repeated.count, 100)
            XCTAssertTrue(Set(repeated).isSubset(of: members))
            XCTAssertEqual(h.raw(["SCARD", "s"]), ":30\r\n")
        }
    }

    /// Every member is drawn about equally often (loose bounds: a broken picker that favours
    /// some members or never returns others fails; chance failure is negligible).
    func testRandomPicksAreRoughlyUniform() {
        for members in [(0..<10).map(String.init), (0..<10).map { "m\($0)" }] {
            let h = EngineHarness()
            h.raw(["SADD", "s"] + members)
            var counts: [String: Int] = [:]
            for m in h.strings("SRANDMEMBER", "s", "-20000") { counts[m, default: 0] += 1 }
            XCTAssertEqual(counts.count, 10)
            for (_, n) in counts { XCTAssertTrue((1500...2500).contains(n), "\(counts)") }

            var firsts: [String: Int] = [:]
            for _ in 0..<2000 {
                h.raw(["SADD", "t"] + members)
                if case .bulk(let b) = h.run("SPOP", "t") { firsts[String(decoding: b, as: UTF8.self), default: 0] += 1 }
            }
            for m in members { XCTAssertTrue((100...300).contains(firsts[m] ?? 0), "\(firsts)") }
        }
    }

    func testResp3ReplyTypes() {
        let h = EngineHarness(proto: .v3)
        h.run("SADD", "s", "1", "2", "3")
        XCTAssertEqual(h.raw(["SMEMBERS", "s"]), "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n")
        XCTAssertEqual(h.raw(["SINTER", "s", "missing"]), "~0\r\n")
        XCTAssertEqual(h.raw(["SRANDMEMBER", "s", "3"]), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n")
        XCTAssertEqual(h.raw(["SRANDMEMBER", "missing", "3"]), "*0\r\n")
        XCTAssertEqual(h.raw(["SPOP", "missing", "3"]), "~0\r\n")
        XCTAssertEqual(h.raw(["SPOP", "missing"]), "_\r\n")
        XCTAssertEqual(h.raw(["SPOP", "s", "3"]), "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n")
    }

    /// A full SSCAN of a hashtable returns every member at least once.
    func testSscanIteratesAHashtable() {
        let h = EngineHarness()
        let members = (0..<200).map { "k\($0)" }
        h.raw(["SADD", "s"] + members)
        var seen = Set<String>()
        var cursor = "0"
        var calls = 0
        repeat {
            guard case .array(let parts) = h.run("SSCAN", "s", cursor, "COUNT", "7"),
                  let next = parts[0].text, case .array(let page) = parts[1] else { return XCTFail("bad reply") }
            for m in page { seen.insert(m.text!) }
            cursor = next
            calls += 1
        } while cursor != "0" && calls < 1000
        XCTAssertEqual(cursor, "0")
        XCTAssertEqual(seen, Set(members))
        XCTAssertGreaterThan(calls, 1)
        XCTAssertEqual(Set(h.strings("SSCAN", "s", "0", "MATCH", "k1?", "COUNT", "1000").dropFirst()).count, 0)
    }

    func testWrongTypeEverywhere() {
        let h = EngineHarness()
        h.putWrongType("l")
        h.run("SADD", "s", "a")
        let wrong = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        for cmd in [["SADD", "l", "a"], ["SREM", "l", "a"], ["SMEMBERS", "l"], ["SISMEMBER", "l", "a"],
                    ["SMISMEMBER", "l", "a"], ["SCARD", "l"], ["SPOP", "l"], ["SPOP", "l", "2"],
                    ["SRANDMEMBER", "l"], ["SRANDMEMBER", "l", "2"], ["SMOVE", "l", "s", "a"], ["SMOVE", "s", "l", "a"],
                    ["SINTER", "missing", "l"], ["SINTERCARD", "2", "missing", "l"], ["SUNION", "s", "l"],
                    ["SDIFF", "missing", "l"], ["SINTERSTORE", "d", "s", "l"], ["SSCAN", "l", "0"], ["SORT", "l"]] {
            XCTAssertEqual(h.raw(cmd), wrong, "\(cmd)")
        }
        XCTAssertEqual(h.strings("SMEMBERS", "s"), ["a"])
    }

    /// Keyspace hits/misses as Redis counts them: write lookups count nothing, SPOP of the
    /// whole set replies through SUNION's read lookup (one hit), SINTERCARD reads every key.
    func testKeyspaceStats() {
        let h = EngineHarness()
        h.run("SADD", "s", "1", "2")
        h.run("SPOP", "s", "5")
        h.run("SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9")
        h.run("SPOP", "s", "2")
        h.run("SINTERCARD", "2", "s", "missing")
        XCTAssertEqual(h.engine.stats.keyspaceHits, 2)
        XCTAssertEqual(h.engine.stats.keyspaceMisses, 1)
    }

    func testCommandMetadata() {
        let h = EngineHarness()
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"), ["a", "b"])
        XCTAssertEqual(h.raw(["COMMAND", "GETKEYS", "SINTERCARD", "3", "a", "b"]), "-ERR Invalid arguments specified for command\r\n")
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"), ["a", "b"])
    }
}
