// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (Redis 6.2+'s coordinated failover,
// replication.c failoverCommand / updateFailoverStatus / abortFailover):
// 1. waiting-for-sync: writes are paused (as CLIENT PAUSE WRITE) and replicas are asked for
//    ACKs until the target (or, without TO, any replica) has acked master_repl_offset;
// 2. failover-in-progress: this server becomes a replica of the target and its PSYNC carries
//    `FAILOVER`, which makes the target promote itself first (then it answers +CONTINUE);
// 3. once the PSYNC is answered the failover is over and writes resume (refused as READONLY
//    now). A timeout without FORCE, ABORT, or a refused/failed PSYNC aborts: back to master.
// INFO replication shows the step as master_failover_state.

public final class FailoverJob {
    public enum State: String { case waitingForSync = "waiting-for-sync", inProgress = "failover-in-progress" }
    public internal(set) var state = State.waitingForSync
    public internal(set) var host: String?
    public internal(set) var port = 0
    let force: Bool
    /// Unix ms; 0 = no timeout.
    let deadline: Int64
    init(host: String?, port: Int, force: Bool, deadline: Int64) {
        self.host = host
        self.port = port
        self.force = force
        self.deadline = deadline
    }
}

extension Engine {
    static func failoverCommand(_ c: Call) {
        let e = c.engine
        let r = e.replication
        if c.argv.count == 2 && c.argv.isEqual(1, "abort") {
            guard r.failover != nil else { c.error("ERR No failover in progress."); return }
            e.abortFailover("Failover manually aborted")
            c.ok()
            return
        }
        var timeout: Int64 = 0, force = false, host: String? = nil, port: Int64 = 0
        var j = 1
        while j < c.argv.count {
            if c.argv.isEqual(j, "timeout") && j + 1 < c.argv.count && timeout == 0 {
                guard let t = c.argv.int(j + 1) else { c.error(WireError.notInteger); return }
                if t <= 0 { c.error("ERR FAILOVER timeout must be greater than 0"); return }
                timeout = t
                j += 2
            } else if c.argv.isEqual(j, "to") && j + 2 < c.argv.count && host == nil {
                guard let p = c.argv.int(j + 2) else { c.error(WireError.notInteger); return }
                host = c.argv.string(j + 1)
                port = p
                j += 3
            } else if c.argv.isEqual(j, "force") && !force {
                force = true
                j += 1
            } else {
                c.syntaxError()
                return
            }
        }
        if r.failover != nil { c.error("ERR FAILOVER already in progress."); return }
        if r.isReplica { c.error("ERR FAILOVER is not valid when server is a replica."); return }
        if r.replicas.isEmpty { c.error("ERR FAILOVER requires connected replicas."); return }
        if force && (timeout == 0 || host == nil) {
            c.error("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
            return
        }
        if let h = host {
            guard let target = e.findReplica(h, Int(port)) else {
                c.error("ERR FAILOVER target HOST and PORT is not a replica.")
                return
            }
            if !target.isOnline { c.error("ERR FAILOVER target replica is not online."); return }
            e.persistence.log?("FAILOVER requested to \(h):\(port).")
        } else {
            e.persistence.log?("FAILOVER requested to any replica.")
        }
        r.failover = FailoverJob(host: host, port: Int(port), force: force, deadline: timeout == 0 ? 0 : e.now + timeout)
        c.ok()
        e.updateFailoverStatus()
    }

    /// Redis's findReplica: by announced (or peer) address and listening port.
    func findReplica(_ host: String, _ port: Int) -> ReplicaEntry? {
        replication.replicas.first { e in
            (e.ip ?? ReplicationCommands.hostOf(e.client.addr)) == host && e.listeningPort == port && !e.client.closeASAP
        }
    }

    /// Writes are held while a failover runs (Redis's PAUSE_DURING_FAILOVER).
    public var failoverPausesWrites: Bool { replication.failover != nil }

    /// Redis's updateFailoverStatus: from the cron and after each ACK.
    public func updateFailoverStatus() {
        let r = replication
        guard let f = r.failover, f.state == .waitingForSync else { return }
        if f.deadline != 0 && f.deadline <= now {
            if f.force, let h = f.host {
                persistence.log?("FAILOVER to \(h):\(f.port) time out exceeded, failing over.")
                failoverSwitch(f)
            } else {
                abortFailover("Replica never caught up before timeout")
            }
            return
        }
        var target: ReplicaEntry? = nil
        if let h = f.host {
            target = findReplica(h, f.port)
        } else if let e = r.replicas.first(where: { $0.ackOffset == r.offset && $0.isOnline }) {
            target = e
            f.host = e.ip ?? ReplicationCommands.hostOf(e.client.addr)
            f.port = e.listeningPort
        }
        if let t = target, t.ackOffset == r.offset {
            persistence.log?("Failover target \(f.host ?? ""):\(f.port) is synced, failing over.")
            failoverSwitch(f)
        }
    }

    /// failover-in-progress: follow the target; the link's PSYNC says FAILOVER.
    func failoverSwitch(_ f: FailoverJob) {
        let r = replication
        guard let host = f.host else { return }
        f.state = .inProgress
        r.masterHost = host
        r.masterPort = f.port
        r.linkState = "connect"
        r.linkDownSince = 0
        disconnectReplicas()
        setReplicaMode(true)
        r.onReplicaOf?(host, f.port)
    }

    /// The new master answered our FAILOVER PSYNC: done, writes resume.
    public func failoverCompleted() {
        guard replication.failover?.state == .inProgress else { return }
        replication.failover = nil
        persistence.log?("Failover completed")
    }

    /// Redis's abortFailover: back to master when the switch had begun; writes resume.
    public func abortFailover(_ why: String) {
        let r = replication
        guard let f = r.failover else { return }
        persistence.warn?("FAILOVER aborted: \(why)")
        r.failover = nil
        if f.state == .inProgress && r.isReplica {
            // replicationUnsetMaster: master again, with a new history (replid2 = the old one,
            // so the former replicas continue partially).
            replicationPromote()
            setReplicaMode(false)
            r.onReplicaOf?(nil, 0)
        }
    }

    /// PSYNC <replid> <offset> FAILOVER on a replica of the sender: promote first
    /// (replicationUnsetMaster), so the PSYNC continues from our replid2.
    func acceptFailoverPsync(_ c: Call, replid: String) -> Bool {
        let r = replication
        guard replid == r.replid else {
            c.error("ERR PSYNC FAILOVER replid must match my replid.")
            return false
        }
        if r.isReplica {
            replicationPromote()
            config.setInternal("replicaof", ["no", "one"])
            setReplicaMode(false)
            r.onReplicaOf?(nil, 0)
            persistence.log?("MASTER MODE enabled (failover request from '\(c.client.addr)')")
        }
        return true
    }
}
