// REPLCONF, PSYNC, SYNC, WAIT, REPLICAOF/SLAVEOF and ROLE (Redis's replication.c commands).

import RESP

enum ReplicationCommands {
    static func specs() -> [CommandSpec] {
        let admin: CommandFlags = [.admin, .noscript, .noAsyncLoading, .noMulti]
        return [
            CommandSpec("psync", arity: -3, flags: admin, categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "Internal command used for replication", since: "2.8.0", handler: psync),
            CommandSpec("sync", arity: 1, flags: admin, categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "Internal command used for replication", since: "1.0.0", handler: sync),
            CommandSpec("replconf", arity: -1, flags: [.admin, .noscript, .loading, .stale, .allowBusy],
                        categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "An internal command for configuring the replication stream", since: "3.0.0", handler: replconf),
            CommandSpec("replicaof", arity: 3, flags: [.admin, .noscript, .stale, .noAsyncLoading],
                        categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "Make the server a replica of another instance, or promote it as master.", since: "5.0.0", handler: replicaof),
            CommandSpec("slaveof", arity: 3, flags: [.admin, .noscript, .stale, .noAsyncLoading],
                        categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "Make the server a replica of another instance, or promote it as master.", since: "1.0.0", handler: replicaof),
            CommandSpec("failover", arity: -1, flags: [.admin, .noscript, .stale],
                        categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "Start a coordinated failover between this server and one of its replicas.", since: "6.2.0",
                        handler: Engine.failoverCommand),
            CommandSpec("role", arity: 1, flags: [.noscript, .loading, .stale, .fast],
                        categories: ["admin", "fast", "dangerous"], group: "server",
                        summary: "Return the role of the instance in the context of replication", since: "2.8.12", handler: role),
            CommandSpec("wait", arity: 3, flags: [.noscript], categories: ["slow", "connection"], group: "generic",
                        summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
                        since: "3.0.0", handler: wait),
        ]
    }

    static func psync(_ c: Call) {
        if c.client.isMaster { return }
        let id = c.argv.string(1)
        guard let off = c.argv.int(2) else { c.error(WireError.notInteger); return }
        if c.argv.count > 3 && c.argv.isEqual(3, "failover") && !c.engine.acceptFailoverPsync(c, replid: id) { return }
        if c.engine.replication.failover != nil {
            c.error("NOMASTERLINK Can't SYNC while failing over")
            return
        }
        c.engine.attachReplica(c, replid: id == "?" ? nil : id, offset: off, psync: true)
    }

    static func sync(_ c: Call) {
        if c.client.isMaster { return }
        c.engine.attachReplica(c, replid: nil, offset: -1, psync: false)
    }

    static func replconf(_ c: Call) {
        let e = c.engine
        let r = e.replication
        if c.argv.count % 2 == 0 { c.error(WireError.syntax); return }
        var i = 1
        while i < c.argv.count {
            let opt = c.argv.string(i).lowercased()
            let val = c.argv.string(i + 1)
            switch opt {
            case "listening-port":
                guard let p = Int(val) else { c.error(WireError.notInteger); return }
                entry(c).listeningPort = p
            case "ip-address":
                entry(c).ip = val
            case "capa":
                entry(c).capas.insert(val.lowercased())
            case "ack":
                // Replicas' acks get no reply.
                if let off = Int64(val) { e.replicaAcked(c.client, off) }
                return
            case "getack":
                if r.isReplica && c.client.isMaster { r.ackRequested = true }
                return
            case "rdb-only", "rdb-filter-only":
                break
            default:
                c.error("ERR Unrecognized REPLCONF option: \(c.argv.string(i))")
                return
            }
            i += 2
        }
        c.ok()
    }

    /// The replica being configured: attached already, or pending its PSYNC.
    static func entry(_ c: Call) -> ReplicaEntry {
        let r = c.engine.replication
        if let e = r.replicas.first(where: { $0.client === c.client }) { return e }
        if let e = r.pendingConf[c.client.id] { return e }
        let e = ReplicaEntry(client: c.client)
        r.pendingConf[c.client.id] = e
        return e
    }

    static func replicaof(_ c: Call) {
        let e = c.engine
        let r = e.replication
        if c.argv.isEqual(1, "no") && c.argv.isEqual(2, "one") {
            if r.isReplica {
                e.replicationPromote()
                e.config.setInternal("replicaof", ["no", "one"])   // CONFIG REWRITE follows
                e.setReplicaMode(false)
                r.onReplicaOf?(nil, 0)
            }
            c.ok()
            return
        }
        if c.client.isMaster { c.error("ERR Command is not valid when client is a replica."); return }
        guard let port = c.argv.int(2), port >= 0, port <= 65535 else {
            c.error("ERR Invalid master port")
            return
        }
        let host = c.argv.string(1)
        if r.masterHost == host && r.masterPort == Int(port) {
            c.simple("OK Already connected to specified master")
            return
        }
        r.masterHost = host
        r.masterPort = Int(port)
        r.linkState = "connect"
        r.linkDownSince = 0
        e.disconnectReplicas()
        e.config.setInternal("replicaof", [host, String(port)])
        e.setReplicaMode(true)
        r.onReplicaOf?(host, Int(port))
        c.ok()
    }

    static func role(_ c: Call) {
        let e = c.engine
        let r = e.replication
        if let host = r.masterHost {
            c.array(5)
            c.bulk("slave")
            c.bulk(host)
            c.int(r.masterPort)
            c.bulk(r.linkState)
            c.int(r.linkState == "connected" || r.hasSynced ? r.offset : -1)
            return
        }
        c.array(3)
        c.bulk("master")
        c.int(r.offset)
        let online = r.replicas.filter { $0.isOnline }
        c.array(online.count)
        for s in online {
            c.array(3)
            c.bulk(s.ip ?? hostOf(s.client.addr))
            c.bulk(String(s.listeningPort))
            c.bulk(String(s.ackOffset))
        }
    }

    static func hostOf(_ addr: String) -> String {
        guard let i = addr.lastIndex(of: ":") else { return addr }
        return String(addr[..<i])
    }

    static func wait(_ c: Call) {
        let e = c.engine
        let r = e.replication
        if r.isReplica {
            c.error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
            return
        }
        guard let n = c.argv.int(1) else { c.error(WireError.notInteger); return }
        guard let ms = c.argv.int(2) else { c.error("ERR timeout is not an integer or out of range"); return }
        if ms < 0 { c.error("ERR timeout is negative"); return }
        let target = c.client.replWriteOffset
        let acked = e.replicasAcked(target)
        if Int64(acked) >= n || !c.mayBlock {
            c.int(acked)
            return
        }
        let deadline = ms == 0 ? 0 : e.now + ms
        c.block(on: [], deadline: deadline, onTimeout: .custom({ [unowned e] cl in
            cl.out.writeInt(Int64(e.replicasAcked(target)))
            e.replication.waiters.removeAll { $0.client === cl }
        }))
        r.waiters.append((client: c.client, offset: target, count: Int(n)))
        r.getackPending = true
    }
}
