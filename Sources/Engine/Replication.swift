// Replication state shared by both roles (Redis's server.repl_* / master_* fields) and the
// master side: the backlog, replicas attached to the stream, full and partial resyncs, ACK
// offsets and WAIT. The network side (KeywardServer/ReplicaLink.swift) drives the replica role
// through `ReplicaHandshake` and the hooks below.

import RESP

/// One replica attached to this server's stream.
public final class ReplicaEntry {
    public let client: ClientState
    public var listeningPort = 0
    public var ip: String? = nil
    public var ackOffset: Int64 = 0
    public var ackTime: Int64 = 0          // ms
    /// REPLCONF capa values (eof, psync2).
    public var capas: Set<String> = []
    /// Attached with SYNC: pre-PSYNC replicas never ack, so they never time out.
    public var prePsync = false
    /// After an `$EOF:` payload the stream waits for the replica's first ACK: Redis's replica
    /// looks for the marker at the end of what it read, so nothing may follow it until then
    /// (Redis's repl_start_cmd_stream_on_ack).
    var held: [UInt8]? = nil
    /// out.count just after the RDB payload: bytes before it don't count against the limit.
    var rdbEnd = 0
    /// The full sync feeding this replica (ReplicationSync.swift), while its snapshot runs.
    var sync: ReplicationSync? = nil
    /// Waiting for another snapshot (BGSAVE, AOF rewrite) to end before its sync starts.
    var waitingSync = false
    /// Its full sync uses the `$EOF:` framing.
    var eof = false
    init(client: ClientState) { self.client = client }
}

public final class ReplicationState {
    public var replid = randomHex(40)
    public var replid2 = String(repeating: "0", count: 40)
    public var secondOffset: Int64 = -1
    /// master_repl_offset: every byte ever streamed (or, on a replica, applied).
    public var offset: Int64 = 0
    public var backlog: ReplBacklog? = nil
    public var replicas: [ReplicaEntry] = []
    /// REPLCONF settings a connecting replica sent before PSYNC, by client id.
    var pendingConf: [Int64: ReplicaEntry] = [:]
    /// The running full sync (ReplicationSync.swift).
    public internal(set) var sync: ReplicationSync? = nil
    /// A running FAILOVER (ReplicationFailover.swift).
    public internal(set) var failover: FailoverJob? = nil
    var lastKeepAlive: Int64 = 0

    // Replica role.
    public var masterHost: String? = nil
    public var masterPort = 0
    /// "connect", "connecting", "handshake", "sync", "connected" (ROLE's states).
    public var linkState = "connect"
    public var linkDownSince: Int64 = 0     // ms, 0 = never up
    public var masterClient: ClientState? = nil
    /// The master client's db, kept across a partial resync.
    public var masterDb = 0
    /// True once this replica holds a dataset synced from a master (PSYNC can name it).
    public var hasSynced = false
    /// Set by REPLCONF GETACK from the master; the link answers after the command.
    public var ackRequested = false
    /// Server hooks: start (host, port) or stop (nil) following a master.
    public var onReplicaOf: ((String?, Int) -> Void)? = nil

    // WAIT.
    var waiters: [(client: ClientState, offset: Int64, count: Int)] = []
    var getackPending = false
    var lastPing: Int64 = 0
    /// replica-read-only (mirrored from the config).
    public var readOnly = true
    /// When the last replica left (repl-backlog-ttl frees the backlog after that long).
    var noReplicasSince: Int64 = 0
    /// The effects stream's sink into the backlog is installed.
    var feeding = false
    /// replica-serve-stale-data: with "no", a replica without its master answers only
    /// stale-flagged commands (INFO, REPLICAOF, ...).
    public var serveStaleData = true
    /// INFO stats: sync_full, sync_partial_ok, sync_partial_err.
    public var syncFull: Int64 = 0
    public var syncPartialOK: Int64 = 0
    public var syncPartialErr: Int64 = 0

    init() {}

    public var isReplica: Bool { masterHost != nil }
}

extension Engine {
    // MARK: the stream

    /// Creates the backlog (on the first replica or the first sync as a replica) and routes
    /// the effects stream into it.
    public func ensureBacklog() {
        let r = replication
        guard r.backlog == nil else { return }
        r.backlog = ReplBacklog(size: Int(config.int("repl-backlog-size")), masterOffset: r.offset)
        // One sink for the life of the backlog (a re-created backlog must not add a second).
        guard !r.feeding else { return }
        r.feeding = true
        propagation.repl.sinks.append { [unowned self] bytes in
            // A replica relays its master's bytes instead (feedReplicationStream from the link).
            if !self.replication.isReplica { self.feedReplicationStream(bytes) }
        }
    }

