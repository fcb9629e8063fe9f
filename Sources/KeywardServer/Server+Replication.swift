// The replica role's network side: following a master (REPLICAOF, the replicaof config),
// reconnecting after a dropped link with PSYNC, acking the applied offset every second, and
// applying the stream through a Connection whose client is the master (no replies, except
// REPLCONF ACK). The master side lives in the engine (Replication.swift); here it only needs
// replicas' output flushed.

#if canImport(Glibc)
import Glibc
#endif
import Engine
import RESP

extension Server {
    func installReplication() {
        engine.replication.onReplicaOf = { [unowned self] host, port in self.replicaOf(host, port) }
        let conf = engine.config.string("replicaof").split(separator: " ").map(String.init)
        if conf.count == 2, let port = Int(conf[1]) {
            engine.replication.masterHost = conf[0]
            engine.replication.masterPort = port
            engine.setReplicaMode(true)
            logger.role = "S"
        }
    }

    /// REPLICAOF host port (or NO ONE when host is nil): drops the current link; the cron
    /// connects to the new master.
    func replicaOf(_ host: String?, _ port: Int) {
        dropMasterLink()
        engine.setReplicaMode(host != nil)
        logger.role = host == nil ? "M" : "S"
        if let host {
            log(.notice, "Connecting to MASTER \(host):\(port)")
            connectToMaster()
        } else {
            log(.notice, "MASTER MODE enabled (user request)")
        }
    }

    func dropMasterLink() {
        if let l = replicaLink {
            l.done = true
            loop.remove(l.fd)
            closeSocket(l.fd)
            replicaLink = nil
        }
        if let m = engine.replication.masterClient, let c = connections[m.fd] { close(c) }
    }

    func connectToMaster() {
        let r = engine.replication
        guard let host = r.masterHost, replicaLink == nil, r.masterClient == nil else { return }
        guard let fd = connectNonBlocking(host: host, port: r.masterPort) else {
            log(.warning, "Unable to connect to MASTER: \(String(cString: strerror(errno)))")
            return
        }
        let pass = engine.config.string("masterauth")
        let user = engine.config.string("masteruser")
        let auth: (user: String?, password: String)? = pass.isEmpty ? nil : (user.isEmpty ? nil : user, pass)
        // PSYNC names our history: the master's id once synced, or ours (a former master
        // joining its promoted replica can continue).
        let cached: (replid: String, offset: Int64)? = (r.hasSynced || r.backlog != nil) ? (r.replid, r.offset + 1) : nil
        let announcedPort = Int(engine.config.int("replica-announce-port"))
        let hs = ReplicaHandshake(listeningPort: announcedPort != 0 ? announcedPort : port, auth: auth, cached: cached)
        let ip = engine.config.string("replica-announce-ip")
        if !ip.isEmpty { hs.announceIP = ip }
        hs.failover = r.failover?.state == .inProgress
        let link = ReplicaLink(fd: fd, server: self, handshake: hs)
        do { try loop.add(fd, link, write: true) } catch { closeSocket(fd); return }
        replicaLink = link
        r.linkState = "connecting"
        log(.notice, "MASTER <-> REPLICA sync started")
    }

    func replicaLinkFailed(_ link: ReplicaLink, _ why: String) {
        log(.warning, why)
        link.done = true
        loop.remove(link.fd)
        closeSocket(link.fd)
        if replicaLink === link { replicaLink = nil }
        let r = engine.replication
        // A failed attempt leaves master_link_down_since alone (only a lost link sets it).
        r.linkState = "connect"
        // The FAILOVER target didn't take over: master again (Redis's abortFailover).
        if r.failover?.state == .inProgress { engine.abortFailover("Failover target rejected psync request or could not be reached") }
    }

