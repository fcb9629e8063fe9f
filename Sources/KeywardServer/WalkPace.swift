// The share of the event loop a BGSAVE walk may take when it only hands entries over to the
// writer thread: a credit of walk time that refills at 30% of the wall clock (capped at
// 300 µs). A walk that encodes on this thread itself, or whose sink's output only moves on as
// the walk pumps it (a replication full sync), is not paced (`Engine.backgroundSaveMayRest`).

import Engine

struct WalkPace {
    static let share = 0.3
    static let cap: Int64 = 300
    static let minimum: Int64 = 50
    private(set) var credit: Int64 = WalkPace.cap
    private var at: Int64 = 0
    private var paced = false

    /// Refills the credit; true when a step may run now.
    mutating func mayStep(_ mayRest: Bool, now: Int64 = monotonicMicros()) -> Bool {
        paced = mayRest
        guard mayRest else { credit = WalkPace.cap; return true }
        if at != 0 { credit = min(WalkPace.cap, credit + Int64(Double(now - at) * WalkPace.share)) }
        at = now
        return credit >= WalkPace.minimum
    }

    /// A step ran for `micros`.
    mutating func spent(_ micros: Int64) {
        if paced { credit -= micros }
    }

    /// How long the loop may sleep before the credit allows a step (ms, at least 1); nil when
    /// a step may run now.
    var restMillis: Int? {
        guard paced, credit < WalkPace.minimum else { return nil }
        let micros = Double(WalkPace.minimum - credit) / WalkPace.share
        return max(1, Int((micros + 999) / 1000))
    }
}
