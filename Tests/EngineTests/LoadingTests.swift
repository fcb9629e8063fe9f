// The loading state (Loading.swift): a loader's progress reports reach `whileLoading`, where
// clients get -LOADING for commands without the `loading` flag and INFO shows loading:1 with
// the loading_* fields; the AOF loader's own client (negative id) runs normally.
@testable import Engine
import RESP
import XCTest

final class LoadingTests: XCTestCase {
    func testClientsDuringTheLoad() throws {
        let src = EngineHarness()
        for i in 0..<5000 { src.raw(["SET", "key:\(i)", "v\(i)"]) }
        let image = try src.engine.rdbImage()

        let h = EngineHarness()
        XCTAssertEqual(h.raw(["CONFIG", "SET", "loading-process-events-interval-bytes", "1024"]), "+OK\r\n")
        let other = EngineHarness(engine: h.engine, id: 7)
        var replies: [String] = []
        var info = ""
        h.engine.whileLoading = {
            if replies.isEmpty {
                replies = [other.raw(["GET", "key:1"]), other.raw(["PING"]), other.raw(["SET", "x", "1"])]
                XCTAssertEqual(other.raw(["MULTI"]), "+OK\r\n")
                replies.append(other.raw(["SET", "x", "1"]))
                replies.append(other.raw(["EXEC"]))
                info = other.raw(["INFO", "persistence"])
                // The AOF loader's client is not refused.
                let loader = EngineHarness(engine: h.engine, id: -1)
                XCTAssertEqual(loader.raw(["PING"]), "+PONG\r\n")
            }
        }
        let opt = image.count
        try h.engine.withLoading(totalBytes: opt) {
            _ = try image.withUnsafeBytes { try h.engine.loadRdb($0) }
        }
        let loading = "-LOADING Redis is loading the dataset in memory\r\n"
        XCTAssertEqual(replies, [loading, loading, loading, loading,
                                 "-EXECABORT Transaction discarded because of previous errors.\r\n"])
        XCTAssertTrue(info.contains("loading:1\r\n"), info)
        XCTAssertTrue(info.contains("loading_total_bytes:\(image.count)\r\n"), info)
        XCTAssertTrue(info.contains("loading_loaded_perc:"), info)
        XCTAssertTrue(info.contains("loading_eta_seconds:"), info)
        XCTAssertFalse(info.contains("loading_rdb_used_mem:0\r\n"), "from the file's used-mem AUX field: \(info)")
        // Over: back to normal.
        XCTAssertNil(h.engine.loading)
        XCTAssertEqual(other.raw(["GET", "key:1"]), "$2\r\nv1\r\n")
        XCTAssertTrue(other.raw(["INFO", "persistence"]).contains("loading:0\r\n"))
    }

    func testProgressEveryInterval() throws {
        let src = EngineHarness()
        for i in 0..<2000 { src.raw(["SET", "k\(i)", randomHex(50)]) }
        let image = try src.engine.rdbImage()
        var opt = RdbLoadOptions()
        opt.progressInterval = 10_000
        var seen: [Int] = []
        opt.progress = { seen.append($0) }
        let dbs = (0..<16).map { Database(index: $0, seed: 1, clock: AccessClock()) }
        _ = try image.withUnsafeBytes { try RdbLoader.load($0, into: dbs, opt) }
        XCTAssertGreaterThan(seen.count, 5)
        XCTAssertEqual(seen, seen.sorted())
        XCTAssertLessThanOrEqual(seen.last!, image.count)
    }
}
