// The failover timeline of one monitored master: per epoch, who voted for whom, the leader the
// votes elected, and the failover steps with their times. Built (pure) from what Keyward
// sentinels report — SENTINEL DEBUG-VOTES (votes, current failover state) and their admin
// events of kind "sentinel" (+sdown, +odown, +new-epoch, +elected-leader, +switch-master ...) —
// merged over every reachable sentinel, since each sentinel only learns the votes cast for it.

/// `voter` (a sentinel's run id) voted for `candidate` (run id) in `epoch`, at `time` (unix ms).
public struct SentinelVote: Codable, Sendable, Equatable {
    public var epoch: Int64
    public var voter: String
    public var candidate: String
    public var time: Int64
    public init(epoch: Int64, voter: String, candidate: String, time: Int64) {
        self.epoch = epoch; self.voter = voter; self.candidate = candidate; self.time = time
    }
}

/// A master's failover state as DEBUG-VOTES reports it (times in unix ms; state "none" when idle).
public struct SentinelFailover: Codable, Sendable, Equatable {
    public var state: String
    public var epoch: Int64
    public var startTime: Int64
    public var stateChangeTime: Int64
    /// The replica being promoted (host:port), when one was selected.
    public var promoted: String?
    public init(state: String, epoch: Int64, startTime: Int64, stateChangeTime: Int64, promoted: String? = nil) {
        self.state = state; self.epoch = epoch; self.startTime = startTime
        self.stateChangeTime = stateChangeTime; self.promoted = promoted
    }

    /// From DEBUG-VOTES's `failover` field map.
    public init?(fields f: [String: String]) {
        guard let state = f["state"] else { return nil }
        self.init(state: state, epoch: Int64(f["epoch"] ?? "") ?? 0, startTime: Int64(f["start-time"] ?? "") ?? 0,
                  stateChangeTime: Int64(f["state-change-time"] ?? "") ?? 0,
                  promoted: f["promoted"].flatMap { $0.isEmpty ? nil : $0 })
    }
}

/// One step of a failover: an event type ("+odown", "+elected-leader", "state wait_promotion")
/// with its detail, and the sentinel that reported it.
public struct SentinelStep: Codable, Sendable, Equatable {
    public var time: Int64
    public var event: String
    public var detail: String
    public var node: String?
    public init(time: Int64, event: String, detail: String = "", node: String? = nil) {
        self.time = time; self.event = event; self.detail = detail; self.node = node
    }
}

public struct SentinelEpoch: Codable, Sendable, Equatable {
    public var epoch: Int64
    /// The earliest time seen for this epoch (first vote, step or failover start).
    public var start: Int64
    /// One vote per voter (a sentinel votes once per epoch), in time order.
    public var votes: [SentinelVote]
    /// The candidate holding a majority of the voters and at least the quorum (Redis's
    /// sentinelGetLeader rule), or nil when the votes seen elect nobody.
    public var leader: String?
    public var steps: [SentinelStep]
    public init(epoch: Int64, start: Int64, votes: [SentinelVote], leader: String?, steps: [SentinelStep]) {
        self.epoch = epoch; self.start = start; self.votes = votes; self.leader = leader; self.steps = steps
    }
}

public enum SentinelTimeline {
    /// Events that precede the epoch they lead to (detection); the rest (+try-failover follows
    /// +new-epoch) belong to the newest epoch begun by their time.
    static let leadIn: Set<String> = ["+sdown", "-sdown", "+odown", "-odown"]
    /// Discovery and configuration, not failover steps.
    static let noise: Set<String> = ["+sentinel", "+set", "+monitor", "-monitor", "+reset-master"]

