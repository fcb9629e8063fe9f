// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...). A handler that finds nothing to serve calls
// `c.block(on:timeout:onTimeout:)`; the client then waits without a reply. Any write to one of
// its keys (`keyModified`) marks the key ready, and after the current command the engine runs
// the blocked command again from the start, for the waiting clients in arrival order, until
// one of them blocks again (nothing left to serve). This re-execution is Redis 7.2's model: it
// also gives "unblock with WRONGTYPE when the key changes type" for free.
// The server reads `unblocked` to flush replies and resume reading those clients' input.

import RESP

public enum BlockTimeoutReply {
    /// `*-1` in RESP2, `_` in RESP3 (BLPOP, BZPOPMIN, BLMPOP...).
    case nullArray
    /// `$-1` in RESP2, `_` in RESP3 (BLMOVE, BRPOPLPUSH).
    case null
    /// The command writes its own reply (WAIT: the number of acks so far).
    case custom((ClientState) -> Void)
}

public final class BlockedState {
    public let db: Int
    public let keys: [Bytes]
    /// Absolute unix ms; 0 = wait forever.
    public let deadline: Int64
    public let onTimeout: BlockTimeoutReply
    /// The command, owned (the query buffer moves on).
    let argv: [[UInt8]]

    init(db: Int, keys: [Bytes], deadline: Int64, onTimeout: BlockTimeoutReply, argv: [[UInt8]]) {
        self.db = db; self.keys = keys; self.deadline = deadline; self.onTimeout = onTimeout; self.argv = argv
    }
}

struct BlockKey: Hashable {
    let db: Int
    let key: Bytes
}

/// The engine's blocking bookkeeping.
public final class BlockingState {
    var waiting: [BlockKey: [ClientState]] = [:]
    var ready: [BlockKey] = []
    var readySet: Set<BlockKey> = []
    /// Every blocked client (timeouts are checked over this list).
    public internal(set) var clients: [ClientState] = []
    /// Clients unblocked since the server last looked (served, timed out or unblocked by
    /// CLIENT UNBLOCK): the server flushes them and resumes their input.
    public var unblocked: [ClientState] = []
    /// The client whose blocked command is being re-run.
    var retrying: ClientState? = nil
    var blockedAgain = false
    var serving = false
    init() {}
}

extension Call {
    /// False inside MULTI/EXEC and scripts: a blocking command must then reply as on timeout.
    public var mayBlock: Bool { !client.denyBlocking }

    /// Blocks the client on `keys` (in the client's db) until one of them is written or the
    /// deadline passes (absolute unix ms, 0 = forever). Write no reply before calling this.
    public func block(on keys: [Bytes], deadline: Int64, onTimeout: BlockTimeoutReply) {
        let b = engine.blocking
        if b.retrying === client { b.blockedAgain = true; return }
        var owned: [[UInt8]] = []
        owned.reserveCapacity(argv.count)
        for i in 0..<argv.count { owned.append(Array(argv[i])) }
        let st = BlockedState(db: client.db, keys: keys, deadline: deadline, onTimeout: onTimeout, argv: owned)
        client.blocked = st
        for k in keys { b.waiting[BlockKey(db: client.db, key: k), default: []].append(client) }
        b.clients.append(client)
    }

    /// Parses a blocking timeout in seconds (may be fractional) at `arg` into an absolute
    /// deadline in unix ms (0 = forever), or replies Redis's error and returns nil.
    /// As Redis 7.0.15's getTimeoutFromObjectOrReply: the text is a long double (strtold, so
    /// "0x10" and "inf" parse); ceil(seconds * 1000) is cast to long long (0.0001 waits 1 ms,
    /// -0.0001 becomes 0 and waits forever; on x86 an out-of-range cast gives LLONG_MIN, so "inf"
    /// and 1e100 are "negative"); 7.0 adds `now` without an overflow check, and the wrapped
    /// deadline never fires.
    public func blockingDeadline(_ arg: Int) -> Int64? {
        guard let secs = parseLongDouble(argv[arg]) else {
            error("ERR timeout is not a float or out of range"); return nil
        }
        let msF = (secs * 1000).rounded(.up)
        let ms: Int64 = msF.isNaN || msF >= 0x1p63 || msF < -0x1p63
            ? Int64.min : Int64(msF)
        if ms < 0 { error("ERR timeout is negative"); return nil }
        if ms == 0 { return 0 }
        let (at, overflow) = now.addingReportingOverflow(ms)
        return overflow ? 0 : at
    }
}

