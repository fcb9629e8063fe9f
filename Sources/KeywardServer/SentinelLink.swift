// One outbound sentinel link (Redis's instanceLink: a hiredis async context): a non-blocking
// socket on the event loop that pipelines commands and hands each reply, in order, to the
// runtime together with what it answers. Replies are parsed with the shared RESP reply parser.
// A command link carries PING/INFO/PUBLISH/votes/failover blocks; a pub/sub link only
// SUBSCRIBEs to the hello channel and delivers the messages.

#if canImport(Glibc)
import Glibc
#endif
import Engine
import RESP

final class SentinelLink: FileEventHandler {
    enum Kind { case command, pubsub }
    /// What a pending reply answers (the runtime feeds the core accordingly).
    enum Expect { case ping, info, masterDown, ignore }

    let id: SentinelInstanceID
    let kind: Kind
    let fd: Int32
    unowned let runtime: SentinelRuntime
    var connected = false
    var closed = false
    var input: [UInt8] = []
    var output: [UInt8] = []
    var pending: [Expect] = []
    var pendingHead = 0
    var openedAt: Int64 = 0
    /// Last time anything arrived (pub/sub liveness).
    var lastActivity: Int64 = 0

    init(id: SentinelInstanceID, kind: Kind, fd: Int32, runtime: SentinelRuntime) {
        self.id = id; self.kind = kind; self.fd = fd; self.runtime = runtime
    }

    var pendingCount: Int { pending.count - pendingHead }

    func writable() {
        if closed { return }
        if !connected {
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { runtime.linkFailed(self); return }
            connected = true
            runtime.linkUp(self)
            if closed { return }
        }
        flushOutput()
    }

    func readable() {
        if closed || !connected {
            // EPOLLERR/HUP before the connect completed: writable() sees the error.
            return
        }
        var buf = [UInt8](repeating: 0, count: 16 * 1024)
        while !closed {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { runtime.linkFailed(self); return }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { break }
                runtime.linkFailed(self); return
            }
            input.append(contentsOf: buf[0..<n])
            lastActivity = unixMillis()
        }
        var consumed = 0
        while !closed {
            let parsed: (RESPValue, Int)?
            do {
                parsed = try input.withUnsafeBytes { raw in
                    try parseRESPValue(UnsafeRawBufferPointer(rebasing: raw[consumed...]))
                }
            } catch {
                runtime.linkFailed(self); return
            }
            guard let (value, n) = parsed else { break }
            consumed += n
            deliver(value)
        }
        if !closed, consumed > 0 { input.removeFirst(consumed) }
    }

    func deliver(_ v: RESPValue) {
        if kind == .pubsub {
            // Subscribed: everything is push-shaped; only messages matter.
            if case .array(let a) = v, a.count == 3, case .bulk(let t) = a[0], t == Array("message".utf8),
               case .bulk(let payload) = a[2] {
                runtime.helloReceived(String(decoding: payload, as: UTF8.self))
            }
            return
        }
        guard pendingHead < pending.count else { return }
        let what = pending[pendingHead]
        pendingHead += 1
        if pendingHead == pending.count { pending.removeAll(keepingCapacity: true); pendingHead = 0 }
        runtime.reply(self, what, v)
    }

    /// Queues one command; its reply will be delivered as `expect`.
    func send(_ argv: [String], _ expect: Expect) {
        output.append(contentsOf: Array("*\(argv.count)\r\n".utf8))
        for a in argv {
            output.append(contentsOf: Array("$\(a.utf8.count)\r\n".utf8))
            output.append(contentsOf: Array(a.utf8))
            output.append(contentsOf: [13, 10])
        }
        if kind == .command { pending.append(expect) }
    }

    func flushOutput() {
        guard connected, !closed else { return }
        var off = 0
        while off < output.count {
            let n = output.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                runtime.linkFailed(self); return
            }
            off += n
        }
        if off > 0 { output.removeFirst(off) }
        runtime.server.loop.setWritable(fd, !output.isEmpty)
    }

    func close() {
        guard !closed else { return }
        closed = true
        runtime.server.loop.remove(fd)
        closeSocket(fd)
    }
}
