// The BGSAVE walk's share of the event loop (WalkPace.swift), with the clock as an input.
@testable import KeywardServer
import XCTest

final class WalkPaceTests: XCTestCase {
    /// A loop that steps whenever allowed, each step using all it may, and otherwise sleeps as
    /// long as `restMicros` says (plus `overhead` µs of waking up).
    private func simulate(seconds: Int64, overhead: Int64) -> (walked: Int64, longest: Int64, rests: Int) {
        var p = WalkPace()
        var now: Int64 = 1_000_000
        var walked: Int64 = 0, longest: Int64 = 0, rests = 0
        while now < 1_000_000 + seconds * 1_000_000 {
            if p.mayStep(true, now: now) {
                let d = p.stepMicros
                p.spent(d)
                walked += d
                longest = max(longest, d)
                now += d
            } else {
                let rest = p.restMicros
                XCTAssertNotNil(rest)
                rests += 1
                now += (rest ?? 1) + overhead
            }
        }
        return (walked, longest, rests)
    }

    func testAHandOverWalkGetsAboutThirtyPercentOfTheClockInShortSlices() {
        for overhead: Int64 in [0, 5, 20] {
            let r = simulate(seconds: 1, overhead: overhead)
            let share = Double(r.walked) / 1_000_000
            // Waking up late is not made up for (the credit is capped at one slice).
            let expected = Double(WalkPace.slice) / (Double(WalkPace.slice) / WalkPace.share + Double(overhead))
            XCTAssertEqual(share, expected, accuracy: 0.03, "overhead \(overhead)")
            XCTAssertLessThan(share, 0.33, "overhead \(overhead)")
            // No slice longer than `slice`: a client sharing the CPU waits at most that long.
            XCTAssertLessThanOrEqual(r.longest, WalkPace.slice)
            // Slices alternate with rests: the loop sleeps between them.
            XCTAssertGreaterThan(r.rests, 1_000_000 / Int(WalkPace.slice * 5))
        }
    }

    func testRestIsMicrosecondsAndOnlyWhenOutOfCredit() {
        var p = WalkPace()
        XCTAssertTrue(p.mayStep(true, now: 100))
        XCTAssertNil(p.restMicros)
        XCTAssertEqual(p.stepMicros, WalkPace.slice)
        p.spent(WalkPace.slice)
        XCTAssertFalse(p.mayStep(true, now: 100))
        // The whole slice to earn back at 30%: slice / 0.3 µs.
        let rest = p.restMicros ?? 0
        XCTAssertEqual(Double(rest), Double(WalkPace.slice) / WalkPace.share, accuracy: 1)
        XCTAssertFalse(p.mayStep(true, now: 100 + rest / 2))
        XCTAssertTrue(p.mayStep(true, now: 100 + rest))
    }

    func testAnOverlongStepIsPaidBackBeforeTheNext() {
        var p = WalkPace()
        XCTAssertTrue(p.mayStep(true, now: 0))
        p.spent(300)    // a step overran (a big value handed over)
        let rest = p.restMicros ?? 0
        XCTAssertGreaterThanOrEqual(Double(rest), Double(300) / WalkPace.share)
        XCTAssertFalse(p.mayStep(true, now: rest / 2))
    }

    func testAfterABusyIterationAStepIsInProportionToIt() {
        var p = WalkPace()
        var now: Int64 = 0
        XCTAssertTrue(p.mayStep(true, busy: 0, now: now))
        p.spent(p.stepMicros)
        // A saturated loop: each iteration spends 1 ms on clients. The walk's steps grow to
        // 0.3/0.7 of that and it keeps ~30% of the time (30 µs per iteration was 3%).
        var walked: Int64 = 0
        for _ in 0..<1000 {
            now += 1000
            if p.mayStep(true, busy: 1000, now: now) {
                let d = p.stepMicros
                XCTAssertLessThanOrEqual(d, 1000 * 3 / 7 + 1)
                p.spent(d)
                walked += d
                now += d
            }
        }
        let share = Double(walked) / Double(now)
        XCTAssertGreaterThan(share, 0.2)
        XCTAssertLessThan(share, 0.31)
        // Back to light load: one slice at a time again.
        now += 100_000
        XCTAssertTrue(p.mayStep(true, busy: 10, now: now))
        XCTAssertEqual(p.stepMicros, WalkPace.slice)
        // However busy, no step beyond busyCap.
        now += 100_000
        XCTAssertTrue(p.mayStep(true, busy: 1_000_000, now: now))
        XCTAssertEqual(p.stepMicros, WalkPace.busyCap)
    }

    func testAWalkThatEncodesItselfIsNotPaced() {
        var p = WalkPace()
        for i in 0..<100 {
            XCTAssertTrue(p.mayStep(false, now: Int64(i)))
            XCTAssertEqual(p.stepMicros, WalkPace.unpacedStep)
            p.spent(200)
            XCTAssertNil(p.restMicros)
        }
    }
}
