// BF.* commands through the engine: reply shapes in RESP2 and RESP3, RedisBloom's error texts
// (from its src/rebloom.c), option parsing quirks kept for compatibility, TYPE / OBJECT
// ENCODING, and COPY independence. No RedisBloom is available here to record replies from;
// expected bytes follow its source (RedisModule_Reply* calls) and its tests (test_resp3.py).
import XCTest
@testable import Engine
import RESP

final class BloomCommandsTests: XCTestCase {
    func expect(_ h: EngineHarness, _ args: [String], _ reply: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.raw(args), reply, args.joined(separator: " "), file: file, line: line)
    }

    func testAddExistsAndCardResp2() {
        let h = EngineHarness()
        expect(h, ["BF.EXISTS", "bf", "a"], ":0\r\n")
        expect(h, ["BF.MEXISTS", "bf", "a", "b"], "*2\r\n:0\r\n:0\r\n")
        expect(h, ["BF.CARD", "bf"], ":0\r\n")
        expect(h, ["BF.ADD", "bf", "a"], ":1\r\n")
        expect(h, ["BF.ADD", "bf", "a"], ":0\r\n")
        expect(h, ["BF.MADD", "bf", "a", "b", "c", "b"], "*4\r\n:0\r\n:1\r\n:1\r\n:0\r\n")
        expect(h, ["BF.EXISTS", "bf", "b"], ":1\r\n")
        expect(h, ["BF.MEXISTS", "bf", "a", "nope", "c"], "*3\r\n:1\r\n:0\r\n:1\r\n")
        expect(h, ["BF.CARD", "bf"], ":3\r\n")
        expect(h, ["TYPE", "bf"], "+MBbloom--\r\n")
        expect(h, ["OBJECT", "ENCODING", "bf"], "$3\r\nraw\r\n")
        // BF.ADD created the key with RedisBloom's defaults.
        expect(h, ["BF.INFO", "bf"], "*10\r\n+Capacity\r\n:100\r\n+Size\r\n:240\r\n+Number of filters\r\n:1\r\n"
            + "+Number of items inserted\r\n:3\r\n+Expansion rate\r\n:2\r\n")
    }

    func testResp3RepliesBooleansAndMaps() {
        // RedisBloom tests/flow/test_resp3.py: booleans for add/exists, a map for BF.INFO.
        let h = EngineHarness(proto: .v3)
        expect(h, ["BF.ADD", "test", "item"], "#t\r\n")
        expect(h, ["BF.ADD", "test", "item"], "#f\r\n")
        expect(h, ["BF.CARD", "test"], ":1\r\n")
        expect(h, ["BF.EXISTS", "test", "item"], "#t\r\n")
        expect(h, ["BF.EXISTS", "missing", "item"], "#f\r\n")
        expect(h, ["BF.INFO", "test"], "%5\r\n+Capacity\r\n:100\r\n+Size\r\n:240\r\n+Number of filters\r\n:1\r\n"
            + "+Number of items inserted\r\n:1\r\n+Expansion rate\r\n:2\r\n")
        expect(h, ["BF.INSERT", "test", "ITEMS", "item2", "item3", "item2"], "*3\r\n#t\r\n#t\r\n#f\r\n")
        expect(h, ["BF.MADD", "test", "item4", "item5", "item2"], "*3\r\n#t\r\n#t\r\n#f\r\n")
        expect(h, ["BF.MEXISTS", "test", "item4", "item5", "item6"], "*3\r\n#t\r\n#t\r\n#f\r\n")
        expect(h, ["BF.INFO", "test", "CAPACITY"], "%1\r\n+Capacity\r\n:100\r\n")
        expect(h, ["BF.INFO", "test", "items"], "%1\r\n+Number of items inserted\r\n:5\r\n")
        expect(h, ["BF.RESERVE", "ns", "0.01", "3", "NONSCALING"], "+OK\r\n")
        expect(h, ["BF.INFO", "ns", "expansion"], "%1\r\n+Expansion rate\r\n_\r\n")
        expect(h, ["BF.INFO", "ns"], "%5\r\n+Capacity\r\n:3\r\n+Size\r\n:104\r\n+Number of filters\r\n:1\r\n"
            + "+Number of items inserted\r\n:0\r\n+Expansion rate\r\n_\r\n")
    }

    func testInfoFieldsResp2() {
        let h = EngineHarness()
        expect(h, ["BF.RESERVE", "bf", "0.001", "100"], "+OK\r\n")
        expect(h, ["BF.INFO", "bf", "capacity"], "*1\r\n:100\r\n")
        expect(h, ["BF.INFO", "bf", "SIZE"], "*1\r\n:296\r\n")
        expect(h, ["BF.INFO", "bf", "Filters"], "*1\r\n:1\r\n")
        expect(h, ["BF.INFO", "bf", "items"], "*1\r\n:0\r\n")
        expect(h, ["BF.INFO", "bf", "expansion"], "*1\r\n:2\r\n")
        expect(h, ["BF.INFO", "bf", "wrong_value"], "-Invalid information value\r\n")
        expect(h, ["BF.INFO", "bf", "capacity", "size"], "-ERR wrong number of arguments for 'BF.INFO' command\r\n")
        expect(h, ["bf.info"], "-ERR wrong number of arguments for 'bf.info' command\r\n")
        expect(h, ["BF.INFO", "nokey"], "-ERR not found\r\n")
        h.raw(["SET", "s", "x"])
        expect(h, ["BF.INFO", "s"], "-\(WireError.wrongType)\r\n")
        expect(h, ["BF.RESERVE", "ns", "0.01", "3", "nonscaling"], "+OK\r\n")
        expect(h, ["BF.INFO", "ns", "expansion"], "*1\r\n$-1\r\n")
    }

    func testScalingThroughCommands() {
        // test_debug's filter: four layers after 100 adds, 99 items counted.
        let h = EngineHarness()
        expect(h, ["BF.RESERVE", "bf", "0.01", "10"], "+OK\r\n")
        for i in 0..<100 { _ = h.raw(["BF.ADD", "bf", String(i)]) }
        expect(h, ["BF.INFO", "bf", "filters"], "*1\r\n:4\r\n")
        expect(h, ["BF.INFO", "bf", "capacity"], "*1\r\n:150\r\n")
        expect(h, ["BF.CARD", "bf"], ":99\r\n")
        expect(h, ["BF.INFO", "bf", "size"], "*1\r\n:568\r\n")
        for i in 0..<100 { XCTAssertEqual(h.raw(["BF.EXISTS", "bf", String(i)]), ":1\r\n") }
    }

    func testNonScalingFullStopsTheReply() {
        // test_nonscaling_err: the array ends with the error; "d" is not tried twice.
        let h = EngineHarness()
        expect(h, ["BF.INSERT", "nse", "CAPACITY", "3", "NONSCALING", "ITEMS", "a", "b", "c"], "*3\r\n:1\r\n:1\r\n:1\r\n")
        expect(h, ["BF.INSERT", "nse", "ITEMS", "a", "b", "c", "d", "d"],
               "*4\r\n:0\r\n:0\r\n:0\r\n-ERR non scaling filter is full\r\n")
        expect(h, ["BF.ADD", "nse", "e"], "-ERR non scaling filter is full\r\n")
        expect(h, ["BF.ADD", "nse", "a"], ":0\r\n")
        expect(h, ["BF.MADD", "nse", "x", "a"], "*1\r\n-ERR non scaling filter is full\r\n")
        expect(h, ["BF.INFO", "nse"], "*10\r\n+Capacity\r\n:3\r\n+Size\r\n:104\r\n+Number of filters\r\n:1\r\n"
            + "+Number of items inserted\r\n:3\r\n+Expansion rate\r\n$-1\r\n")
    }

    func testReserveErrors() {
        let h = EngineHarness()
        expect(h, ["BF.RESERVE", "k", "0.01"], "-ERR wrong number of arguments for 'BF.RESERVE' command\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "1", "a", "b", "c", "d"], "-ERR wrong number of arguments for 'BF.RESERVE' command\r\n")
        expect(h, ["BF.RESERVE", "k", "blah", "100"], "-ERR bad error rate\r\n")
        expect(h, ["BF.RESERVE", "k", " 0.1", "100"], "-ERR bad error rate\r\n")
        expect(h, ["BF.RESERVE", "k", "nan", "100"], "-ERR bad error rate\r\n")
        expect(h, ["BF.RESERVE", "k", "1", "100"], "-ERR (0 < error rate range < 1) \r\n")
        expect(h, ["BF.RESERVE", "k", "0", "100"], "-ERR (0 < error rate range < 1) \r\n")
        expect(h, ["BF.RESERVE", "k", "7.7", "1000"], "-ERR (0 < error rate range < 1) \r\n")
        expect(h, ["BF.RESERVE", "k", "0.001", "blah"], "-ERR bad capacity\r\n")
        expect(h, ["BF.RESERVE", "k", "0.001", "0"], "-ERR (capacity should be larger than 0)\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "4", "expansion"], "-ERR no expansion\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "4", "expansion", "0"], "-ERR expansion should be greater or equal to 1\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "4", "expansion", "str"], "-ERR bad expansion\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "4", "nonscaling", "expansion", "2"], "-Nonscaling filters cannot expand\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "1000000000000000000"], "-ERR Insufficient memory to create filter\r\n")
        // A subnormal error rate halves to 0 on the first layer: SB_INVALID.
        expect(h, ["BF.RESERVE", "k", "5e-324", "10"], "-ERR could not create filter\r\n")
        expect(h, ["BF.RESERVE", "k", "5e-324", "10", "NONSCALING"], "+OK\r\n")
        expect(h, ["DEL", "k"], ":1\r\n")
        expect(h, ["EXISTS", "k"], ":0\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "4", "EXPANSION", "3"], "+OK\r\n")
        expect(h, ["BF.INFO", "k", "expansion"], "*1\r\n:3\r\n")
        expect(h, ["BF.RESERVE", "k", "0.01", "4"], "-ERR item exists\r\n")
        h.raw(["SET", "s", "x"])
        expect(h, ["BF.RESERVE", "s", "0.01", "4"], "-\(WireError.wrongType)\r\n")
        // RMUtil_ArgIndex also looks at the key: a key named "nonscaling" makes the filter
        // non-scaling, as in RedisBloom.
        expect(h, ["BF.RESERVE", "nonscaling", "0.01", "4"], "+OK\r\n")
        expect(h, ["BF.INFO", "nonscaling", "expansion"], "*1\r\n$-1\r\n")
    }

    func testInsertOptionsAndErrors() {
        let h = EngineHarness()
        expect(h, ["BF.INSERT", "m", "NOCREATE", "ITEMS", "foo", "bar"], "-ERR not found\r\n")
        expect(h, ["BF.INSERT", "m", "DONTEXIST", "NOCREATE"], "-Unknown argument received\r\n")
        expect(h, ["BF.INSERT", "m", "XYZ", "NOCREATE", "ITEMS", "a"], "-Unknown argument received\r\n")
        expect(h, ["BF.INSERT", "m"], "-ERR wrong number of arguments for 'BF.INSERT' command\r\n")
        expect(h, ["BF.INSERT", "m", "NOCREATE", "ITEMS"], "-ERR wrong number of arguments for 'BF.INSERT' command\r\n")
        expect(h, ["BF.INSERT", "m", "NOCREATE", "CAPACITY"], "-ERR wrong number of arguments for 'BF.INSERT' command\r\n")
        expect(h, ["BF.INSERT", "m", "CAPACITY", "0.3", "ITEMS", "a"], "-Bad capacity\r\n")
        expect(h, ["BF.INSERT", "m", "ERROR", "big", "ITEMS", "a"], "-Bad error rate\r\n")
        expect(h, ["BF.INSERT", "m", "EXPANSION", "big", "ITEMS", "a"], "-Bad expansion\r\n")
        expect(h, ["BF.INSERT", "m", "EXPANSION", "0", "ITEMS", "foo"], "-Bad argument received\r\n")
        expect(h, ["BF.INSERT", "m", "ERROR", "1", "ITEMS", "foo"], "-Bad argument received\r\n")
        expect(h, ["BF.INSERT", "m", "CAPACITY", "0", "ITEMS", "foo"], "-Bad argument received\r\n")
        expect(h, ["BF.INSERT", "m", "CAPACITY", "1000000000000000000", "ITEMS", "1"], "-ERR Insufficient memory to create filter\r\n")
        expect(h, ["EXISTS", "m"], ":0\r\n")
        // test_insert: ERROR 0.001 CAPACITY 50000 -> one layer of 50000 (98880 bytes, 11 hashes).
        expect(h, ["BF.INSERT", "m", "ERROR", "0.001", "CAPACITY", "50000", "EXPANSION", "2", "ITEMS", "foo"], "*1\r\n:1\r\n")
        expect(h, ["BF.INFO", "m", "size"], "*1\r\n:\(32 + 64 + 98880)\r\n")
        // Options only apply on creation.
        expect(h, ["BF.INSERT", "m", "ERROR", "0.1", "ITEMS", "foo", "bar", "baz"], "*3\r\n:0\r\n:1\r\n:1\r\n")
        expect(h, ["BF.INFO", "m", "capacity"], "*1\r\n:50000\r\n")
        // Options are matched on their first letters, as RedisBloom's parser does.
        expect(h, ["BF.INSERT", "q", "cap", "7", "exp", "3", "nonsc", "i", "x"], "*1\r\n:1\r\n")
        // 7 x 9.585 bits -> 67 -> rounded up to 128 bits (16 bytes).
        expect(h, ["BF.INFO", "q"], "*10\r\n+Capacity\r\n:7\r\n+Size\r\n:112\r\n+Number of filters\r\n:1\r\n"
            + "+Number of items inserted\r\n:1\r\n+Expansion rate\r\n$-1\r\n")
        h.raw(["SET", "s", "x"])
        expect(h, ["BF.INSERT", "s", "ITEMS", "a"], "-\(WireError.wrongType)\r\n")
    }

    func testArityAndWrongType() {
        let h = EngineHarness()
        for cmd in ["bf.add", "bf.madd", "bf.exists", "bf.mexists"] {
            expect(h, [cmd], "-ERR wrong number of arguments for '\(cmd)' command\r\n")
            expect(h, [cmd, "k"], "-ERR wrong number of arguments for '\(cmd)' command\r\n")
        }
        expect(h, ["BF.ADD", "k", "1", "2"], "-ERR wrong number of arguments for 'BF.ADD' command\r\n")
        expect(h, ["BF.EXISTS", "k", "1", "2"], "-ERR wrong number of arguments for 'BF.EXISTS' command\r\n")
        expect(h, ["BF.CARD"], "-ERR wrong number of arguments for 'BF.CARD' command\r\n")
        expect(h, ["BF.CARD", "a", "b"], "-ERR wrong number of arguments for 'BF.CARD' command\r\n")
        h.raw(["SET", "s", "x"])
        expect(h, ["BF.ADD", "s", "x"], "-\(WireError.wrongType)\r\n")
        expect(h, ["BF.MADD", "s", "x"], "-\(WireError.wrongType)\r\n")
        expect(h, ["BF.CARD", "s"], "-\(WireError.wrongType)\r\n")
        // BF.EXISTS reads a key of another type as an empty filter (RedisBloom's BFCheck).
        expect(h, ["BF.EXISTS", "s", "x"], ":0\r\n")
        expect(h, ["BF.MEXISTS", "s", "x", "y"], "*2\r\n:0\r\n:0\r\n")
        expect(h, ["GET", "s"], "$1\r\nx\r\n")
        // And string commands refuse a filter.
        h.raw(["BF.ADD", "bf", "x"])
        expect(h, ["GET", "bf"], "-\(WireError.wrongType)\r\n")
    }

    func testCopyIsIndependentAndKeyCommandsWork() {
        let h = EngineHarness()
        expect(h, ["BF.MADD", "a", "x", "y"], "*2\r\n:1\r\n:1\r\n")
        expect(h, ["COPY", "a", "b"], ":1\r\n")
        expect(h, ["BF.ADD", "a", "z"], ":1\r\n")
        expect(h, ["BF.CARD", "a"], ":3\r\n")
        expect(h, ["BF.CARD", "b"], ":2\r\n")
        expect(h, ["BF.EXISTS", "b", "x"], ":1\r\n")
        expect(h, ["BF.EXISTS", "b", "z"], ":0\r\n")
        expect(h, ["TYPE", "b"], "+MBbloom--\r\n")
        expect(h, ["DEL", "a"], ":1\r\n")
        expect(h, ["BF.EXISTS", "a", "x"], ":0\r\n")
        expect(h, ["BF.CARD", "b"], ":2\r\n")
    }

    func testWritesCountAsModifications() {
        let h = EngineHarness()
        let d0 = h.engine.dirty
        h.raw(["BF.RESERVE", "bf", "0.01", "100"])
        h.raw(["BF.ADD", "bf", "x"])
        XCTAssertEqual(h.engine.dirty, d0 + 2)
        h.raw(["BF.EXISTS", "bf", "x"])
        h.raw(["BF.RESERVE", "bf", "0.01", "100"])   // error: nothing changed
        XCTAssertEqual(h.engine.dirty, d0 + 2)
    }
}