extension Engine {
    /// Called from keyModified: wakes clients blocked on `key`.
    @inline(__always) func signalKeyAsReady(_ db: Int, _ key: UnsafeRawBufferPointer) {
        let b = blocking
        if b.waiting.isEmpty { return }
        let k = BlockKey(db: db, key: Bytes(key))
        guard b.waiting[k] != nil, !b.readySet.contains(k) else { return }
        b.readySet.insert(k)
        b.ready.append(k)
    }

    /// Serves clients blocked on keys that became ready (run after each command).
    func serveBlockedClients() {
        let b = blocking
        guard !b.serving else { return }
        b.serving = true
        defer { b.serving = false }
        while !b.ready.isEmpty {
            let k = b.ready.removeFirst()
            b.readySet.remove(k)
            guard let queue = b.waiting[k] else { continue }
            for client in queue {
                guard let st = client.blocked else { continue }
                b.retrying = client
                b.blockedAgain = false
                client.db = st.db
                st.argv.withArgv { engine in execute(client, engine) }
                b.retrying = nil
                if b.blockedAgain { break }     // nothing left for the rest of the queue
                unblock(client)
            }
        }
    }

    /// Removes `client` from every wait list and hands it back to the server.
    func unblock(_ client: ClientState) {
        guard let st = client.blocked else { return }
        let b = blocking
        for key in st.keys {
            let k = BlockKey(db: st.db, key: key)
            b.waiting[k]?.removeAll { $0 === client }
            if b.waiting[k]?.isEmpty == true { b.waiting[k] = nil }
        }
        b.clients.removeAll { $0 === client }
        client.blocked = nil
        b.unblocked.append(client)
    }

    /// Answers the timeout reply for every client whose deadline passed.
    public func handleBlockedTimeouts() {
        let b = blocking
        guard !b.clients.isEmpty else { return }
        for c in b.clients {
            guard let st = c.blocked, st.deadline != 0, st.deadline < now else { continue }
            writeTimeoutReply(c, st)
            unblock(c)
        }
    }

    /// The earliest blocking deadline (unix ms), for the event loop's wait.
    public var nextBlockingDeadline: Int64? {
        blocking.clients.compactMap { $0.blocked?.deadline }.filter { $0 != 0 }.min()
    }

    /// CLIENT UNBLOCK: answers as on timeout, or with -UNBLOCKED when `error`.
    @discardableResult
    public func unblockClient(_ c: ClientState, error: Bool) -> Bool {
        guard let st = c.blocked else { return false }
        if error {
            c.out.writeError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
            countError("UNBLOCKED")
        } else {
            writeTimeoutReply(c, st)
        }
        unblock(c)
        return true
    }

    /// A disconnecting client leaves its wait lists.
    public func forgetBlockedClient(_ c: ClientState) {
        unblock(c)
        blocking.unblocked.removeAll { $0 === c }
    }

    func writeTimeoutReply(_ c: ClientState, _ st: BlockedState) {
        switch st.onTimeout {
        case .nullArray: c.out.writeNullArray(c.proto)
        case .null: c.out.writeNull(c.proto)
        case .custom(let reply): reply(c)
        }
    }
}

extension Array where Element == [UInt8] {
    /// Runs `body` with an Argv over these owned arguments.
    func withArgv<R>(_ body: (Argv) -> R) -> R { Argv.with(self, body) }
}