    /// Appends stream bytes to the backlog and every online replica (Redis's replicationFeedSlaves).
    public func feedReplicationStream(_ bytes: UnsafeRawBufferPointer) {
        let r = replication
        guard r.backlog != nil else { return }
        r.backlog!.append(bytes)
        r.offset += Int64(bytes.count)
        if r.sync != nil { feedSyncStream(bytes) }
        for e in r.replicas where !e.client.closeASAP {
            // Replicas mid-sync get the stream after their payload (sync.stream).
            if e.sync != nil || e.waitingSync { continue }
            if e.held != nil { e.held!.append(contentsOf: bytes); continue }
            e.client.out.append(bytes)
            checkReplicaOutputLimit(e)
        }
    }

    func feedReplicationStream(_ s: StaticString) {
        s.withUTF8Buffer { feedReplicationStream(UnsafeRawBufferPointer($0)) }
    }

    /// client-output-buffer-limit replica: a replica too far behind is dropped (it resyncs).
    func checkReplicaOutputLimit(_ e: ReplicaEntry) {
        let c = e.client
        if c.out.count < e.rdbEnd { e.rdbEnd = 0 }
        checkReplicaOutputLimit(e, used: UInt64(c.out.count - max(c.out.readIndex, e.rdbEnd)))
    }

    func checkReplicaOutputLimit(_ e: ReplicaEntry, used: UInt64) {
        let c = e.client
        let limit = config.outputBufferLimits[1]
        let hard = limit.hard != 0 && used >= limit.hard
        var soft = limit.soft != 0 && used >= limit.soft
        let nowSec = now / 1000
        if soft {
            if c.outputSoftLimitSince == 0 { c.outputSoftLimitSince = nowSec; soft = false }
            else if nowSec - c.outputSoftLimitSince <= limit.softSeconds { soft = false }
        } else {
            c.outputSoftLimitSince = 0
        }
        if hard || soft { c.closeASAP = true }
    }

    // MARK: syncs

    /// PSYNC/SYNC: a partial resync when the offset is in the backlog, else a full one.
    func attachReplica(_ c: Call, replid: String?, offset: Int64, psync: Bool) {
        let r = replication
        let cl = c.client
        if r.isReplica && r.linkState != "connected" {
            c.error("NOMASTERLINK Can't SYNC while not connected with my master")
            return
        }
        let entry = r.pendingConf.removeValue(forKey: cl.id) ?? ReplicaEntry(client: cl)
        entry.ackTime = now
        var full = false
        if psync, let id = replid, let bl = r.backlog,
           (id == r.replid || (id == r.replid2 && offset <= r.secondOffset)), bl.canServe(from: offset),
           let tail = bl.bytes(from: offset) {
            cl.out.append(entry.capaPsync2 ? "+CONTINUE \(r.replid)\r\n" : "+CONTINUE\r\n")
            cl.out.append(tail)
            entry.ackOffset = offset - 1
            r.syncPartialOK += 1
        } else {
            r.syncFull += 1
            // A replica that named a history (not `?`) asked for a partial resync and was refused.
            if psync && replid != nil { r.syncPartialErr += 1 }
            entry.prePsync = !psync
            full = true
            entry.eof = psync && entry.capas.contains("eof") && config.bool("repl-diskless-sync")
        }
        entry.prePsync = !psync
        cl.isReplica = true
        for old in r.replicas where old.client === cl { leaveSync(old) }
        r.replicas.removeAll { $0.client === cl }
        r.replicas.append(entry)
        if full { beginFullSync(entry) }
    }

    /// A replica or the master link went away.
    func replicationClientGone(_ c: ClientState) {
        let r = replication
        r.pendingConf[c.id] = nil
        if c.isReplica {
            for e in r.replicas where e.client === c { leaveSync(e) }
            r.replicas.removeAll { $0.client === c }
        }
        r.waiters.removeAll { $0.client === c }
        if c === r.masterClient {
            r.masterDb = c.db
            r.masterClient = nil
            if r.isReplica { r.linkState = "connect"; r.linkDownSince = now }
        }
    }

    // MARK: acks and WAIT

    func replicaAcked(_ c: ClientState, _ offset: Int64) {
        guard let e = replication.replicas.first(where: { $0.client === c }) else { return }
        if let held = e.held {
            e.held = nil
            c.out.append(held)
            checkReplicaOutputLimit(e)
        }
        if offset > e.ackOffset { e.ackOffset = offset }
        e.ackTime = now
        serveWaiters()
        if replication.failover != nil { updateFailoverStatus() }
    }

    func replicasAcked(_ offset: Int64) -> Int {
        replication.replicas.filter { $0.ackOffset >= offset && $0.isOnline }.count
    }

    func serveWaiters() {
        let r = replication
        guard !r.waiters.isEmpty else { return }
        r.waiters.removeAll { w in
            let n = replicasAcked(w.offset)
            guard n >= w.count, w.client.blocked != nil else { return w.client.blocked == nil }
            w.client.out.writeInt(Int64(n))
            unblock(w.client)
            return true
        }
    }

