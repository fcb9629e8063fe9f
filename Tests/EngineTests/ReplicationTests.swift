// The pure replication parts (backlog ring, RDB payload framing, replica handshake) and the
// master side through the engine (PSYNC, REPLCONF, WAIT, ROLE, INFO, READONLY, replica expiry).
import XCTest
@testable import Engine
import RESP

final class ReplBacklogTests: XCTestCase {
    func testOffsetsAndWrap() {
        var b = ReplBacklog(size: 16, masterOffset: 100)
        XCTAssertEqual(b.firstByteOffset, 101)
        XCTAssertTrue(b.canServe(from: 101))
        XCTAssertEqual(b.bytes(from: 101), [])
        b.append(Array("abcdefghij".utf8))           // offsets 101...110
        XCTAssertEqual(b.histlen, 10)
        XCTAssertEqual(b.endOffset, 110)
        XCTAssertEqual(b.bytes(from: 105).map { String(decoding: $0, as: UTF8.self) }, "efghij")
        b.append(Array("klmnopqrst".utf8))           // 111...120, wraps: keeps 105...120
        XCTAssertEqual(b.histlen, 16)
        XCTAssertEqual(b.firstByteOffset, 105)
        XCTAssertFalse(b.canServe(from: 104))
        XCTAssertFalse(b.canServe(from: 122))
        XCTAssertTrue(b.canServe(from: 121))         // nothing missing: an empty continue
        XCTAssertEqual(b.bytes(from: 105).map { String(decoding: $0, as: UTF8.self) }, "efghijklmnopqrst")
        XCTAssertEqual(b.bytes(from: 118).map { String(decoding: $0, as: UTF8.self) }, "rst")
    }

    func testAppendLargerThanTheRing() {
        var b = ReplBacklog(size: 16, masterOffset: 0)
        b.append(Array("0123".utf8))
        b.append([UInt8](repeating: 65, count: 20) + Array("xyz".utf8))   // 5...27
        XCTAssertEqual(b.endOffset, 27)
        XCTAssertEqual(b.firstByteOffset, 12)
        XCTAssertEqual(b.bytes(from: 25).map { String(decoding: $0, as: UTF8.self) }, "xyz")
        XCTAssertEqual(b.bytes(from: 12)?.count, 16)
    }

    func testResizeKeepsTheNewest() {
        var b = ReplBacklog(size: 32, masterOffset: 0)
        b.append(Array("abcdefghijklmnopqrstuvwxyz".utf8))
        b.resize(16)
        XCTAssertEqual(b.endOffset, 26)
        XCTAssertEqual(b.firstByteOffset, 11)
        XCTAssertEqual(b.bytes(from: 11).map { String(decoding: $0, as: UTF8.self) }, "klmnopqrstuvwxyz")
        b.resize(64)
        XCTAssertEqual(b.bytes(from: 11)?.count, 16)
        b.append(Array("!".utf8))
        XCTAssertEqual(b.endOffset, 27)
    }
}

final class RdbPayloadReaderTests: XCTestCase {
    func feed(_ r: inout RdbPayloadReader, _ s: [UInt8]) throws -> RdbPayloadReader.Result {
        try s.withUnsafeBytes { try r.feed($0) }
    }

    func testLengthFramingWithKeepAlivesAndTail() throws {
        var r = RdbPayloadReader()
        XCTAssertEqual(try feed(&r, Array("\n\n$5\r\nab".utf8)), .needMore)
        XCTAssertEqual(try feed(&r, Array("cdeSTREAM".utf8)), .done(consumed: 3))
        XCTAssertEqual(String(decoding: r.payload, as: UTF8.self), "abcde")
    }

    func testEOFMarkerAcrossChunks() throws {
        let marker = String(repeating: "0123456789", count: 4)
        let all = Array("$EOF:\(marker)\r\nREDIS0010-payload\(marker)*1\r\n$4\r\nPING\r\n".utf8)
        // Every split point, including inside the marker.
        for cut in 1..<all.count {
            var r = RdbPayloadReader()
            var consumed = 0
            switch try feed(&r, Array(all[..<cut])) {
            case .needMore:
                guard case .done(let n) = try feed(&r, Array(all[cut...])) else { return XCTFail("cut \(cut)") }
                consumed = cut + n
            case .done(let n):
                consumed = n
            }
            XCTAssertEqual(String(decoding: r.payload, as: UTF8.self), "REDIS0010-payload", "cut \(cut)")
            XCTAssertEqual(String(decoding: all[consumed...], as: UTF8.self), "*1\r\n$4\r\nPING\r\n", "cut \(cut)")
        }
    }

    func testBadHeader() {
        var r = RdbPayloadReader()
        XCTAssertThrowsError(try feed(&r, Array("-ERR nope\r\n".utf8)))
    }
}

