// The watchdog: while a lock taken without an explicit lease is held, renew its lease every
// third of it (Redisson's lockWatchdogTimeout / 3). One renewal task per lock+owner, shared by
// reentrant holds. It stops when the last hold is unlocked, when every handle has been dropped
// (the holder task ended without unlocking: the lease then runs out, as for a dead process), or
// when the renewal script reports the lock is no longer ours (force-unlocked, expired).

import Foundation

struct Renewal {
    final class WeakHandle { weak var handle: LockHandle?; init(_ h: LockHandle) { handle = h } }
    var handles: [WeakHandle]
    var task: Task<Void, Never>?
}

extension LockClient {
    static func renewalKey(_ name: String, _ field: String) -> String { name + "\u{0}" + field }

    func startWatchdog(_ h: LockHandle) {
        let key = LockClient.renewalKey(h.name, h.field)
        let start: Bool = renewals.with { r in
            if r[key] != nil { r[key]!.handles.append(.init(h)); return false }
            r[key] = Renewal(handles: [.init(h)], task: nil)
            return true
        }
        guard start else { return }
        let name = h.name, field = h.field, lease = h.leaseMs
        let task = Task.detached { [weak self] in
            while true {
                try? await Task.sleep(nanoseconds: UInt64(max(1, lease / 3)) * 1_000_000)
                guard let self, !Task.isCancelled else { return }
                let alive = self.renewals.with { r -> Bool in
                    guard var e = r[key] else { return false }
                    e.handles.removeAll { $0.handle == nil || $0.handle!.released.get }
                    if e.handles.isEmpty { r[key] = nil; return false }
                    r[key] = e
                    return true
                }
                guard alive else { return }
                let pool = self.pool
                let ok = try? await blocking {
                    try pool.with { try pool.eval($0, RedissonScripts.renew, keys: [name], args: [String(lease), field]) }
                }
                if ok?.int == 0 {
                    _ = self.renewals.with { $0.removeValue(forKey: key) }
                    return
                }
            }
        }
        renewals.with { r in
            if r[key] != nil { r[key]!.task = task } else { task.cancel() }
        }
    }

    func dropFromWatchdog(_ h: LockHandle) {
        let key = LockClient.renewalKey(h.name, h.field)
        renewals.with { r in
            guard var e = r[key] else { return }
            e.handles.removeAll { $0.handle == nil || $0.handle === h }
            if e.handles.isEmpty { e.task?.cancel(); r[key] = nil } else { r[key] = e }
        }
    }

    func stopWatchdogs(name: String, field: String? = nil) {
        renewals.with { r in
            for (k, e) in r where field.map({ k == LockClient.renewalKey(name, $0) }) ?? k.hasPrefix(name + "\u{0}") {
                e.task?.cancel()
                r[k] = nil
            }
        }
    }

    /// Locks this client currently keeps alive (for tests and diagnostics).
    public var renewedLocks: Int { renewals.with { $0.count } }
}
