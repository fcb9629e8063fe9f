// The cron's retry of a scheduled AOF rewrite (a failed first rewrite after CONFIG SET appendonly
// yes stays scheduled, as Redis's AOF_WAIT_REWRITE) and Redis's aofRewriteLimited back-off:
// after 3 consecutive failures 1, 2, 4 ... 60 minutes between attempts; BGREWRITEAOF is never
// limited.
@testable import Engine
import XCTest

final class AofRewriteLimitTests: XCTestCase {
    func testBackOffDoublesUpToAnHourAndResetsOnSuccess() {
        let a = AofStatus()
        var logs: [String] = []
        let log: (String) -> Void = { logs.append($0) }
        for f in 0..<3 {
            a.consecutiveFailures = Int64(f)
            XCTAssertFalse(a.rewriteLimited(nowSeconds: 1000, log: log))
        }
        a.consecutiveFailures = 3
        var now: Int64 = 1000
        var delays: [Int64] = []
        for _ in 0..<8 {
            XCTAssertTrue(a.rewriteLimited(nowSeconds: now, log: log), "a new wait starts")
            delays.append(a.limitDelayMinutes)
            XCTAssertTrue(a.rewriteLimited(nowSeconds: now + a.limitDelayMinutes * 60 - 1, log: log))
            now += a.limitDelayMinutes * 60
            XCTAssertFalse(a.rewriteLimited(nowSeconds: now, log: log), "one attempt once the wait is over")
        }
        XCTAssertEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60])
        XCTAssertEqual(logs.first, "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes")
        XCTAssertEqual(logs.count, 8)
        a.consecutiveFailures = 0
        XCTAssertFalse(a.rewriteLimited(nowSeconds: now, log: log))
        a.consecutiveFailures = 3
        XCTAssertTrue(a.rewriteLimited(nowSeconds: now, log: log))
        XCTAssertEqual(a.limitDelayMinutes, 1, "a success starts the back-off over")
    }

    func testCronRetriesAScheduledRewriteUnlessLimited() {
        let h = EngineHarness()
        let e = h.engine
        e.now = 1_700_000_000_000
        var warnings: [String] = []
        e.persistence.warn = { warnings.append($0) }
        var calls = 0
        e.aof.rewrite = {
            calls += 1
            e.aof.consecutiveFailures += 1
            e.aof.rewriteScheduled = true   // what the server does while waiting for the first base
            return "ERR disk full"
        }
        e.aof.rewriteScheduled = true
        for _ in 0..<3 { e.backgroundSaveCron() }
        XCTAssertEqual(calls, 3, "retried on every cron pass below the threshold")
        XCTAssertEqual(warnings.filter { $0 == "ERR disk full" }.count, 3)
        e.backgroundSaveCron()
        XCTAssertEqual(calls, 3, "limited after 3 consecutive failures")
        XCTAssertTrue(e.aof.rewriteScheduled, "still scheduled while limited")
        XCTAssertTrue(warnings.contains("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes"))
        e.now += 59_000
        e.backgroundSaveCron()
        XCTAssertEqual(calls, 3)
        XCTAssertEqual(h.raw(["BGREWRITEAOF"]), "-ERR disk full\r\n", "BGREWRITEAOF is not limited")
        XCTAssertEqual(calls, 4)
        e.now += 1_000
        e.backgroundSaveCron()
        XCTAssertEqual(calls, 5, "the wait is over")
    }
}