    /// Once per event-loop turn: ask replicas for acks when WAIT needs them.
    public func replicationBeforeSleep() {
        let r = replication
        if r.getackPending {
            r.getackPending = false
            if !r.isReplica && !r.replicas.isEmpty {
                feedReplicationStream("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n")
            }
        }
    }

    /// Once a second: PING replicas every repl-ping-replica-period seconds.
    public func replicationCron() {
        let r = replication
        // No GETACK here: it would move the offset the replica must reach; its ACK every
        // second reports it (Redis's updateFailoverStatus waits the same way).
        if let f = r.failover, f.state == .waitingForSync { updateFailoverStatus() }
        if !r.isReplica && !r.replicas.isEmpty {
            let period = max(1, config.int("repl-ping-replica-period")) * 1000
            if now - r.lastPing >= period {
                r.lastPing = now
                feedReplicationStream("*1\r\n$4\r\nPING\r\n")
            }
        }
        // A replica silent for repl-timeout (no ACK) is dropped, as Redis's replicationCron.
        let timeout = config.int("repl-timeout") * 1000
        if now - r.lastKeepAlive >= 1000 {
            r.lastKeepAlive = now
            syncKeepAlives()
        }
        startWaitingSyncs()
        for e in r.replicas where !e.prePsync && e.isOnline && now - e.ackTime > timeout && !e.client.closeASAP {
            e.client.closeASAP = true
        }
        // repl-backlog-ttl: a master alone for that long frees its backlog; as nobody can
        // continue from it any more, the history starts over (Redis's replicationCron).
        if r.replicas.isEmpty && !r.isReplica && r.backlog != nil {
            if r.noReplicasSince == 0 { r.noReplicasSince = now }
            let ttl = config.int("repl-backlog-ttl") * 1000
            if ttl > 0 && now - r.noReplicasSince > ttl {
                r.backlog = nil
                // Nothing consumes the stream any more: stop encoding it.
                propagation.repl.sinks.removeAll()
                r.feeding = false
                r.replid = randomHex(40)
                r.replid2 = String(repeating: "0", count: 40)
                r.secondOffset = -1
            }
        } else {
            r.noReplicasSince = 0
        }
        if let size = r.backlog?.size, Int64(size) != config.int("repl-backlog-size") {
            r.backlog!.resize(Int(config.int("repl-backlog-size")))
        }
    }

    // MARK: persistence of the replication history

    /// Redis's rdbPopulateSaveInfo: with a backlog, the RDB records the stream's id, offset and
    /// db so a restarted replica can PSYNC instead of a full sync.
    func replicationSaveInfo() -> [(String, String)] {
        let r = replication
        guard r.backlog != nil else { return [] }
        let db = r.isReplica ? (r.masterClient?.db ?? r.masterDb) : max(0, propagation.repl.selectedDb)
        return [("repl-stream-db", String(db)), ("repl-id", r.replid), ("repl-offset", String(r.offset))]
    }

    /// At start-up as a replica: adopt the history an RDB file recorded (PSYNC names it).
    public func restoreReplicationInfo(_ aux: [(String, String)]) -> Bool {
        func get(_ k: String) -> String? { aux.first { $0.0 == k }?.1 }
        guard let id = get("repl-id"), id.utf8.count == 40, let off = get("repl-offset").flatMap({ Int64($0) }),
              let db = get("repl-stream-db").flatMap({ Int($0) }) else { return false }
        let r = replication
        r.replid = id
        r.offset = off
        r.masterDb = db
        r.hasSynced = true
        r.backlog = nil
        ensureBacklog()
        return true
    }

    // MARK: role changes

    /// The replica finished loading a full sync: adopt the master's history.
    public func replicationDidFullSync(replid: String, offset: Int64) {
        let r = replication
        r.replid = replid
        r.replid2 = String(repeating: "0", count: 40)
        r.secondOffset = -1
        r.offset = offset
        r.backlog = nil
        ensureBacklog()
        r.hasSynced = true
        r.masterDb = 0
        disconnectReplicas()
    }

    /// +CONTINUE with a new id: the master was promoted; its old id stays ours as replid2.
    public func replicationDidContinue(replid: String?) {
        let r = replication
        ensureBacklog()
        if let id = replid, id != r.replid {
            r.replid2 = r.replid
            r.secondOffset = r.offset + 1
            r.replid = id
            disconnectReplicas()
        }
    }

    /// REPLICAOF NO ONE: a new history starts; old-id PSYNCs can continue (replid2).
    public func replicationPromote() {
        let r = replication
        r.replid2 = r.replid
        r.secondOffset = r.offset + 1
        r.replid = randomHex(40)
        r.masterHost = nil
        r.linkState = "connect"
        disconnectReplicas()
    }

    func disconnectReplicas() {
        for e in replication.replicas { e.client.closeASAP = true }
    }
}

extension ReplicaEntry {
    var capaPsync2: Bool { capas.contains("psync2") }
}
