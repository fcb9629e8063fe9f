// SORT in-process: over sets, and over a tiny fake list type that conforms to
// SortableElements the way the real list and sorted-set types will (native order kept by
// BY nosort); STORE through the Engine.storeList hook; hash-field patterns through a fake hash.
// Expected replies come from redis-server 7.0.15 (same data as lists there).
import XCTest
@testable import Engine
import RESP

/// A list stand-in: elements in order, conforming as the real list type will.
final class SortFakeList: ObjectValue, SortableElements {
    var items: [Bytes]
    var prepared = 0
    init(_ items: [String]) { self.items = items.map { Bytes($0) } }
    var typeName: String { "list" }
    var encodingName: String { "quicklist" }
    func copy() -> ObjectValue { SortFakeList(items.map(\.string)) }
    var sortElementCount: Int { items.count }
    var sortKeepsNativeOrder: Bool { true }
    func forEachElement(_ body: (UnsafeRawBufferPointer) -> Void) { for i in items { i.withBytes(body) } }
    func prepareForSort() { prepared += 1 }
}

/// A hash stand-in for `key->field` patterns.
final class SortFakeHash: ObjectValue, SortFieldLookup {
    var fields: [String: String]
    init(_ fields: [String: String]) { self.fields = fields }
    var typeName: String { "hash" }
    var encodingName: String { "listpack" }
    func copy() -> ObjectValue { SortFakeHash(fields) }
    func sortField(_ field: UnsafeRawBufferPointer) -> Bytes? {
        fields[String(decoding: field, as: UTF8.self)].map { Bytes($0) }
    }
}

extension EngineHarness {
    func put(_ key: String, _ o: ObjectValue) {
        _ = Array(key.utf8).withUnsafeBytes { engine.dbs[client.db].set($0, .object(o)) }
    }
}

final class SortCommandTests: XCTestCase {
    func harnessWithList() -> (EngineHarness, SortFakeList) {
        let h = EngineHarness()
        let l = SortFakeList(["3", "1", "2", "10"])
        h.put("l", l)
        return (h, l)
    }

    func testListsKeepTheirOrderWithNosort() {
        let (h, l) = harnessWithList()
        XCTAssertEqual(h.strings("SORT", "l"), ["1", "2", "3", "10"])
        XCTAssertEqual(h.strings("SORT", "l", "DESC"), ["10", "3", "2", "1"])
        XCTAssertEqual(h.strings("SORT", "l", "ALPHA"), ["1", "10", "2", "3"])
        XCTAssertEqual(h.strings("SORT", "l", "BY", "nosort"), ["3", "1", "2", "10"])
        XCTAssertEqual(h.strings("SORT", "l", "BY", "nosort", "DESC"), ["10", "2", "1", "3"])
        XCTAssertEqual(h.strings("SORT", "l", "BY", "nosort", "LIMIT", "1", "2"), ["1", "2"])
        XCTAssertEqual(h.strings("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"), ["2", "1"])
        XCTAssertEqual(h.strings("SORT", "l", "BY", "nosort", "LIMIT", "5", "2"), [])
        XCTAssertEqual(h.strings("SORT_RO", "l", "BY", "nosort", "DESC", "LIMIT", "0", "-1"), ["10", "2", "1", "3"])
        XCTAssertEqual(l.prepared, 9)
        // A set has no order of its own: BY nosort gives its iteration order, DESC ignored.
        h.run("SADD", "s", "3", "1", "2")
        XCTAssertEqual(h.strings("SORT", "s", "BY", "nosort", "DESC"), ["1", "2", "3"])
    }

    func testDuplicatesAndWeights() {
        let h = EngineHarness()
        h.put("d", SortFakeList(["2", "1", "2", "1"]))
        XCTAssertEqual(h.strings("SORT", "d"), ["1", "1", "2", "2"])
        h.run("MSET", "w_1", "9", "w_2", "3")
        XCTAssertEqual(h.strings("SORT", "d", "BY", "w_*"), ["2", "2", "1", "1"])
        XCTAssertEqual(h.strings("SORT", "d", "BY", "w_*", "GET", "w_*", "LIMIT", "1", "2"), ["3", "9"])
    }