    /// The handshake is over: the socket becomes the master client's connection.
    func masterLinkEstablished(_ link: ReplicaLink, leftover: [UInt8]) {
        loop.remove(link.fd)
        replicaLink = nil
        let r = engine.replication
        let client = ClientState(id: nextClientID)
        nextClientID += 1
        client.fd = link.fd
        client.isMaster = true
        client.authenticated = true
        client.db = r.masterDb
        let peer = peerAddress(link.fd)
        client.addr = formatAddr(peer.ip, peer.port)
        let local = localAddress(link.fd)
        client.laddr = formatAddr(local.ip, local.port)
        client.createdAt = unixMillis()
        client.lastInteraction = client.createdAt
        let c = Connection(fd: link.fd, client: client, server: self)
        do { try loop.add(link.fd, c) } catch { closeSocket(link.fd); return }
        connections[link.fd] = c
        engine.clients[client.id] = client
        r.masterClient = client
        r.linkState = "connected"
        r.linkDownSince = 0
        lastReplicaAck = 0
        masterTransaction.removeAll()
        log(.notice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization or finished the full sync.")
        if !leftover.isEmpty {
            c.query.append(leftover)
            c.processInput()
        }
        sendReplicaAck()
    }

    /// Called by the master's Connection after each command of the stream: the bytes count
    /// toward our offset and go to our own replicas and backlog (Redis relays the master's
    /// stream verbatim).
    func masterCommandApplied(_ c: Connection, _ bytes: UnsafeRawBufferPointer) {
        let r = engine.replication
        if r.ackRequested {
            r.ackRequested = false
            sendReplicaAck()
        }
        // Inside MULTI nothing is applied yet: the offset moves (and the bytes are relayed) at
        // EXEC, so a link lost mid-transaction resumes from MULTI (Redis's commandProcessed).
        if c.client.multi != nil {
            masterTransaction.append(contentsOf: bytes)
            return
        }
        if !masterTransaction.isEmpty {
            masterTransaction.append(contentsOf: bytes)
            masterTransaction.withUnsafeBytes { engine.feedReplicationStream($0) }
            masterTransaction.removeAll(keepingCapacity: true)
            return
        }
        engine.feedReplicationStream(bytes)
    }

    func sendReplicaAck() {
        let r = engine.replication
        guard let m = r.masterClient, let c = connections[m.fd] else { return }
        m.out.append("*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n")
        m.out.writeBulk(String(r.offset))
        lastReplicaAck = unixMillis()
        markPending(c)
    }

    /// From the server cron: reconnects, acks once a second, handshake timeout.
    func replicationCron() {
        engine.replicationCron()
        let r = engine.replication
        guard r.isReplica else { return }
        let now = unixMillis()
        if let l = replicaLink, now - l.startedAt > engine.config.int("repl-timeout") * 1000 {
            replicaLinkFailed(l, "Timeout connecting to the MASTER...")
        }
        if replicaLink == nil && r.masterClient == nil {
            if now - lastReconnectAttempt >= 1000 {
                lastReconnectAttempt = now
                connectToMaster()
            }
        } else if let m = r.masterClient {
            // A master silent for repl-timeout (it PINGs every repl-ping-replica-period) is gone.
            if now - m.lastInteraction > engine.config.int("repl-timeout") * 1000 {
                log(.warning, "MASTER timeout: no data nor PING received...")
                if let c = connections[m.fd] { close(c) }
            } else if now - lastReplicaAck >= 1000 {
                sendReplicaAck()
            }
        }
    }

    /// Writes replicas' pending output at once (payload bytes from a snapshot step).
    func flushReplicaOutput() {
        for e in engine.replication.replicas where e.client.out.readableCount > 0 {
            if let c = connections[e.client.fd], !c.closed { flush(c) }
        }
    }

    /// Replicas fed by the stream this turn need their output flushed.
    func flushReplicas() {
        engine.replicationBeforeSleep()
        for e in engine.replication.replicas where e.client.out.readableCount > 0 || e.client.closeASAP {
            if let c = connections[e.client.fd] { markPending(c) }
        }
    }
}

func peerAddress(_ fd: Int32) -> (ip: String, port: Int) {
    var ss = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &ss) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) }
    }
    return describe(&ss)
}
