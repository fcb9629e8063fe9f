// One subscription per lock name per LockClient, shared by its local waiters (Redisson's
// LockPubSub): a listener thread reads the channel and each unlock message wakes ONE local
// waiter, not all of them, so N waiters in a process cost one retry per unlock instead of N
// (a thundering herd). A waiter that was not woken still retries when the lock's PTTL runs out,
// and every later unlock wakes the next one.

import Foundation
import KeywardClient

final class ChannelEntry: @unchecked Sendable {
    let wake = DispatchSemaphore(value: 0)
    let stop = Locked(false)
    /// The listener lost its connection: waiters fall back to a fresh entry.
    let broken = Locked(false)
    var refs = 0

    /// Runs on its own thread until released or the connection fails.
    func listen(_ conn: Connection) {
        defer { conn.close() }
        while !stop.get {
            do {
                guard let m = try conn.nextReply(wait: 0.2) else { continue }
                if let items = m.array, items.first?.string == "message" { wake.signal() }
            } catch {
                broken.with { $0 = true }
                wake.signal()
                return
            }
        }
    }
}

final class ChannelRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: ChannelEntry] = [:]

    /// The shared subscription to `channel`, subscribing first when there is none (the
    /// SUBSCRIBE is confirmed before this returns, so a retry after it cannot miss an unlock).
    func join(_ channel: String, open: () throws -> Connection) throws -> ChannelEntry {
        lock.lock()
        defer { lock.unlock() }
        if let e = entries[channel], !e.broken.get {
            e.refs += 1
            return e
        }
        let conn = try open()
        guard let reply = try conn.command("SUBSCRIBE", channel).array, reply.count == 3 else {
            conn.close()
            throw ClientError.protocolError("SUBSCRIBE \(channel) failed")
        }
        let e = ChannelEntry()
        e.refs = 1
        entries[channel] = e
        let owned = Handoff(conn)    // the listener thread owns the connection from here on
        let t = Thread { e.listen(owned.value) }
        t.stackSize = 1 << 20
        t.start()
        return e
    }

    func leave(_ channel: String, _ e: ChannelEntry) {
        lock.lock()
        defer { lock.unlock() }
        e.refs -= 1
        guard e.refs == 0 else { return }
        if entries[channel] === e { entries[channel] = nil }
        e.stop.with { $0 = true }
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return entries.count }
}

/// Moves a non-Sendable value to the one thread that uses it from then on.
final class Handoff<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
