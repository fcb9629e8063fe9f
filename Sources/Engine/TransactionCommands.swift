// Transactions family: MULTI EXEC DISCARD WATCH UNWATCH (Redis 7.0's multi.c).
//
// While a client is in MULTI, `Engine.execute` checks each command as usual (unknown command,
// arity, auth, subscribed mode), then hands it to `queueInMulti` instead of running it: the
// arguments are copied (the query buffer moves on) and the reply is +QUEUED. A rejected
// command flags the transaction, and EXEC then answers EXECABORT. EXEC runs the queue in order
// through `Engine.call` with blocking denied (BLPOP & co. answer as on timeout), each reply
// an element of one array; a runtime error is just that command's reply (no rollback).
// Queued commands reach MONITOR, commandstats and the slowlog when they run, at EXEC, and
// clients blocked on keys they write are served after EXEC as a whole, as in Redis.
// WATCH's bookkeeping is in Engine+Watch.swift.

import RESP

/// A client's open transaction.
public final class MultiState {
    struct Queued {
        let cmd: CommandSpec
        /// All arguments back to back, plus one spare byte so no argument has a nil base.
        let bytes: [UInt8]
        let lengths: [Int]

        func withArgv<R>(_ body: (Argv) -> R) -> R {
            bytes.withUnsafeBytes { base in
                var ptrs: [UnsafeRawBufferPointer] = []
                ptrs.reserveCapacity(lengths.count)
                var off = 0
                for n in lengths {
                    ptrs.append(UnsafeRawBufferPointer(rebasing: base[off..<off + n]))
                    off += n
                }
                return ptrs.withUnsafeBufferPointer { body(Argv($0.baseAddress!, count: lengths.count)) }
            }
        }
    }

    var queue: [Queued] = []
    /// Redis's CLIENT_DIRTY_EXEC: a command was rejected while queueing.
    var aborted = false
    /// Union of the queued commands' flags (CLIENT PAUSE WRITE holds an EXEC with writes).
    var flags: CommandFlags = []
    /// Argument bytes plus a pointer per argument (CLIENT LIST multi-mem, as Redis counts it).
    var memory = 0
    /// Queued commands (CLIENT LIST multi=).
    public var count: Int { queue.count }
}

enum TransactionCommands {
    static func specs() -> [CommandSpec] {
        let base: CommandFlags = [.noscript, .loading, .stale]
        return [
            CommandSpec("multi", arity: 1, flags: base.union([.fast, .allowBusy]), categories: ["transaction"],
                        group: "transactions", summary: "Mark the start of a transaction block", since: "1.2.0",
                        handler: multi),
            CommandSpec("exec", arity: 1, flags: base.union([.skipSlowlog]), categories: ["transaction"],
                        group: "transactions", summary: "Execute all commands issued after MULTI",
                        complexity: "Depends on commands in the transaction", since: "1.2.0", handler: exec),
            CommandSpec("discard", arity: 1, flags: base.union([.fast, .allowBusy]), categories: ["transaction"],
                        group: "transactions", summary: "Discard all commands issued after MULTI",
                        complexity: "O(N), when N is the number of queued commands", since: "2.0.0", handler: discard),
            CommandSpec("watch", arity: -2, flags: base.union([.fast, .allowBusy]), keys: (1, -1, 1),
                        categories: ["transaction"], group: "transactions",
                        summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
                        complexity: "O(1) for every key.", since: "2.2.0", handler: watch),
            CommandSpec("unwatch", arity: 1, flags: base.union([.fast, .allowBusy]), categories: ["transaction"],
                        group: "transactions", summary: "Forget about all watched keys", since: "2.2.0",
                        handler: unwatch),
        ]
    }

    static func multi(_ c: Call) {
        if c.client.multi != nil { c.error("ERR MULTI calls can not be nested"); return }
        c.client.multi = MultiState()
        c.ok()
    }

    static func discard(_ c: Call) {
        if c.client.multi == nil { c.error("ERR DISCARD without MULTI"); return }
        c.engine.discardTransaction(c.client)
        c.ok()
    }

