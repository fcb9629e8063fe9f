// Full syncs from the background snapshot (ReplicationSync.swift): the payload is the keyspace at
// the +FULLRESYNC instant whatever is written while the walk runs, writes of the meantime follow
// the payload, replicas asking during a sync share it (both framings), replicas wait for a
// running BGSAVE, and INFO's slaveN state goes wait_bgsave → send_bulk → online.
@testable import Engine
import RESP
import XCTest

final class ReplicationSyncTests: XCTestCase {
    /// Splits what a replica received into the +FULLRESYNC line, the RDB image and the rest.
    static func split(_ out: [UInt8]) throws -> (line: String, rdb: [UInt8], rest: [UInt8]) {
        var bytes = ArraySlice(out)
        var line = ""
        if bytes.first == UInt8(ascii: "+") {
            let nl = bytes.firstIndex(of: UInt8(ascii: "\n"))!
            line = String(decoding: bytes[..<(nl - 1)], as: UTF8.self)
            bytes = bytes[(nl + 1)...]
        }
        var reader = RdbPayloadReader()
        let chunk = Array(bytes)
        guard case .done(let used) = try chunk.withUnsafeBytes({ try reader.feed($0) }) else {
            throw RdbError("payload incomplete")
        }
        return (line, reader.payload, Array(chunk[used...]))
    }

    static func load(_ rdb: [UInt8]) throws -> EngineHarness {
        let h = EngineHarness()
        _ = try rdb.withUnsafeBytes { try h.engine.loadRdb($0) }
        return h
    }

    func populate(_ h: EngineHarness, _ n: Int) {
        for i in 0..<n { h.raw(["SET", "k\(i)", "v\(i)"]) }
        h.raw(["RPUSH", "list", "a", "b"])
    }

