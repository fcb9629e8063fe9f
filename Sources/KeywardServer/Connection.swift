// One client connection: reads into the query buffer, parses every complete command in it,
// runs each on the engine and leaves the replies in the client's output buffer. The server
// flushes all pending replies once per loop iteration (one write per batch, as Redis's
// handleClientsWithPendingWrites).

#if canImport(Glibc)
import Glibc
#endif
import Engine
import RESP

final class Connection: FileEventHandler {
    let fd: Int32
    let client: ClientState
    // unowned(unsafe): the server outlives every connection; plain unowned costs a check per access.
    unowned(unsafe) let server: Server
    var query = ByteBuffer(capacity: 16 * 1024)
    var parser: RequestParser
    var argv: UnsafeMutablePointer<UnsafeRawBufferPointer>
    var argvCapacity = 16
    var inlineScratch = ByteBuffer(capacity: 64)
    var pendingWrite = false
    var closed = false
    /// True while one of this connection's commands runs: a busy script lets the server serve
    /// other clients, and this one must not be re-entered (its argv points into `query`).
    var executing = false

    init(fd: Int32, client: ClientState, server: Server) {
        self.fd = fd
        self.client = client
        self.server = server
        self.parser = RequestParser(limits: server.parserLimits)
        self.argv = .allocate(capacity: argvCapacity)
        parser.authenticated = client.authenticated
    }

    deinit { argv.deallocate() }

    func readable() {
        if closed || executing { return }
        // Read 16 KiB, or the rest of a big bulk in one go (Redis's PROTO_IOBUF_LEN logic).
        let want = max(16 * 1024, min(parser.pendingBulkBytes, 1 << 20))
        let area = query.writableArea(minimum: want)
        let n = read(fd, area.baseAddress, min(area.count, want))
        if n == 0 { server.close(self); return }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            server.close(self)
            return
        }
        query.count += n
        server.engine.stats.netInputBytes += Int64(n)
        client.lastInteraction = server.engine.now
        if query.readableCount > server.queryBufferLimit {
            server.log(.warning, "Closing client that reached max query buffer length: id=\(client.id) addr=\(client.addr) qbuf=\(query.readableCount)")
            server.close(self)
            return
        }
        processInput()
    }

    func writable() {
        if closed || executing { return }
        server.flush(self)
    }

    /// Runs every complete command in the query buffer.
    func processInput() {
        let engine = server.engine
        engine.now = unixMillis()
        while !client.closeAfterReply && !client.closeASAP && !closed && client.blocked == nil {
            parser.authenticated = client.authenticated
            let r = parser.parse(query.readable)
            switch r {
            case .needMore:
                finishBatch()
                return
            case .skip(let used):
                if client.isMaster { server.masterCommandApplied(self, UnsafeRawBufferPointer(rebasing: query.readable[0..<used])) }
                query.readIndex += used
            case .error(let text):
                client.out.writeError(text)
                engine.countError(text)
                client.closeAfterReply = true
                query.clear()
            case .command(let used):
                if (engine.serverState.pause != nil || engine.failoverPausesWrites) && mustWaitForPause() {
                    // Leave the request in the buffer; CLIENT UNPAUSE or the deadline resumes us.
                    server.paused.append(self)
                    finishBatch()
                    return
                }
                run()
                // The master's stream: count the bytes, relay them, answer GETACK.
                if client.isMaster { server.masterCommandApplied(self, UnsafeRawBufferPointer(rebasing: query.readable[0..<used])) }
                query.readIndex += used
            }
        }
        finishBatch()
    }

    func finishBatch() {
        if query.readIndex == query.count { query.clear() } else if query.readIndex > 0 && query.readIndex >= query.capacity / 2 { query.compact() }
        client.queryBufferSize = query.readableCount
        client.queryBufferFree = query.capacity - query.count
        server.markPending(self)
    }

    /// Points argv at the parsed arguments and executes.
    func run() {
        if parser.isInline {
            // Inline arguments were unescaped into arrays; copy them into one scratch buffer so
            // argv can point at stable bytes for the duration of the call.
            let args = parser.inlineArgs
            ensureArgv(args.count)
            inlineScratch.clear()
            for a in args { inlineScratch.append(a) }
            var off = 0
            let base = UnsafeRawPointer(inlineScratch.base)
            for (i, a) in args.enumerated() {
                argv[i] = UnsafeRawBufferPointer(start: base + off, count: a.count)
                off += a.count
            }
            execute(args.count)
        } else {
            let base = query.readable.baseAddress!
            let ranges = parser.args
            ensureArgv(ranges.count)
            for i in 0..<ranges.count {
                let r = ranges[i]
                argv[i] = UnsafeRawBufferPointer(start: base + r.offset, count: r.count)
            }
            execute(ranges.count)
        }
    }

    @inline(__always) func execute(_ argc: Int) {
        let before = client.replyMode
        let mark = client.out.count
        executing = true
        server.engine.execute(client, Argv(argv, count: argc))
        executing = false
        // CLIENT REPLY OFF|SKIP: drop what this command wrote.
        let after = client.replyMode
        // The master gets no replies (REPLCONF ACK is written after the command).
        if after == .off || before == .skipThis || client.isMaster { client.out.count = mark }
        if before == .skipThis && after == .skipThis { client.replyMode = .on }
        if after == .skipNext { client.replyMode = .skipThis }
    }

    /// True when CLIENT PAUSE holds the parsed command (looked up only while a pause is set).
    func mustWaitForPause() -> Bool {
        let name: UnsafeRawBufferPointer
        if parser.isInline {
            guard let first = parser.inlineArgs.first else { return false }
            return first.withUnsafeBytes { raw in
                guard let spec = server.engine.table.lookup(raw) else { return false }
                return server.engine.isPaused(client, spec)
            }
        }
        guard let r = parser.args.first else { return false }
        name = UnsafeRawBufferPointer(start: query.readable.baseAddress! + r.offset, count: r.count)
        guard let spec = server.engine.table.lookup(name) else { return false }
        return server.engine.isPaused(client, spec)
    }

    func ensureArgv(_ n: Int) {
        if n <= argvCapacity { return }
        argv.deallocate()
        argvCapacity = max(n, argvCapacity * 2)
        argv = .allocate(capacity: argvCapacity)
    }
}