    func testHashFieldPatterns() {
        let h = EngineHarness()
        h.run("SADD", "s", "3", "1", "2", "10")
        h.put("h_1", SortFakeHash(["f": "5"]))
        h.put("h_2", SortFakeHash(["f": "1"]))
        h.put("h_3", SortFakeHash(["f": "3"]))
        h.run("SET", "h_10", "str")
        XCTAssertEqual(h.strings("SORT", "s", "BY", "h_*->f"), ["10", "2", "3", "1"])
        XCTAssertEqual(h.strings("SORT", "s", "BY", "h_*->f", "ALPHA", "DESC"), ["1", "3", "2", "10"])
        XCTAssertEqual(h.raw(["SORT", "s", "BY", "h_*->f", "GET", "h_*->f"]),
                       "*4\r\n$-1\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n")
        // "->" with nothing after it is part of the key name.
        XCTAssertEqual(h.strings("SORT", "s", "GET", "h_*->"), [])
        XCTAssertEqual(h.raw(["SORT", "s", "GET", "h_*->"]), "*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n")
    }

    func testStoreUsesTheListHook() {
        let (h, _) = harnessWithList()
        h.run("SADD", "s", "3", "1", "2")
        // Without a list builder, a non-empty STORE is an error (nothing written).
        h.engine.storeList = nil
        XCTAssertTrue(h.raw(["SORT", "s", "STORE", "dst"]).hasPrefix("-ERR"))
        XCTAssertNil(h.stored("dst"))
        // Empty results need no list: they delete the destination.
        h.run("SET", "dst", "v")
        let log = h.recordEvents()
        XCTAssertEqual(h.raw(["SORT", "missing", "STORE", "dst"]), ":0\r\n")
        XCTAssertNil(h.stored("dst"))
        XCTAssertEqual(log.events, ["del dst"])

        h.engine.storeList = { items in .object(SortFakeList(items.map(\.string))) }
        h.engine.now = 1_000_000
        h.run("SET", "dst", "v", "EX", "100")
        log.events = []
        XCTAssertEqual(h.raw(["SORT", "s", "DESC", "STORE", "dst"]), ":3\r\n")
        XCTAssertEqual(log.events, ["sortstore dst"])
        XCTAssertNil(h.expireAt("dst"))
        guard case .object(let o)? = h.stored("dst"), let stored = o as? SortFakeList else { return XCTFail("no list stored") }
        XCTAssertEqual(stored.items.map(\.string), ["3", "2", "1"])
        // GET patterns store "" for missing values; a set BY nosort is sorted ALPHA when stored.
        h.run("SET", "v_1", "one")
        XCTAssertEqual(h.raw(["SORT", "s", "BY", "nosort", "GET", "#", "GET", "v_*", "STORE", "dst"]), ":6\r\n")
        guard case .object(let o2)? = h.stored("dst"), let stored2 = o2 as? SortFakeList else { return XCTFail("no list stored") }
        XCTAssertEqual(stored2.items.map(\.string), ["1", "one", "2", "", "3", ""])
    }

    func testErrorsComeBeforeTheTypeCheck() {
        let h = EngineHarness()
        h.run("SET", "str", "v")
        XCTAssertEqual(h.raw(["SORT", "str", "LIMIT", "a", "b"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["SORT", "str", "foo"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["SORT_RO", "str", "STORE", "x"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["SORT", "str"]), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        h.run("SADD", "n", "1", "nan")
        XCTAssertEqual(h.raw(["SORT", "n"]), "-ERR One or more scores can't be converted into double\r\n")
    }

    func testStrtodWeights() {
        XCTAssertEqual(SortCommand.parseSortScore(" 5"), 5)
        XCTAssertEqual(SortCommand.parseSortScore("0x10"), 16)
        XCTAssertEqual(SortCommand.parseSortScore(""), 0)
        XCTAssertEqual(SortCommand.parseSortScore("-inf"), -.infinity)
        XCTAssertEqual(SortCommand.parseSortScore("7\u{0}junk"), 7)
        XCTAssertNil(SortCommand.parseSortScore("nan"))
        XCTAssertNil(SortCommand.parseSortScore("1e400"))
        XCTAssertNil(SortCommand.parseSortScore("1e-400"))
        XCTAssertNil(SortCommand.parseSortScore("1 "))
        XCTAssertNil(SortCommand.parseSortScore("x"))
    }

    func testGetKeys() {
        let h = EngineHarness()
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SORT", "s", "STORE", "d", "STORE", "e"), ["s", "e"])
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SORT", "s", "LIMIT", "0", "1", "STORE", "d"), ["s", "d"])
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SORT", "s", "GET", "store", "BY", "x", "STORE"), ["s"])
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SORT", "s", "STORE", "limit", "0", "1"), ["s", "limit"])
        XCTAssertEqual(h.strings("COMMAND", "GETKEYS", "SORT_RO", "s", "STORE", "d"), ["s"])
    }
}
