// The BGSAVE walk's share of the event loop (WalkPace.swift), with the clock as an input.
@testable import KeywardServer
import XCTest

final class WalkPaceTests: XCTestCase {
    func testAHandOverWalkGetsAboutThirtyPercentOfTheClock() {
        var p = WalkPace()
        var now: Int64 = 1_000_000
        var walked: Int64 = 0
        // A loop that would step every 10 us for a second if allowed, each step using its credit.
        while now < 2_000_000 {
            if p.mayStep(true, now: now) {
                let d = min(200, p.credit)
                p.spent(d)
                walked += d
                now += d
            } else {
                XCTAssertNotNil(p.restMillis)
                now += 10
            }
        }
        let share = Double(walked) / 1_000_000
        XCTAssertGreaterThan(share, 0.25)
        XCTAssertLessThan(share, 0.35)
    }

    func testRestIsAtLeastOneMillisecondAndOnlyWhenOutOfCredit() {
        var p = WalkPace()
        XCTAssertTrue(p.mayStep(true, now: 100))
        XCTAssertNil(p.restMillis)
        p.spent(300)
        XCTAssertFalse(p.mayStep(true, now: 100))
        XCTAssertEqual(p.restMillis, 1)
        // 1 ms later the credit is back above the minimum.
        XCTAssertTrue(p.mayStep(true, now: 1_100))
    }

    func testAWalkThatEncodesItselfIsNotPaced() {
        var p = WalkPace()
        for i in 0..<100 {
            XCTAssertTrue(p.mayStep(false, now: Int64(i)))
            p.spent(200)
            XCTAssertNil(p.restMillis)
        }
    }
}