final class ReplicaHandshakeTests: XCTestCase {
    func sent(_ a: [ReplicaHandshake.Action]) -> [String] {
        a.compactMap { if case .send(let b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }
    }

    func testFullSyncHandshake() {
        let h = ReplicaHandshake(listeningPort: 7001, auth: (user: nil, password: "pw"), cached: nil)
        XCTAssertEqual(sent(h.start()), ["*1\r\n$4\r\nPING\r\n"])
        XCTAssertEqual(sent(h.feed(Array("-NOAUTH Authentication required.\r\n".utf8))), ["*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"])
        XCTAssertEqual(sent(h.feed(Array("+OK\r\n".utf8))), ["*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n7001\r\n"])
        XCTAssertEqual(sent(h.feed(Array("+OK\r\n".utf8))), ["*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n"])
        XCTAssertEqual(sent(h.feed(Array("+OK\r\n".utf8))), ["*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n"])
        let id = String(repeating: "a", count: 40)
        XCTAssertEqual(h.feed(Array("\n\n+FULLRESYNC \(id) 42\r\n$3\r\nRDB".utf8)),
                       [.transferStarted, .fullResync(replid: id, offset: 42, rdb: Array("RDB".utf8)), .stream([])])
        XCTAssertEqual(h.step, .streaming)
    }

    func testPartialResyncAndStreamTail() {
        let id = String(repeating: "b", count: 40)
        let h = ReplicaHandshake(listeningPort: 1, auth: nil, cached: (replid: id, offset: 101))
        _ = h.start()
        _ = h.feed(Array("+PONG\r\n".utf8))
        _ = h.feed(Array("+OK\r\n".utf8))
        XCTAssertEqual(sent(h.feed(Array("+OK\r\n".utf8))), ["*3\r\n$5\r\nPSYNC\r\n$40\r\n\(id)\r\n$3\r\n101\r\n"])
        XCTAssertEqual(h.feed(Array("+CONTINUE \(id)\r\n*1\r\n$4\r\nPING\r\n".utf8)),
                       [.continued(replid: id), .stream(Array("*1\r\n$4\r\nPING\r\n".utf8))])
    }

    func testAnnouncedIP() {
        let h = ReplicaHandshake(listeningPort: 9, auth: nil, cached: nil)
        h.announceIP = "10.0.0.1"
        _ = h.start()
        _ = h.feed(Array("+PONG\r\n".utf8))
        XCTAssertEqual(sent(h.feed(Array("+OK\r\n".utf8))), ["*3\r\n$8\r\nREPLCONF\r\n$10\r\nip-address\r\n$8\r\n10.0.0.1\r\n"])
        XCTAssertEqual(sent(h.feed(Array("+OK\r\n".utf8))).first?.contains("capa"), true)
    }

    func testErrorsRetry() {
        let h = ReplicaHandshake(listeningPort: 1, auth: nil, cached: nil)
        _ = h.start()
        let a = h.feed(Array("-ERR unknown\r\n".utf8))
        guard case .retry = a.first else { return XCTFail("\(a)") }
        XCTAssertEqual(h.step, .failed)
    }
}

/// Runs the full sync's background snapshot to its end (the server steps it from the loop).
func finishSync(_ e: Engine) {
    while e.backgroundSaveInProgress { e.backgroundSaveStep(micros: 100_000) }
}

/// Full sync done and its payload written to the socket: the replica is online.
func syncOnline(_ e: Engine, _ replicas: EngineHarness...) {
    finishSync(e)
    for r in replicas { r.client.out.clear() }
}

final class ReplicationCommandTests: XCTestCase {
    func testFullResyncAndStream() {
        let h = EngineHarness()
        h.raw(["SET", "k", "v"])
        let replica = EngineHarness(engine: h.engine, id: 2)
        XCTAssertEqual(replica.raw(["REPLCONF", "listening-port", "6380"]), "+OK\r\n")
        XCTAssertEqual(replica.raw(["REPLCONF", "capa", "eof", "capa", "psync2"]), "+OK\r\n")
        var reply = replica.raw(["PSYNC", "?", "-1"])
        let id = h.engine.replication.replid
        XCTAssertTrue(reply.hasPrefix("+FULLRESYNC \(id) 0\r\n$EOF:"), reply)
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("slave0:ip=,port=6380,state=wait_bgsave,offset=0,lag=0"))
        finishSync(h.engine)
        reply = String(decoding: replica.client.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(reply.contains("REDIS0010"))
        // capa eof: disk-less framing, readable by the replica's parser up to the last byte.
        let payload = Array(reply.utf8).drop { $0 != UInt8(ascii: "$") }
        XCTAssertTrue(payload.starts(with: Array("$EOF:".utf8)))
        var reader = RdbPayloadReader()
        XCTAssertEqual(try Array(payload).withUnsafeBytes { try reader.feed($0) }, .done(consumed: payload.count))
        XCTAssertTrue(reader.payload.starts(with: Array("REDIS0010".utf8)))
        replica.client.out.clear()
        h.raw(["SET", "a", "1"])
        // After an $EOF: payload the stream waits for the replica's first ACK.
        XCTAssertEqual(replica.client.out.readableCount, 0)
        let stream = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
        XCTAssertEqual(replica.raw(["REPLCONF", "ACK", "0"]), stream)   // no reply of its own
        XCTAssertEqual(h.engine.replication.offset, Int64(stream.utf8.count))
        XCTAssertEqual(h.run("ROLE"), .array([.bulk(Array("master".utf8)), .integer(Int64(stream.utf8.count)),
            .array([.array([.bulk(Array("".utf8)), .bulk(Array("6380".utf8)), .bulk(Array("0".utf8))])])]))
        // An ACK gets no reply; WAIT sees it.
        XCTAssertEqual(replica.raw(["REPLCONF", "ACK", String(stream.utf8.count)]), "")
        XCTAssertEqual(h.raw(["WAIT", "1", "0"]), ":1\r\n")
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("slave0:ip=,port=6380,state=online,offset=\(stream.utf8.count),lag=0"))