    static func exec(_ c: Call) {
        let cl = c.client, e = c.engine
        guard let m = cl.multi else { c.error("ERR EXEC without MULTI"); return }
        if m.aborted {
            e.discardTransaction(cl)
            c.error("EXECABORT Transaction discarded because of previous errors.")
            return
        }
        if let w = cl.watch, w.dirty || e.watchedKeyExpired(cl) {
            e.discardTransaction(cl)
            c.nullArray()
            return
        }
        e.unwatchAll(cl)
        // Replicas and the AOF get the queued commands' effects (wrapped in MULTI/EXEC when
        // there are several), not EXEC.
        c.preventPropagation()
        // The client stays in MULTI while the queue runs (CLIENT INFO inside EXEC shows x and
        // multi=N, as in Redis); execute() is not re-entered for it, so nothing is re-queued.
        let denied = cl.denyBlocking
        cl.denyBlocking = true
        c.array(m.queue.count)
        for q in m.queue {
            cl.commandFailed = false
            q.withArgv { e.call(cl, q.cmd, $0) }
        }
        cl.denyBlocking = denied
        cl.multi = nil
        // EXEC itself succeeded whatever its commands replied (failed_calls counts their errors).
        cl.commandFailed = false
    }

    static func watch(_ c: Call) {
        if c.client.multi != nil { c.error("ERR WATCH inside MULTI is not allowed"); return }
        for i in 1..<c.argv.count { c.engine.watchKey(c.client, c.argv[i]) }
        c.ok()
    }

    static func unwatch(_ c: Call) {
        c.engine.unwatchAll(c.client)
        c.ok()
    }

    /// Commands that run even inside MULTI instead of being queued (processCommand's list).
    static func runsInMulti(_ cmd: CommandSpec) -> Bool {
        switch cmd.fullName {
        case "exec", "discard", "multi", "watch", "quit", "reset": return true
        default: return false
        }
    }
}

extension Engine {
    /// Called by `execute` for a client in MULTI once the command passed its checks: queues it
    /// and answers +QUEUED, or returns false for the commands that run right away.
    func queueInMulti(_ client: ClientState, _ cmd: CommandSpec, _ argv: Argv) -> Bool {
        guard let m = client.multi, !TransactionCommands.runsInMulti(cmd) else { return false }
        if cmd.flags.contains(.noMulti) {
            rejectCall(client, "ERR Command not allowed inside a transaction", cmd)
            return true
        }
        client.lastCommandName = cmd.fullName
        // An aborted transaction only waits for EXEC/DISCARD: don't keep what it will drop.
        if !m.aborted {
            var bytes: [UInt8] = []
            var lengths: [Int] = []
            lengths.reserveCapacity(argv.count)
            var total = 0
            for i in 0..<argv.count { total += argv[i].count }
            bytes.reserveCapacity(total + 1)
            for i in 0..<argv.count {
                bytes.append(contentsOf: argv[i])
                lengths.append(argv[i].count)
            }
            bytes.append(0)
            m.queue.append(MultiState.Queued(cmd: cmd, bytes: bytes, lengths: lengths))
            m.flags.formUnion(cmd.flags)
            m.memory += total + 8 * argv.count
        }
        client.out.writeSimple("QUEUED")
        return true
    }

    /// Leaves MULTI and drops the watched keys (DISCARD, EXEC's abort paths, RESET, close).
    func discardTransaction(_ c: ClientState) {
        c.multi = nil
        unwatchAll(c)
    }

    /// A rejected EXEC (arity, subscribed mode...) ends the transaction and says why, as
    /// Redis's execCommandAbort: the error without its "ERR " prefix.
    func execAbortText(_ client: ClientState, _ text: String) -> String {
        discardTransaction(client)
        let reason = text.hasPrefix("ERR ") ? String(text.dropFirst(4)) : text
        return "EXECABORT Transaction discarded because of: " + reason
    }

    /// Hooks this family needs: per-client cleanup, flush/swap invalidation, CLIENT LIST.
    func installTransactionHooks() {
        clientGoneHooks.append { [unowned self] c in self.discardTransaction(c) }
        clientResetHooks.append { [unowned self] c in self.discardTransaction(c) }
        dbChangeObservers.append { [unowned self] change in
            if self.watches.clients.isEmpty { return }
            switch change {
            case .flushed(let i): self.touchWatchedKeys(emptied: i, replacement: nil)
            case .swapped(let i, let j):
                self.touchWatchedKeys(emptied: i, replacement: j)
                self.touchWatchedKeys(emptied: j, replacement: i)
            }
        }
        serverState.clientHooks.append { c, d in
            if let m = c.multi {
                d.flags.insert("x")
                d.multi = m.count
                d.multiMem = m.memory
            }
            if c.watch?.dirty == true { d.flags.insert("d") }
        }
    }
}
