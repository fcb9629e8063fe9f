// Force-unlock from the Locks view: `u` (or `:unlock`) on a held lock asks to confirm, naming the
// lock and its holder, then runs Redisson's forceUnlock (DEL + PUBLISH on the lock's channel, so
// waiters wake at once) on the master whose ADMIN LOCKS listed it. Modelled like BGSAVE and
// FAILOVER: a PendingAction, then a `.run` effect the program carries out off the UI thread.

import Admin

extension Reducer {
    static let forceUnlockLabel = "FORCE-UNLOCK"

    static func forceUnlock(_ s: inout UIState, _ rows: [Row]) -> [Effect] {
        if s.readOnly { s.message = "read-only mode: \(forceUnlockLabel) refused"; return [] }
        guard s.view == .locks else { s.message = "\(forceUnlockLabel): select a lock in the Locks view (4) first"; return [] }
        guard s.selection < rows.count, let node = rows[s.selection].key, rows[s.selection].cells.count > 1 else {
            s.message = "\(forceUnlockLabel): no lock selected"
            return []
        }
        // The view's rows carry the lock name and holder as cells 0 and 1 (Views.locks).
        let name = rows[s.selection].cells[0].text, holder = rows[s.selection].cells[1].text
        s.confirm = PendingAction(label: "\(forceUnlockLabel) \(name) (held by \(holder))", node: node,
                                  args: RedissonLockText.forceUnlockCommand(name))
        return []
    }

    /// The status line / event text for an action's reply. A force-unlock's script answers 1
    /// (deleted, waiters notified) or 0 (nothing held any more); other actions show the reply.
    public static func outcome(label: String, node: String, reply: String) -> String {
        guard label.hasPrefix(forceUnlockLabel + " ") else { return "\(label) on \(node): \(reply)" }
        let name = String(label.dropFirst(forceUnlockLabel.count + 1).split(separator: " (held by").first ?? "")
        switch reply {
        case "1": return "lock \(name) force-unlocked on \(node); waiters notified"
        case "0": return "lock \(name) was not held any more on \(node); nothing deleted"
        default: return "\(forceUnlockLabel) \(name) on \(node) failed: \(reply)"
        }
    }
}
