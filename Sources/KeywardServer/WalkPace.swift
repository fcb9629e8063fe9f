// The share of the event loop a BGSAVE walk may take when it only hands entries over to the
// writer thread: a credit of walk time that refills at 30% of the wall clock, spent in slices
// of `slice` µs with a rest in between in which the loop sleeps. The sleep matters as much as
// the share: a client that shares the engine thread's CPU (the scheduler puts a ping-ponging
// client there) only runs while the engine thread blocks, so a long slice is a wait for it even
// though no request of its is queued (perf sched: 0.37 ms runs of the engine thread with the
// probe runnable behind it). After an iteration that kept the loop busy with clients for `busy`
// µs, a step may be longer, in proportion (share / (1 - share) of it, at most `busyCap`): its
// clients waited that long anyway, and with 30 µs per iteration a save under a saturating load
// took 6-11 s against Redis's 2 s. A walk that encodes on this thread itself, or whose sink's
// output only moves on as the walk pumps it (a replication full sync), is not paced
// (`Engine.backgroundSaveMayRest`) and steps up to `unpacedStep` µs per loop iteration.

import Engine

struct WalkPace {
    static let share = 0.3
    static let slice: Int64 = 30
    static let busyCap: Int64 = 1000
    static let unpacedStep: Int64 = 200
    private(set) var credit: Int64 = WalkPace.slice
    private var at: Int64 = 0
    private var paced = false

    /// Refills the credit; true when a step may run now. `busy`: how long the last loop
    /// iteration spent on its clients' events (µs).
    mutating func mayStep(_ mayRest: Bool, busy: Int64 = 0, now: Int64 = monotonicMicros()) -> Bool {
        paced = mayRest
        guard mayRest else { credit = WalkPace.slice; return true }
        let cap = max(WalkPace.slice, min(WalkPace.busyCap, Int64(Double(busy) * WalkPace.share / (1 - WalkPace.share))))
        if at != 0 { credit = min(cap, credit + Int64(Double(now - at) * WalkPace.share)) }
        at = now
        return credit >= WalkPace.slice
    }

    /// How long the step that `mayStep` allowed may run (µs).
    var stepMicros: Int64 { paced ? credit : WalkPace.unpacedStep }
    /// After how long the step may stop for a ready socket: a paced step is short or in
    /// proportion to the clients' own wait, so it runs whole; an unpaced one after 20 µs.
    var stepAsideAfter: Int64 { paced ? credit : 20 }

    /// A step ran for `micros`.
    mutating func spent(_ micros: Int64) {
        if paced { credit -= micros }
    }

    /// How long the loop may sleep before the credit allows a step (µs); nil when a step may
    /// run now.
    var restMicros: Int64? {
        guard paced, credit < WalkPace.slice else { return nil }
        return max(1, Int64((Double(WalkPace.slice - credit) / WalkPace.share).rounded(.up)))
    }
}
