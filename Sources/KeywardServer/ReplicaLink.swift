// The replica's connection to its master while it handshakes and receives the RDB (Redis's
// syncWithMaster / readSyncBulkPayload): a non-blocking connect, then bytes go through the pure
// `ReplicaHandshake` and its actions are carried out here. Once the stream starts, the socket
// becomes an ordinary Connection whose client is the master (Server+Replication.swift).

#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Engine

final class ReplicaLink: FileEventHandler {
    let fd: Int32
    unowned let server: Server
    let handshake: ReplicaHandshake
    var connected = false
    var done = false
    let startedAt: Int64

    init(fd: Int32, server: Server, handshake: ReplicaHandshake) {
        self.fd = fd
        self.server = server
        self.handshake = handshake
        self.startedAt = unixMillis()
    }

    func writable() {
        if done || connected { return }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        if err != 0 {
            server.replicaLinkFailed(self, "Error condition on socket for SYNC: \(String(cString: strerror(err)))")
            return
        }
        connected = true
        server.loop.setWritable(fd, false)
        server.engine.replication.linkState = "handshake"
        server.log(.notice, "Master replied to PING, replication can continue...")
        perform(handshake.start())
    }

    func readable() {
        if done || !connected { return }
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while !done {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { server.replicaLinkFailed(self, "Master closed the connection during the sync"); return }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { return }
                server.replicaLinkFailed(self, "Error reading from master: \(String(cString: strerror(errno)))")
                return
            }
            server.engine.stats.netInputBytes += Int64(n)
            perform(handshake.feed(Array(buf[0..<n])))
        }
    }

    func perform(_ actions: [ReplicaHandshake.Action]) {
        for a in actions where !done {
            switch a {
            case .send(let bytes):
                if !writeAll(bytes) { server.replicaLinkFailed(self, "Error writing to master"); return }
            case .transferStarted:
                server.log(.notice, "Full resync from master")
                server.engine.replication.linkState = "sync"
            case .fullResync(let replid, let offset, let rdb):
                server.log(.notice, "MASTER <-> REPLICA sync: Loading DB in memory (\(rdb.count) bytes)")
                // Clients are served (-LOADING) during the load; the link itself is not read
                // until the load is over (its handshake is mid-action).
                server.loop.setReadable(fd, false)
                defer { if !done { server.loop.setReadable(fd, true) } }
                // The AOF describes the old dataset: stopped for the load, then started over
                // from the synced one by a background rewrite (readSyncBulkPayload's
                // stopAppendOnly, restartAOFAfterSYNC).
                let aofWasOn = server.aof.isOn
                if aofWasOn { server.aof.stop() }
                do {
                    _ = try server.engine.withLoading(totalBytes: rdb.count) {
                        try rdb.withUnsafeBytes { try server.engine.loadRdb($0) }
                    }
                } catch {
                    if aofWasOn { server.aof.restartAfterSync() }
                    server.replicaLinkFailed(self, "Failed trying to load the MASTER synchronization DB from socket: \(error)")
                    return
                }
                server.engine.replicationDidFullSync(replid: replid, offset: offset)
                server.engine.failoverCompleted()
                if aofWasOn { server.aof.restartAfterSync() }
                server.log(.notice, "MASTER <-> REPLICA sync: Finished with success")
            case .continued(let replid):
                server.log(.notice, "Successful partial resynchronization with master.")
                server.engine.replicationDidContinue(replid: replid)
                server.engine.failoverCompleted()
            case .stream(let rest):
                done = true
                server.masterLinkEstablished(self, leftover: rest)
            case .retry(let why):
                server.replicaLinkFailed(self, why)
                return
            }
        }
    }

    func writeAll(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { usleep(1000); continue }
                return false
            }
            off += n
        }
        return true
    }
}

/// A non-blocking TCP connect to host:port; the fd becomes writable when it completes.
func connectNonBlocking(host: String, port: Int) -> Int32? {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var res: UnsafeMutablePointer<addrinfo>? = nil
    guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else { return nil }
    defer { freeaddrinfo(res) }
    let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    if fd < 0 { return nil }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
        close(fd)
        return nil
    }
    return fd
}