    /// `events` are admin events of kind "sentinel" whose message is "<type> <text>"; those not
    /// about `master` (by name) are ignored, except +new-epoch / +vote-for-leader which carry the
    /// epoch instead. `voters` is the number of sentinels (others + 1).
    public static func build(master: String, votes: [SentinelVote], failover: SentinelFailover?,
                             events: [AdminEvent], voters: Int, quorum: Int) -> [SentinelEpoch] {
        var byEpoch: [Int64: [SentinelVote]] = [:]
        var seen = Set<String>()
        for v in votes.sorted(by: { ($0.time, $0.voter) < ($1.time, $1.voter) })
        where seen.insert("\(v.epoch)|\(v.voter)").inserted {
            byEpoch[v.epoch, default: []].append(v)
        }
        var starts: [Int64: Int64] = [:]
        func touch(_ e: Int64, _ t: Int64) { starts[e] = min(starts[e] ?? t, t) }
        for (e, vs) in byEpoch { touch(e, vs[0].time) }
        if let f = failover, f.epoch > 0, f.startTime > 0 { touch(f.epoch, f.startTime) }
        // Steps with an explicit epoch first, so epochs known only from events get a start.
        var explicit: [(Int64, SentinelStep)] = []
        var floating: [SentinelStep] = []
        var dedup = Set<String>()
        for ev in events.sorted(by: { $0.time < $1.time }) where ev.kind == "sentinel" {
            let words = ev.message.split(separator: " ").map(String.init)
            guard let type = words.first, !noise.contains(type) else { continue }
            let detail = words.dropFirst().joined(separator: " ")
            // The same step reported by several sentinels at the same millisecond is one step.
            guard dedup.insert("\(ev.time)|\(ev.message)").inserted else { continue }
            let step = SentinelStep(time: ev.time, event: type, detail: detail, node: ev.node)
            switch type {
            case "+new-epoch":
                guard words.count >= 2, let e = Int64(words[1]) else { continue }
                touch(e, ev.time); explicit.append((e, step))
            case "+vote-for-leader":
                guard words.count >= 3, let e = Int64(words[2]) else { continue }
                touch(e, ev.time); explicit.append((e, step))
            default:
                if words.dropFirst().contains(master) { floating.append(step) }
            }
        }
        let ordered = starts.sorted { $0.key < $1.key }
        var steps: [Int64: [SentinelStep]] = [:]
        for (e, s) in explicit { steps[e, default: []].append(s) }
        for s in floating {
            guard !ordered.isEmpty else { break }
            let epoch: Int64
            if leadIn.contains(s.event) {
                epoch = (ordered.first { $0.value >= s.time } ?? ordered.last!).key
            } else {
                // Before the first epoch began: not part of any failover (start-up discovery).
                guard let e = ordered.last(where: { $0.value <= s.time }) else { continue }
                epoch = e.key
            }
            steps[epoch, default: []].append(s)
        }
        if let f = failover, f.state != "none", f.epoch > 0 {
            steps[f.epoch, default: []].append(SentinelStep(time: f.stateChangeTime, event: "state",
                                                            detail: f.state + (f.promoted.map { " promoting \($0)" } ?? "")))
        }
        let need = max(quorum, voters / 2 + 1)
        return ordered.map { e, start in
            let vs = byEpoch[e] ?? []
            var count: [String: Int] = [:]
            for v in vs { count[v.candidate, default: 0] += 1 }
            let best = count.max { ($0.value, $1.key) < ($1.value, $0.key) }
            let leader = best.flatMap { $0.value >= need ? $0.key : nil }
            let st = (steps[e] ?? []).sorted { $0.time < $1.time }
            return SentinelEpoch(epoch: e, start: min(start, st.first?.time ?? start), votes: vs, leader: leader, steps: st)
        }
    }
}

extension TopologyStatus {
    /// Fills each reachable sentinel's masters' `timeline` from all sentinels' votes and
    /// events, so the first sentinel's view (what the console shows) holds the whole story.
    public mutating func mergeSentinelTimelines() {
        let live = sentinels.filter { $0.reachable && $0.sentinel != nil }
        let events = live.flatMap { $0.events ?? [] }
        for i in sentinels.indices where sentinels[i].reachable {
            guard var view = sentinels[i].sentinel else { continue }
            for j in view.masters.indices {
                let m = view.masters[j]
                let same = live.compactMap { $0.sentinel?.masters.first { $0.name == m.name } }
                guard same.contains(where: { $0.votes != nil }) else { continue }
                let failover = same.compactMap(\.failover).max { ($0.epoch, $0.stateChangeTime) < ($1.epoch, $1.stateChangeTime) }
                view.masters[j].timeline = SentinelTimeline.build(
                    master: m.name, votes: same.flatMap { $0.votes ?? [] }, failover: failover, events: events,
                    voters: m.numOtherSentinels + 1, quorum: m.quorum)
            }
            sentinels[i].sentinel = view
        }
    }
}
