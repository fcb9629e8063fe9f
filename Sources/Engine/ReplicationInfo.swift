// INFO replication (field names and order as Redis 7.0's genRedisInfoString) and the
// replication hooks the engine installs at start.

extension Engine {
    func installReplicationHooks() {
        replication.readOnly = config.bool("replica-read-only")
        config.onChange("replica-read-only") { [unowned self] v in self.replication.readOnly = v.boolValue }
        replication.serveStaleData = config.bool("replica-serve-stale-data")
        config.onChange("replica-serve-stale-data") { [unowned self] v in self.replication.serveStaleData = v.boolValue }
        clientGoneHooks.append { [unowned self] c in self.replicationClientGone(c) }
        let refreshMin: (ConfigValue) -> Void = { [unowned self] _ in
            let lag = self.config.int("min-replicas-max-lag")
            self.minReplicasToWrite = lag == 0 ? 0 : Int(self.config.int("min-replicas-to-write"))
        }
        refreshMin(.number(0))
        config.onChange("min-replicas-to-write", refreshMin)
        config.onChange("min-replicas-max-lag", refreshMin)
        serverState.infoHooks["stats", default: []].append { e, f in
            let r = e.replication
            f["sync_full"] = String(r.syncFull)
            f["sync_partial_ok"] = String(r.syncPartialOK)
            f["sync_partial_err"] = String(r.syncPartialErr)
        }
    }

    /// Switches the replica behaviours on or off (called by REPLICAOF and the link).
    public func setReplicaMode(_ on: Bool) {
        replicaKeepsExpired = on
        if !on { applyingMaster = false }
        adminRoleMayHaveChanged()
    }

    /// Redis's checkGoodReplicasStatus: replicas whose last ACK is within min-replicas-max-lag.
    var hasGoodReplicas: Bool {
        let r = replication
        if r.isReplica { return true }
        let maxLag = config.int("min-replicas-max-lag")
        let good = r.replicas.filter { !$0.client.closeASAP && $0.isOnline && (now - $0.ackTime) / 1000 <= maxLag }.count
        return good >= minReplicasToWrite
    }

    func replicationInfo() -> InfoFields {
        let r = replication
        var f = InfoFields()
        f.add("role", role)
        if let host = r.masterHost {
            let up = r.linkState == "connected"
            f.add("master_host", host)
            f.add("master_port", String(r.masterPort))
            f.add("master_link_status", up ? "up" : "down")
            let io = r.masterClient.map { String(max(0, (now - $0.lastInteraction) / 1000)) } ?? "-1"
            f.add("master_last_io_seconds_ago", up ? io : "-1")
            f.add("master_sync_in_progress", r.linkState == "sync" ? "1" : "0")
            let off = r.hasSynced ? r.offset : (r.offset == 0 ? 1 : r.offset)
            f.add("slave_read_repl_offset", String(off))
            f.add("slave_repl_offset", String(off))
            if !up {
                f.add("master_link_down_since_seconds", r.linkDownSince == 0 ? "-1" : String((now - r.linkDownSince) / 1000))
            }
            f.add("slave_priority", config.string("replica-priority"))
            f.add("slave_read_only", r.readOnly ? "1" : "0")
            f.add("replica_announced", config.bool("replica-announced") ? "1" : "0")
        }
        f.add("connected_slaves", String(r.replicas.count))
        for (i, s) in r.replicas.enumerated() {
            let ip = s.ip ?? ReplicationCommands.hostOf(s.client.addr)
            let state = s.stateName
            let lag = state == "online" ? max(0, (now - s.ackTime) / 1000) : 0
            f.add("slave\(i)", "ip=\(ip),port=\(s.listeningPort),state=\(state),offset=\(s.ackOffset),lag=\(lag)")
        }
        f.add("master_failover_state", r.failover?.state.rawValue ?? "no-failover")
        f.add("master_replid", r.replid)
        f.add("master_replid2", r.replid2)
        f.add("master_repl_offset", String(r.offset))
        f.add("second_repl_offset", String(r.secondOffset))
        f.add("repl_backlog_active", r.backlog == nil ? "0" : "1")
        f.add("repl_backlog_size", config.string("repl-backlog-size"))
        f.add("repl_backlog_first_byte_offset", String(r.backlog?.firstByteOffset ?? 0))
        f.add("repl_backlog_histlen", String(r.backlog?.histlen ?? 0))
        return f
    }
}