        // Partial resync from inside the backlog.
        let late = EngineHarness(engine: h.engine, id: 3)
        XCTAssertEqual(late.raw(["PSYNC", id, "24"]), "+CONTINUE\r\n" + String(decoding: Array(stream.utf8).dropFirst(23), as: UTF8.self))
        XCTAssertEqual(late.raw(["PSYNC", "0000", "24"]), "+FULLRESYNC \(id) \(stream.utf8.count)\r\n")
        finishSync(h.engine)
        let full = String(decoding: late.client.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(full.hasPrefix("+FULLRESYNC \(id) \(stream.utf8.count)\r\n$"), full)   // no capa eof: $<len>
        XCTAssertFalse(full.contains("$EOF:"))
    }

    func testWaitBlocksUntilTimeout() {
        let h = EngineHarness()
        let replica = EngineHarness(engine: h.engine, id: 2)
        _ = replica.raw(["PSYNC", "?", "-1"])
        syncOnline(h.engine, replica)
        h.raw(["SET", "k", "v"])
        // Another client that wrote nothing waits for nothing (its write offset is 0).
        XCTAssertEqual(EngineHarness(engine: h.engine, id: 5).raw(["WAIT", "1", "100"]), ":1\r\n")
        XCTAssertEqual(h.raw(["WAIT", "1", "100"]), "")
        XCTAssertNotNil(h.client.blocked)
        h.engine.now += 200
        h.engine.handleBlockedTimeouts()
        XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self), ":0\r\n")
        XCTAssertEqual(h.raw(["WAIT", "1", "-1"]), "-ERR timeout is negative\r\n")
        XCTAssertEqual(h.raw(["MULTI"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["PSYNC", "?", "-1"]), "-ERR Command not allowed inside a transaction\r\n")
    }

    func testReplicaReadOnlyAndExpiry() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["SET", "k", "v", "PX", "100"])
        h.engine.replication.masterHost = "127.0.0.1"
        h.engine.replication.masterPort = 1
        h.engine.setReplicaMode(true)
        XCTAssertEqual(h.raw(["SET", "x", "1"]), "-READONLY You can't write against a read only replica.\r\n")
        XCTAssertTrue(h.raw(["WAIT", "0", "0"]).hasPrefix("-ERR WAIT cannot be used with replica instances."))
        h.engine.now += 1000
        XCTAssertEqual(h.raw(["GET", "k"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["DBSIZE"]), ":1\r\n")       // not deleted: the master's DEL does it
        let master = EngineHarness(engine: h.engine, id: 9)
        master.client.isMaster = true
        XCTAssertEqual(master.raw(["GET", "k"]), "$1\r\nv\r\n")
        master.raw(["DEL", "k"])
        XCTAssertEqual(h.raw(["DBSIZE"]), ":0\r\n")
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:1\r\nmaster_link_status:down"))
        XCTAssertEqual(h.run("ROLE"), .array([.bulk(Array("slave".utf8)), .bulk(Array("127.0.0.1".utf8)), .integer(1),
                                             .bulk(Array("connect".utf8)), .integer(-1)]))
        XCTAssertEqual(h.raw(["REPLICAOF", "10.0.0.9", "7000"]), "+OK\r\n")
        XCTAssertEqual(h.engine.config.string("replicaof"), "10.0.0.9 7000")
        XCTAssertEqual(h.raw(["REPLICAOF", "10.0.0.9", "7000"]), "+OK Already connected to specified master\r\n")
        XCTAssertEqual(h.raw(["CONFIG", "SET", "replica-serve-stale-data", "no"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["GET", "k"]), "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n")
        XCTAssertTrue(h.raw(["INFO", "replication"]).hasPrefix("$"))
        XCTAssertEqual(h.raw(["REPLICAOF", "NO", "ONE"]), "+OK\r\n")
        XCTAssertEqual(h.engine.config.string("replicaof"), "")
        XCTAssertEqual(h.engine.role, "master")
    }
}

