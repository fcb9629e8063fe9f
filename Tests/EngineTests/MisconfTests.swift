// -MISCONF (Redis's writeCommandsDeniedByDiskError): after a failed save with save points and
// stop-writes-on-bgsave-error yes, or a failed AOF write, writes and PING are refused; reads,
// the master's stream and the AOF loader are not.
@testable import Engine
import RESP
import XCTest

final class MisconfTests: XCTestCase {
    let rdbText = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n"

    func testFailedSaveRefusesWrites() {
        let h = EngineHarness()
        h.raw(["SET", "a", "1"])
        XCTAssertEqual(h.raw(["CONFIG", "SET", "save", ""]), "+OK\r\n")
        h.engine.persistence.lastSaveOK = false
        XCTAssertEqual(h.raw(["SET", "b", "1"]), "+OK\r\n", "no save points: nothing refused")
        XCTAssertEqual(h.raw(["CONFIG", "SET", "save", "3600 1"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "b", "1"]), rdbText)
        XCTAssertEqual(h.raw(["PING"]), rdbText)
        XCTAssertEqual(h.raw(["GET", "a"]), "$1\r\n1\r\n")
        let master = EngineHarness(engine: h.engine, id: 9)
        master.client.isMaster = true
        master.raw(["SET", "m", "1"])
        XCTAssertEqual(h.raw(["GET", "m"]), "$1\r\n1\r\n")
        XCTAssertEqual(h.raw(["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "b", "1"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "b", "1"]), rdbText)
        // A successful save lifts it.
        let sink = MemorySnapshotSink()
        XCTAssertTrue(h.engine.startBackgroundSave(sink: sink))
        while h.engine.backgroundSaveInProgress { h.engine.backgroundSaveStep(micros: 100_000) }
        XCTAssertEqual(h.raw(["SET", "b", "1"]), "+OK\r\n")
    }

    func testFailedAofWriteRefusesWrites() {
        let h = EngineHarness()
        h.engine.aof.enabled = true
        h.engine.aof.lastWriteOK = false
        h.engine.aof.lastWriteError = "No space left on device"
        XCTAssertEqual(h.raw(["SET", "b", "1"]), "-MISCONF Errors writing to the AOF file: No space left on device\r\n")
        XCTAssertEqual(h.raw(["GET", "b"]), "$-1\r\n")
        h.engine.aof.lastWriteOK = true
        XCTAssertEqual(h.raw(["SET", "b", "1"]), "+OK\r\n")
    }
}