    func testPayloadIsTheInstantAndTheMeantimeFollows() throws {
        let h = EngineHarness()
        populate(h, 2000)
        let replica = EngineHarness(engine: h.engine, id: 2)
        XCTAssertEqual(replica.raw(["PSYNC", "?", "-1"]), "+FULLRESYNC \(h.engine.replication.replid) 0\r\n")
        // Writes while the walk is a few slots in: the payload keeps the old values.
        h.engine.persistence.snapshot!.step(micros: 1_000_000, maxWork: 50)
        h.raw(["SET", "k1999", "changed"])
        h.raw(["DEL", "k0"])
        h.raw(["RPUSH", "list", "c"])
        XCTAssertEqual(h.raw(["BGSAVE"]), "-ERR Background save already in progress\r\n")
        XCTAssertTrue(h.raw(["INFO", "persistence"]).contains("rdb_bgsave_in_progress:1"))
        XCTAssertEqual(replica.client.out.readableCount, "+FULLRESYNC \(h.engine.replication.replid) 0\r\n".utf8.count,
                       "nothing but the line before a $<len> payload is complete")
        finishSync(h.engine)
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("state=send_bulk"))
        let (line, rdb, rest) = try Self.split(replica.client.out.readableBytes)
        XCTAssertEqual(line, "+FULLRESYNC \(h.engine.replication.replid) 0")
        let got = try Self.load(rdb)
        XCTAssertEqual(got.raw(["GET", "k1999"]), "$5\r\nv1999\r\n")
        XCTAssertEqual(got.raw(["GET", "k0"]), "$2\r\nv0\r\n")
        XCTAssertEqual(got.raw(["LLEN", "list"]), ":2\r\n")
        XCTAssertEqual(got.raw(["DBSIZE"]), ":2001\r\n")
        // The stream after the instant follows the payload at once, starting with a SELECT.
        let stream = String(decoding: rest, as: UTF8.self)
        XCTAssertTrue(stream.hasPrefix("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nk1999\r\n"), stream)
        XCTAssertEqual(Int64(rest.count), h.engine.replication.offset)
        // Written to the socket: online.
        replica.client.out.readIndex = replica.client.out.count
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("slave0:ip=,port=0,state=online,offset=0,lag=0"))
    }

    func testReplicasAskingMeanwhileShareTheSnapshot() throws {
        let h = EngineHarness()
        populate(h, 3000)
        for i in 0..<1000 { h.raw(["SET", "big\(i)", randomHex(200)]) }   // past one 64 KB block
        let a = EngineHarness(engine: h.engine, id: 2)
        XCTAssertEqual(a.raw(["REPLCONF", "capa", "eof"]), "+OK\r\n")
        _ = a.raw(["PSYNC", "?", "-1"])
        let snapshot = h.engine.persistence.snapshot
        h.engine.persistence.snapshot!.step(micros: 1_000_000, maxWork: 30_000)
        XCTAssertGreaterThan(h.engine.replication.sync!.image.count, 0, "some payload produced already")
        h.raw(["SET", "k5", "during"])
        let b = EngineHarness(engine: h.engine, id: 3)
        XCTAssertEqual(b.raw(["REPLCONF", "capa", "eof", "capa", "psync2"]), "+OK\r\n")
        let c = EngineHarness(engine: h.engine, id: 4)   // $<len> framing
        for r in [b, c] { r.raw(["PSYNC", "?", "-1"]) }
        XCTAssertTrue(h.engine.persistence.snapshot === snapshot, "one snapshot for the three")
        h.raw(["SET", "k6", "after"])
        finishSync(h.engine)
        var payloads: [[UInt8]] = []
        for r in [a, b, c] {
            let (line, rdb, rest) = try Self.split(r.client.out.readableBytes)
            XCTAssertEqual(line, "+FULLRESYNC \(h.engine.replication.replid) 0")
            payloads.append(rdb)
            if r === c {
                XCTAssertTrue(String(decoding: rest, as: UTF8.self).contains("during"))
            } else {
                XCTAssertEqual(rest, [], "$EOF: replicas wait for their first ACK")
            }
        }
        XCTAssertEqual(payloads[0], payloads[1])
        XCTAssertEqual(payloads[0], payloads[2])
        XCTAssertEqual(try Self.load(payloads[0]).raw(["GET", "k5"]), "$2\r\nv5\r\n")
        b.client.out.clear()
        b.raw(["REPLCONF", "ACK", "0"])
        let held = String(decoding: b.client.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(held.contains("during") && held.contains("after"), held)
    }

    func testReplicaWaitsForARunningBgsave() throws {
        let h = EngineHarness()
        populate(h, 100)
        let sink = MemorySnapshotSink()
        XCTAssertTrue(h.engine.startBackgroundSave(sink: sink))
        let replica = EngineHarness(engine: h.engine, id: 2)
        XCTAssertEqual(replica.raw(["PSYNC", "?", "-1"]), "", "no +FULLRESYNC before its snapshot starts")
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("state=wait_bgsave"))
        h.raw(["SET", "late", "1"])
        h.engine.replication.lastKeepAlive = 0
        h.engine.now += 2000
        h.engine.replicationCron()
        let offset = h.engine.replication.offset
        XCTAssertEqual(replica.client.out.readableBytes, Array("\n".utf8), "keep-alive newline")
        replica.client.out.clear()
        finishSync(h.engine)   // the BGSAVE ends, the sync starts and ends
        XCTAssertTrue(sink.closed)
        let (line, rdb, _) = try Self.split(replica.client.out.readableBytes)
        XCTAssertEqual(line, "+FULLRESYNC \(h.engine.replication.replid) \(offset)")
        XCTAssertEqual(try Self.load(rdb).raw(["GET", "late"]), "$1\r\n1\r\n")
    }

    func testLastReplicaGoneCancelsTheSnapshot() {
        let h = EngineHarness()
        populate(h, 100)
        let replica = EngineHarness(engine: h.engine, id: 2)
        _ = replica.raw(["PSYNC", "?", "-1"])
        XCTAssertTrue(h.engine.backgroundSaveInProgress)
        h.engine.clientGone(replica.client)
        XCTAssertFalse(h.engine.backgroundSaveInProgress)
        XCTAssertNil(h.engine.replication.sync)
        h.engine.persistence.makeSink = { _ in MemorySnapshotSink() }   // no file in the cwd
        XCTAssertEqual(h.raw(["BGSAVE"]).prefix(1), "+")
        finishSync(h.engine)
    }

    func testStreamDuringTheSyncCountsAgainstTheLimit() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["CONFIG", "SET", "client-output-buffer-limit", "replica 1000 0 0"]), "+OK\r\n")
        populate(h, 100)
        let replica = EngineHarness(engine: h.engine, id: 2)
        _ = replica.raw(["PSYNC", "?", "-1"])
        h.raw(["SET", "k", String(repeating: "x", count: 500)])
        XCTAssertFalse(replica.client.closeASAP)
        h.raw(["SET", "k", String(repeating: "x", count: 600)])
        XCTAssertTrue(replica.client.closeASAP)
    }
}