final class ReplicaOutputLimitTests: XCTestCase {
    func testHardLimitDropsALaggingReplica() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["CONFIG", "SET", "client-output-buffer-limit", "replica 100 0 0"]), "+OK\r\n")
        let replica = EngineHarness(engine: h.engine, id: 2)
        _ = replica.raw(["PSYNC", "?", "-1"])
        h.raw(["SET", "k", "v"])
        XCTAssertFalse(replica.client.closeASAP)     // the RDB payload does not count
        h.raw(["SET", "k", String(repeating: "x", count: 200)])
        XCTAssertTrue(replica.client.closeASAP)
    }
}

final class MinReplicasTests: XCTestCase {
    func testWritesNeedGoodReplicas() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["CONFIG", "SET", "min-replicas-to-write", "1"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "-NOREPLICAS Not enough good replicas to write.\r\n")
        XCTAssertEqual(h.raw(["GET", "k"]), "$-1\r\n")
        let replica = EngineHarness(engine: h.engine, id: 2)
        _ = replica.raw(["PSYNC", "?", "-1"])
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "-NOREPLICAS Not enough good replicas to write.\r\n")   // still syncing
        syncOnline(h.engine, replica)
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "+OK\r\n")
        h.engine.now += 11_000      // past min-replicas-max-lag without an ACK
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "-NOREPLICAS Not enough good replicas to write.\r\n")
        XCTAssertEqual(h.raw(["CONFIG", "SET", "min-replicas-max-lag", "0"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "+OK\r\n")
    }
}

final class BacklogTTLTests: XCTestCase {
    func testAloneMasterFreesItsBacklog() {
        let h = EngineHarness()
        let replica = EngineHarness(engine: h.engine, id: 2)
        _ = replica.raw(["PSYNC", "?", "-1"])
        let id = h.engine.replication.replid
        h.engine.clientGone(replica.client)
        XCTAssertEqual(h.raw(["CONFIG", "SET", "repl-backlog-ttl", "10"]), "+OK\r\n")
        h.engine.replicationCron()
        XCTAssertNotNil(h.engine.replication.backlog)
        h.engine.now += 11_000
        h.engine.replicationCron()
        XCTAssertNil(h.engine.replication.backlog)
        XCTAssertNotEqual(h.engine.replication.replid, id)
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("repl_backlog_active:0"))
        XCTAssertFalse(h.engine.propagation.active)
        // A new replica starts a new backlog fed once.
        let again = EngineHarness(engine: h.engine, id: 3)
        _ = again.raw(["PSYNC", "?", "-1"])
        syncOnline(h.engine, again)
        let before = h.engine.replication.offset
        h.raw(["SET", "k", "v"])
        XCTAssertEqual(h.engine.replication.offset - before, Int64(again.client.out.readableCount))
        XCTAssertEqual(h.engine.propagation.repl.sinks.count, 1)
    }

    func testResyncedThenPromotedReplicaFeedsOnce() {
        let h = EngineHarness()
        let r = h.engine.replication
        r.masterHost = "127.0.0.1"
        h.engine.setReplicaMode(true)
        h.engine.replicationDidFullSync(replid: String(repeating: "a", count: 40), offset: 10)
        h.engine.replicationDidFullSync(replid: String(repeating: "b", count: 40), offset: 20)
        h.engine.replicationPromote()
        h.engine.setReplicaMode(false)
        XCTAssertEqual(r.replid2, String(repeating: "b", count: 40))
        XCTAssertEqual(r.secondOffset, 21)
        let replica = EngineHarness(engine: h.engine, id: 2)
        XCTAssertEqual(replica.raw(["PSYNC", String(repeating: "b", count: 40), "21"]), "+CONTINUE\r\n")
        replica.client.out.clear()
        h.raw(["SET", "k", "v"])
        XCTAssertEqual(r.offset - 20, Int64(replica.client.out.readableCount))
    }
}

final class ReplicaofConfigTests: XCTestCase {
    func testQuotedMultiArgIsSplitAsRedis70() throws {
        let store = ConfigStore()
        try ConfigFile.apply("replicaof \"10.0.0.1 6379\"\nsave \"60 1\"\n", into: store, include: { _ in [] })
        XCTAssertEqual(store.string("replicaof"), "10.0.0.1 6379")
        XCTAssertEqual(store.string("save"), "60 1")
    }
}
