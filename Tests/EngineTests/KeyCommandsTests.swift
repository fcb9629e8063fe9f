import XCTest
@testable import Engine
import RESP

// Expected replies are what redis-server 7.0.15 answered to the same commands.
final class KeyCommandsTests: XCTestCase {
    func expect(_ h: EngineHarness, _ args: [String], _ reply: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.raw(args), reply, "\(args)", file: file, line: line)
    }

    func testDelUnlinkExistsType() {
        let h = EngineHarness()
        expect(h, ["del"], "-ERR wrong number of arguments for 'del' command\r\n")
        expect(h, ["del", "a", "b"], ":0\r\n")
        h.raw(["set", "a", "1"]); h.raw(["set", "b", "2"])
        expect(h, ["del", "a", "b", "c"], ":2\r\n")
        expect(h, ["unlink"], "-ERR wrong number of arguments for 'unlink' command\r\n")
        expect(h, ["unlink", "x"], ":0\r\n")
        expect(h, ["exists"], "-ERR wrong number of arguments for 'exists' command\r\n")
        expect(h, ["exists", "a"], ":0\r\n")
        h.raw(["set", "a", "1"])
        expect(h, ["exists", "a", "a", "b"], ":2\r\n")
        expect(h, ["type", "a"], "+string\r\n")
        expect(h, ["type", "nokey"], "+none\r\n")
        expect(h, ["type"], "-ERR wrong number of arguments for 'type' command\r\n")
        expect(h, ["unlink", "a"], ":1\r\n")
        XCTAssertEqual(h.engine.dirty, 6) // 3 SETs, 2 keys deleted by DEL, 1 by UNLINK
    }

    func testDelReportsEachKey() {
        let h = EngineHarness()
        var events: [String] = []
        h.engine.keyChangeObservers.append { db, key, ev in
            events.append("\(db):\(String(decoding: key, as: UTF8.self)):\(ev)")
        }
        h.raw(["set", "a", "1"]); h.raw(["set", "b", "1"])
        h.raw(["del", "a", "b", "zz"])
        XCTAssertEqual(events, ["0:a:set", "0:b:set", "0:a:del", "0:b:del"])
    }

    func testDelOfExpiredKeyCountsAsExpired() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["set", "a", "1"])
        h.raw(["pexpire", "a", "100"])
        h.engine.now += 101
        expect(h, ["del", "a"], ":0\r\n")
        XCTAssertEqual(h.engine.stats.expiredKeys, 1)
    }

    func testRename() {
        let h = EngineHarness()
        h.raw(["set", "a", "1"])
        expect(h, ["rename", "a", "a"], "+OK\r\n")
        expect(h, ["rename", "nokey", "nokey"], "-ERR no such key\r\n")
        expect(h, ["rename", "nokey", "x"], "-ERR no such key\r\n")
        expect(h, ["renamenx", "a", "a"], ":0\r\n")
        expect(h, ["renamenx", "nokey", "a"], "-ERR no such key\r\n")
        h.raw(["set", "b", "2"])
        expect(h, ["renamenx", "a", "b"], ":0\r\n")
        expect(h, ["rename", "a", "b"], "+OK\r\n")
        expect(h, ["get", "b"], "$1\r\n1\r\n")
        expect(h, ["exists", "a"], ":0\r\n")
        expect(h, ["renamenx", "b", "c"], ":1\r\n")
        expect(h, ["get", "c"], "$1\r\n1\r\n")
        expect(h, ["rename", "c"], "-ERR wrong number of arguments for 'rename' command\r\n")
    }

    func testRenameKeepsTTLAndClearsTheTargets() {
        let h = EngineHarness()
        h.engine.now = 5_000_000
        h.raw(["set", "a", "1"])
        h.raw(["pexpire", "a", "100000"])
        h.raw(["set", "c", "x"])
        h.raw(["pexpire", "c", "5"])
        expect(h, ["rename", "a", "c"], "+OK\r\n")
        expect(h, ["pttl", "c"], ":100000\r\n")
        h.raw(["set", "p", "1"])
        expect(h, ["rename", "p", "c"], "+OK\r\n")
        expect(h, ["pttl", "c"], ":-1\r\n")
        let dirty = h.engine.dirty
        var events: [String] = []
        h.engine.keyChangeObservers.append { _, key, ev in events.append("\(String(decoding: key, as: UTF8.self)):\(ev)") }
        h.raw(["rename", "c", "d"])
        XCTAssertEqual(events, ["c:rename_from", "d:rename_to"])
        XCTAssertEqual(h.engine.dirty, dirty + 1)
    }

    func testKeysMatchesAsASet() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        for k in ["one", "two", "three", "four"] { h.raw(["set", k, "1"]) }
        XCTAssertEqual(Set(keys(h.run("keys", "t*"))), ["two", "three"])
        XCTAssertEqual(Set(keys(h.run("keys", "*"))), ["one", "two", "three", "four"])
        XCTAssertEqual(Set(keys(h.run("keys", "?o*"))), ["four"])
        expect(h, ["keys", "nomatch"], "*0\r\n")
        // Logically expired keys are hidden but not reclaimed by KEYS.
        h.raw(["pexpire", "two", "10"])
        h.engine.now += 11
        XCTAssertEqual(Set(keys(h.run("keys", "t*"))), ["three"])
        expect(h, ["dbsize"], ":4\r\n")
        expect(h, ["dbsize", "x"], "-ERR wrong number of arguments for 'dbsize' command\r\n")
    }

    func keys(_ v: RESPValue) -> [String] {
        guard case .array(let items) = v else { XCTFail("\(v)"); return [] }
        return items.map { item in
            guard case .bulk(let b) = item else { XCTFail("\(item)"); return "" }
            return String(decoding: b, as: UTF8.self)
        }
    }

    func testRandomKey() {
        let h = EngineHarness()
        expect(h, ["randomkey"], "$-1\r\n")
        expect(h, ["randomkey", "x"], "-ERR wrong number of arguments for 'randomkey' command\r\n")
        h.raw(["set", "only", "1"])
        expect(h, ["randomkey"], "$4\r\nonly\r\n")
        // Expired picks are reclaimed, then the answer is a live key or null.
        h.engine.now = 1_000_000
        for i in 0..<20 { h.raw(["set", "v\(i)", "1"]); h.raw(["pexpire", "v\(i)", "1"]) }
        h.engine.now += 2
        expect(h, ["randomkey"], "$4\r\nonly\r\n")
        h.raw(["del", "only"])
        expect(h, ["randomkey"], "$-1\r\n")
        XCTAssertEqual(h.engine.dbs[0].count, 0)
        let h3 = EngineHarness(proto: .v3)
        expect(h3, ["randomkey"], "_\r\n")
    }

    func testTouch() {
        let h = EngineHarness()
        expect(h, ["touch"], "-ERR wrong number of arguments for 'touch' command\r\n")
        h.engine.now = 1_000_000
        h.raw(["set", "c", "1"]); h.raw(["set", "b", "1"])
        h.engine.now += 50_000
        expect(h, ["touch", "c", "b", "z"], ":2\r\n")
        expect(h, ["object", "idletime", "c"], ":0\r\n")
    }

    func testCopy() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["set", "c", "1"])
        h.raw(["pexpire", "c", "100000"])
        expect(h, ["copy"], "-ERR wrong number of arguments for 'copy' command\r\n")
        expect(h, ["copy", "c"], "-ERR wrong number of arguments for 'copy' command\r\n")
        expect(h, ["copy", "c", "c"], "-ERR source and destination objects are the same\r\n")
        expect(h, ["copy", "c", "d"], ":1\r\n")
        expect(h, ["pttl", "d"], ":100000\r\n")
        expect(h, ["copy", "c", "d"], ":0\r\n")
        expect(h, ["copy", "c", "d", "replace"], ":1\r\n")
        expect(h, ["copy", "c", "d", "replace", "replace"], ":1\r\n")
        expect(h, ["copy", "c", "d", "db"], "-ERR syntax error\r\n")
        expect(h, ["copy", "c", "d", "db", "x"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["copy", "c", "d", "db", "16"], "-ERR DB index is out of range\r\n")
        expect(h, ["copy", "c", "d", "db", "-1"], "-ERR DB index is out of range\r\n")
        expect(h, ["copy", "c", "d", "db", "0"], ":0\r\n")
        expect(h, ["copy", "c", "c", "db", "1"], ":1\r\n")
        expect(h, ["copy", "c", "c", "db", "0"], "-ERR source and destination objects are the same\r\n")
        expect(h, ["copy", "nokey", "c"], ":0\r\n")
        expect(h, ["copy", "c", "d", "foo"], "-ERR syntax error\r\n")
        expect(h, ["copy", "c", "d", "db", "1", "foo"], "-ERR syntax error\r\n")
        expect(h, ["copy", "c", "d", "db", "9999999999"],
               "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n")
        expect(h, ["select", "1"], "+OK\r\n")
        expect(h, ["exists", "c"], ":1\r\n")
        expect(h, ["pttl", "c"], ":100000\r\n")
    }

    func testCopyIsIndependentAndKeepsEncoding() {
        let h = EngineHarness()
        let long = String(repeating: "a", count: 63)
        h.raw(["set", "big", long])
        h.raw(["set", "k", "hello"]); h.raw(["set", "n", "9999"])
        expect(h, ["copy", "big", "big2"], ":1\r\n")
        expect(h, ["object", "encoding", "big2"], "$3\r\nraw\r\n")
        expect(h, ["copy", "k", "k2"], ":1\r\n")
        expect(h, ["object", "encoding", "k2"], "$6\r\nembstr\r\n")
        expect(h, ["copy", "n", "n2"], ":1\r\n")
        expect(h, ["object", "encoding", "n2"], "$3\r\nint\r\n")
        // Mutating the copy's bytes in place must not reach the source.
        let changed: Bool = Array("big2".utf8).withUnsafeBytes { key in
            h.engine.dbs[0].update(key) { v -> Bool in
                guard case .raw(let hb) = v else { return false }
                hb.withUnsafeMutablePointerToElements { $0[0] = 122 }
                return true
            } ?? false
        }
        XCTAssertTrue(changed)
        expect(h, ["get", "big2"], "$63\r\nz\(long.dropFirst())\r\n")
        expect(h, ["get", "big"], "$63\r\n\(long)\r\n")
    }

    func testMove() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["set", "c", "1"])
        h.raw(["pexpire", "c", "70000"])
        expect(h, ["move"], "-ERR wrong number of arguments for 'move' command\r\n")
        expect(h, ["move", "c"], "-ERR wrong number of arguments for 'move' command\r\n")
        expect(h, ["move", "c", "0"], "-ERR source and destination objects are the same\r\n")
        expect(h, ["move", "c", "x"], "-ERR value is not an integer or out of range\r\n")
        expect(h, ["move", "c", "16"], "-ERR DB index is out of range\r\n")
        expect(h, ["move", "c", "-1"], "-ERR DB index is out of range\r\n")
        expect(h, ["move", "c", "99999999999"],
               "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n")
        expect(h, ["move", "nokey", "1"], ":0\r\n")
        expect(h, ["move", "nokey", "0"], "-ERR source and destination objects are the same\r\n")
        var events: [String] = []
        h.engine.keyChangeObservers.append { db, key, ev in events.append("\(db):\(String(decoding: key, as: UTF8.self)):\(ev)") }
        let dirty = h.engine.dirty
        expect(h, ["move", "c", "1"], ":1\r\n")
        XCTAssertEqual(events, ["0:c:move_from", "1:c:move_to"])
        XCTAssertEqual(h.engine.dirty, dirty + 1)
        expect(h, ["exists", "c"], ":0\r\n")
        h.raw(["set", "c", "2"])
        expect(h, ["move", "c", "1"], ":0\r\n") // already there
        h.raw(["select", "1"])
        expect(h, ["get", "c"], "$1\r\n1\r\n")
        expect(h, ["pttl", "c"], ":70000\r\n")
    }

    func testSwapdb() {
        let h = EngineHarness()
        expect(h, ["swapdb"], "-ERR wrong number of arguments for 'swapdb' command\r\n")
        expect(h, ["swapdb", "0"], "-ERR wrong number of arguments for 'swapdb' command\r\n")
        expect(h, ["swapdb", "0", "x"], "-ERR invalid second DB index\r\n")
        expect(h, ["swapdb", "x", "0"], "-ERR invalid first DB index\r\n")
        expect(h, ["swapdb", "16", "x"], "-ERR invalid second DB index\r\n")
        expect(h, ["swapdb", "0", "16"], "-ERR DB index is out of range\r\n")
        expect(h, ["swapdb", "-1", "0"], "-ERR DB index is out of range\r\n")
        expect(h, ["swapdb", "0", "99999999999"], "-ERR invalid second DB index\r\n")
        expect(h, ["swapdb", "0", "0"], "+OK\r\n")
        h.raw(["set", "zero", "0"])
        h.raw(["select", "3"]); h.raw(["set", "three", "3"]); h.raw(["select", "0"])
        var swapped: [Int] = []
        h.engine.dbChangeObservers.append {
            // Reported before the swap, while db 0 still holds "zero".
            if case .swapped(let i, let j) = $0 { swapped += [i, j] }
            XCTAssertEqual(h.engine.dbs[0].count, 1)
        }
        expect(h, ["swapdb", "0", "3"], "+OK\r\n")
        XCTAssertEqual(swapped, [0, 3])
        expect(h, ["get", "three"], "$1\r\n3\r\n")
        expect(h, ["get", "zero"], "$-1\r\n")
        XCTAssertEqual(h.engine.dbs[0].index, 0)
        XCTAssertEqual(h.engine.dbs[3].index, 3)
        h.raw(["select", "3"])
        expect(h, ["get", "zero"], "$1\r\n0\r\n")
    }

    func testFlush() {
        let h = EngineHarness()
        for (flag, ok) in [("x", false), ("async", true), ("sync", true), ("ASYNC", true), ("foo", false)] {
            h.raw(["set", "a", "1"])
            expect(h, ["flushdb", flag], ok ? "+OK\r\n" : "-ERR syntax error\r\n")
            expect(h, ["exists", "a"], ok ? ":0\r\n" : ":1\r\n")
        }
        expect(h, ["flushdb", "async", "x"], "-ERR syntax error\r\n")
        expect(h, ["flushall", "foo"], "-ERR syntax error\r\n")
        expect(h, ["flushall", "sync", "x"], "-ERR syntax error\r\n")
        h.raw(["set", "a", "1"]); h.raw(["set", "b", "1"])
        h.raw(["select", "5"]); h.raw(["set", "c", "1"])
        let dirty = h.engine.dirty
        expect(h, ["flushdb"], "+OK\r\n")
        XCTAssertEqual(h.engine.dirty, dirty + 1)
        h.raw(["set", "c", "1"])
        var flushed: [Int] = []
        h.engine.dbChangeObservers.append { if case .flushed(let i) = $0 { flushed.append(i) } }
        expect(h, ["flushall", "async"], "+OK\r\n")
        XCTAssertEqual(flushed, Array(0..<16))
        XCTAssertTrue(h.engine.dbs.allSatisfy { $0.count == 0 })
        expect(h, ["flushall"], "+OK\r\n")
    }

    func testObject() {
        let h = EngineHarness()
        expect(h, ["object"], "-ERR wrong number of arguments for 'object' command\r\n")
        expect(h, ["object", "foo"], "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n")
        expect(h, ["object", "encoding"], "-ERR wrong number of arguments for 'object|encoding' command\r\n")
        expect(h, ["object", "help", "extra"], "-ERR wrong number of arguments for 'object|help' command\r\n")
        for sub in ["encoding", "idletime", "refcount", "freq"] { expect(h, ["object", sub, "nokey"], "$-1\r\n") }
        h.raw(["set", "k", "1"])
        expect(h, ["object", "freq", "k"], "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
        expect(h, ["object", "refcount", "k"], ":2147483647\r\n")
        h.raw(["set", "k2", "10000"])
        expect(h, ["object", "refcount", "k2"], ":1\r\n")
        h.raw(["set", "n", "-5"])
        expect(h, ["object", "refcount", "n"], ":1\r\n")
        expect(h, ["object", "encoding", "k"], "$3\r\nint\r\n")
        h.raw(["set", "e44", String(repeating: "a", count: 44)])
        expect(h, ["object", "encoding", "e44"], "$6\r\nembstr\r\n")
        h.raw(["set", "r45", String(repeating: "a", count: 45)])
        expect(h, ["object", "encoding", "r45"], "$3\r\nraw\r\n")
        h.engine.maxmemoryPolicy = "allkeys-lfu"
        expect(h, ["object", "idletime", "k"], "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
        XCTAssertEqual(h.run("object", "freq", "k").integer.map { $0 >= 0 }, true)
        let h3 = EngineHarness(proto: .v3)
        expect(h3, ["object", "encoding", "nokey"], "_\r\n")
    }

    func testObjectIdletimeFollowsTheLRUClock() {
        let h = EngineHarness()
        h.engine.now = 1_000_000_000
        h.raw(["set", "k", "v"])
        h.raw(["get", "k"])
        h.engine.now += 42_500
        expect(h, ["object", "idletime", "k"], ":42\r\n")
        expect(h, ["object", "idletime", "k"], ":42\r\n") // asking doesn't touch
        h.raw(["get", "k"])
        expect(h, ["object", "idletime", "k"], ":0\r\n")
    }

    func testObjectHelp() {
        let help = "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n"
        expect(EngineHarness(), ["object", "help"], help)
        expect(EngineHarness(proto: .v3), ["OBJECT", "HELP"], help)
    }
}

extension RESPValue {
    var integer: Int64? { if case .integer(let i) = self { return i } else { return nil } }
}
