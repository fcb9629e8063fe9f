import XCTest
@testable import Engine
import RESP

/// Keyspace notifications: channel names, event classes, K/E selection, expiry and misses.
final class NotificationsTests: XCTestCase {
    func bench(_ flags: String) -> (PubSubBench, writer: ClientState, listener: ClientState) {
        let b = PubSubBench()
        let w = b.client(1), l = b.client(2)
        XCTAssertEqual(b.run(w, "CONFIG", "SET", "notify-keyspace-events", flags), "+OK\r\n")
        b.run(l, "PSUBSCRIBE", "__key*__:*")
        return (b, w, l)
    }

    /// The notifications `l` received, as "channel payload" lines.
    func events(_ b: PubSubBench, _ l: ClientState) -> [String] {
        var out: [String] = []
        var bytes = l.out.readableBytes
        while let (v, used) = try? parseRESPValue(bytes) {
            if case .array(let parts) = v, parts.count == 4 {
                out.append("\(parts[2].string ?? "?") \(parts[3].string ?? "?")")
            }
            bytes.removeFirst(used)
        }
        l.out.clear()
        return out
    }

    func testKeyspaceAndKeyeventChannels() {
        let (b, w, l) = bench("KEA")
        b.run(w, "SET", "k", "v", "EX", "100")
        b.run(w, "INCR", "n")
        XCTAssertEqual(events(b, l), ["__keyspace@0__:k set", "__keyevent@0__:set k",
                                      "__keyspace@0__:k expire", "__keyevent@0__:expire k",
                                      "__keyspace@0__:n incrby", "__keyevent@0__:incrby n"])
        b.run(w, "SELECT", "5")
        b.run(w, "DEL", "missing")
        b.run(w, "APPEND", "a", "x")
        XCTAssertEqual(events(b, l), ["__keyspace@5__:a append", "__keyevent@5__:append a"])
    }

    func testClassesSelectEvents() {
        let (b, w, l) = bench("K$")
        b.run(w, "SET", "k", "v")
        b.run(w, "EXPIRE", "k", "100")
        b.run(w, "DEL", "k")
        XCTAssertEqual(events(b, l), ["__keyspace@0__:k set"], "only string events, no generic ones")
        b.run(w, "CONFIG", "SET", "notify-keyspace-events", "Eg")
        b.run(w, "SET", "k", "v")
        b.run(w, "RENAME", "k", "k2")
        b.run(w, "DEL", "k2")
        XCTAssertEqual(events(b, l), ["__keyevent@0__:rename_from k", "__keyevent@0__:rename_to k2", "__keyevent@0__:del k2"])
    }

    func testExpiredAndKeymiss() {
        let (b, w, l) = bench("KExm")
        b.run(w, "SET", "k", "v", "PX", "100")
        b.run(w, "GET", "nothere")
        XCTAssertEqual(events(b, l), ["__keyspace@0__:nothere keymiss", "__keyevent@0__:keymiss nothere"])
        b.engine.now += 200
        b.run(w, "GET", "k")
        XCTAssertEqual(events(b, l), ["__keyspace@0__:k expired", "__keyevent@0__:expired k",
                                      "__keyspace@0__:k keymiss", "__keyevent@0__:keymiss k"])
    }

    func testDisabledOrWithoutKOrENothingIsPublished() {
        for flags in ["", "A", "KE"] {
            let (b, w, l) = bench(flags)
            XCTAssertFalse(b.engine.pubsub.notifying, flags)
            b.run(w, "SET", "k", "v")
            b.run(w, "DEL", "k")
            XCTAssertEqual(events(b, l), [], flags)
        }
        let (b, _, _) = bench("KEA")
        XCTAssertTrue(b.engine.pubsub.notifying)
        XCTAssertEqual(b.engine.pubsub.keyspaceEvents, [.all, .keyspace, .keyevent])
    }

    func testEventClassTable() {
        XCTAssertEqual(KeyspaceEventFlags.eventClass("set"), .string)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("setbit"), .string)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("del"), .generic)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("sortstore"), .list)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("zincr"), .zset)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("xgroup-createconsumer"), .stream)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("expired"), .expired)
        XCTAssertEqual(KeyspaceEventFlags.eventClass("evicted"), .evicted)
    }

    func testDirectNotifyAndRESP3Push() {
        let b = PubSubBench()
        let l = b.client(2, .v3)
        b.run(l, "CONFIG", "SET", "notify-keyspace-events", "Ee")
        b.run(l, "SUBSCRIBE", "__keyevent@0__:evicted")
        var key: [UInt8] = Array("bin\0key".utf8)
        key.withUnsafeBytes { b.engine.notify(type: .evicted, event: "evicted", key: $0, db: 0) }
        key.withUnsafeBytes { b.engine.notify(type: .string, event: "set", key: $0, db: 0) }
        XCTAssertEqual(b.drain(l), ">3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$7\r\nbin\0key\r\n")
        key.removeAll()
    }

    func testNewKeyEventsOnlyWhenAKeyIsCreated() {
        let (b, w, l) = bench("KEn$")
        b.run(w, "SET", "k", "v")
        b.run(w, "SET", "k", "w")     // overwrite: no "new"
        b.run(w, "SELECT", "3")
        b.run(w, "APPEND", "a", "x")
        XCTAssertEqual(events(b, l), ["__keyspace@0__:k new", "__keyevent@0__:new k",
                                      "__keyspace@0__:k set", "__keyevent@0__:set k",
                                      "__keyspace@0__:k set", "__keyevent@0__:set k",
                                      "__keyspace@3__:a new", "__keyevent@3__:new a",
                                      "__keyspace@3__:a append", "__keyevent@3__:append a"])
        // Without the n flag nothing is hooked on key creation.
        XCTAssertEqual(b.run(w, "CONFIG", "SET", "notify-keyspace-events", "KE$"), "+OK\r\n")
        b.run(w, "SET", "fresh", "v")
        XCTAssertEqual(events(b, l), ["__keyspace@3__:fresh set", "__keyevent@3__:set fresh"])
    }
}
