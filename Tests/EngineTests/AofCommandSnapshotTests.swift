// A command-form AOF base (aof-use-rdb-preamble no) written from the background snapshot
// (Snapshot.Format.commands): replayed into a fresh engine it equals the keyspace at the
// instant, whatever each write family does while the walk runs; no RDB header or CRC trailer.
@testable import Engine
import RESP
import XCTest

final class AofCommandSnapshotTests: XCTestCase {
    static func replay(_ bytes: [UInt8], now: Int64) -> [String: String] {
        let e = Engine(databases: 16)
        e.now = now
        let h = EngineHarness(engine: e, id: -1)
        bytes.withUnsafeBytes { buf in
            var off = 0
            while case .command(let ranges, let next) = parseAofCommand(buf, at: off) {
                let args = ranges.map { Array(UnsafeRawBufferPointer(rebasing: buf[$0])) }
                h.client.out.clear()
                Argv.with(args) { e.execute(h.client, $0) }
                let reply = String(decoding: h.client.out.readableBytes, as: UTF8.self)
                XCTAssertFalse(reply.hasPrefix("-"), "\(String(decoding: args[0], as: UTF8.self)): \(reply)")
                off = next
            }
            XCTAssertEqual(off, buf.count, "the file is whole commands")
        }
        return SnapshotModelTests.capture(e)
    }

    func testEveryFamilyDuringTheWalk() {
        for (n, family) in SnapshotCommandTests.families.enumerated() {
            // deferred: entries handed over and encoded as commands only at the end (the
            // writer thread's path), after every write of the family.
            for walked in [0, 40] { for deferred in [false, true] {
                let h = EngineHarness()
                h.engine.now = 1_700_000_000_000
                SnapshotCommandTests.populate(h)
                h.raw(["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)"])
                let want = SnapshotModelTests.capture(h.engine)
                let sink = MemorySnapshotSink(deferred: deferred)
                sink.trailer = false
                let dump: (Value) -> [UInt8]? = { PersistenceCommands.payload(of: $0, compression: true) }
                XCTAssertTrue(h.engine.startRewriteSnapshot(sink: sink, format: .commands(dump: dump)) { _ in })
                XCTAssertTrue(h.engine.aofRewriteInProgress)
                if walked > 0 { h.engine.persistence.snapshot!.step(micros: 1_000_000, maxWork: walked) }
                h.raw(["SELECT", "0"])
                for cmd in family { h.raw(cmd) }
                while h.engine.backgroundSaveInProgress { h.engine.backgroundSaveStep(micros: 100_000) }
                XCTAssertTrue(sink.closed)
                XCTAssertTrue(sink.bytes.starts(with: Array("*3\r\n$8\r\nFUNCTION\r\n".utf8)))
                let got = Self.replay(sink.bytes, now: h.engine.now)
                let diff = Set(got.keys).union(want.keys).filter { got[$0] != want[$0] }.sorted()
                XCTAssertEqual(diff, [], "family \(n) \(family.first ?? []) walked \(walked) deferred \(deferred): \(diff.prefix(3).map { "\($0): \(got[$0] ?? "nil") vs \(want[$0] ?? "nil")" })")
            } }
        }
    }
}
