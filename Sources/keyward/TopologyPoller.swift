// The console's data side: one worker thread per node polls it every refresh interval with its
// own connection and timeout, and publishes an immutable snapshot under a lock. The UI thread
// only ever takes the latest snapshot, so a hung node (SIGSTOP) costs its own worker a timeout
// and shows up as unreachable; keys keep being handled.

import Admin
import Console
import Foundation

final class TopologyPoller: @unchecked Sendable {
    let seed: String
    let options: PollOptions
    private let lock = NSLock()
    private var statuses: [String: NodeStatus] = [:]
    private var order: [String] = []
    private var events: [AdminEvent] = []
    private var lastLag: [String: Int64] = [:]
    private var lagTrend: [String: Int64] = [:]
    private var seenEvents = Set<String>()
    private var interval: Double
    private var stopped = false
    /// Bumped on every published change; the UI redraws when it moves.
    private(set) var generation = 0
    /// Results of admin actions, for the message line.
    private var messages: [String] = []
    /// Poll again now (after an action) instead of at the next tick.
    private var wake = Set<String>()

    init(seed: String, options: PollOptions, interval: Double) {
        self.seed = seed
        self.options = options
        self.interval = interval
    }

    func start() { spawn(seed) }

    func stop() { lock.withLock { stopped = true } }

    func setInterval(_ s: Double) { lock.withLock { interval = s } }

    func snapshot() -> (ConsoleSnapshot?, Int) {
        lock.withLock {
            guard !statuses.isEmpty else { return (nil, generation) }
            let t = assemble(seed: seed, order.compactMap { statuses[$0] })
            return (ConsoleSnapshot(topology: t, events: events, lagTrend: lagTrend), generation)
        }
    }

    func takeMessages() -> [String] {
        lock.withLock {
            defer { messages.removeAll() }
            return messages
        }
    }

    /// Runs an admin command on its own thread and connection (never on the UI thread); the
    /// result goes to the message line and, as an "action" event, to the Events view.
    func run(node: String, args: [String], label: String? = nil) {
        let options = self.options
        Thread.detachNewThread { [self] in
            let reply = NodePoller(address: node, options: options).run(args)
            let text = Reducer.outcome(label: label ?? args.joined(separator: " "), node: node, reply: reply)
            lock.withLock {
                messages.append(text)
                add(AdminEvent(time: Int64(Date().timeIntervalSince1970 * 1000), kind: "action", node: node, message: text))
                wake.insert(node)
                generation += 1
            }
        }
    }

    private func spawn(_ address: String) {
        let isNew: Bool = lock.withLock {
            guard !order.contains(address) else { return false }
            order.append(address)
            return true
        }
        guard isNew else { return }
        let options = self.options
        Thread.detachNewThread { [self] in
            let poller = NodePoller(address: address, options: options)
            while !lock.withLock({ stopped }) {
                let p = poller.poll()
                record(p)
                for n in p.dataNodes + p.sentinels { spawn(n) }
                // Sleep in small steps so a stop, a faster rate or an action's wake-up is seen quickly.
                let start = Date()
                while true {
                    let (done, iv, woken) = lock.withLock { (stopped, interval, wake.remove(address) != nil) }
                    if done || woken || Date().timeIntervalSince(start) >= iv { break }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        }
    }

    private func record(_ p: NodePoll) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        lock.withLock {
            var s = p.status
            let before = statuses[s.address]
            // A node that stops answering keeps its last known place (role, master) in the tree.
            if !s.reachable, let b = before {
                s.role = b.role
                if let m = b.replication?.master {
                    var r = ReplicationFigures()
                    r.master = m
                    r.master?.linkStatus = "down"
                    s.replication = r
                }
            }
            statuses[s.address] = s
            // The console's own observations: reachability and role changes.
            if let b = before, b.reachable != s.reachable {
                add(AdminEvent(time: now, kind: s.reachable ? "reachable" : "unreachable", node: s.address,
                               message: s.reachable ? "answers again" : "no reply: \(s.error ?? "?")"))
            } else if before == nil && !s.reachable {
                add(AdminEvent(time: now, kind: "unreachable", node: s.address, message: "no reply: \(s.error ?? "?")"))
            }
            if let b = before, b.reachable, s.reachable, b.role != s.role {
                add(AdminEvent(time: now, kind: "role", node: s.address, message: "seen as \(s.role) (was \(b.role))"))
            }
            for e in s.events ?? [] { add(e) }
            // Lock failure alerts: ADMIN LOCKS carries the newest records on every poll (this
            // thread, not the UI's), so no extra subscription is needed.
            if s.role == "master", case .array(let f)? = s.locks?["failures"] {
                for e in Views.lockAlerts(f, node: s.address) { add(e) }
            }
            for l in s.replication?.replicas ?? [] {
                if let before = lastLag[l.address] { lagTrend[l.address] = l.lagBytes - before }
                lastLag[l.address] = l.lagBytes
            }
            generation += 1
        }
    }

    /// Caller holds the lock.
    private func add(_ e: AdminEvent) {
        let key = "\(e.time)|\(e.kind)|\(e.node ?? "")|\(e.message)"
        guard seenEvents.insert(key).inserted else { return }
        events.append(e)
        events.sort { $0.time < $1.time }
        if events.count > 500 { events.removeFirst(events.count - 500) }
    }
}
