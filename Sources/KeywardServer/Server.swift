// keyward-server's network side: listeners, connections, the flush of pending replies, the
// cron (active expiry, client timeouts), signals and shutdown. All on one thread.

#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Engine
import RESP

public final class Server {
    public let engine: Engine
    public let loop: EventLoop
    public var options: ServerOptions
    public let logger = Logger()
    var listeners: [Listener] = []
    var connections: [Int32: Connection] = [:]
    var pending: [Connection] = []
    /// Connections holding a command until CLIENT PAUSE ends.
    var paused: [Connection] = []
    var nextClientID: Int64 = 1
    var walkPace = WalkPace()
    var signalFD: Int32 = -1
    var parserLimits = ParserLimits()
    let lazyFree = LazyFree()
    var queryBufferLimit: Int { options.queryBufferLimit }
    /// Actual listening port (differs from options.port when it was 0).
    public internal(set) var port = 0
    /// The append-only file (AppendOnly.swift).
    var aof: AppendOnly! = nil
    /// Reads an RDB image at the start of `bytes` into the engine and returns its length (an
    /// AOF base or preamble); set by the RDB loader.
    var loadRdbPreamble: (([UInt8]) throws -> Int)? = nil
    /// DUMP payload of a value without a command form (Bloom filters) for AOF rewrites.
    var dumpValue: ((Value) -> [UInt8]?)? = nil
    /// The replica's link to its master while it handshakes (Server+Replication.swift).
    var replicaLink: ReplicaLink? = nil
    var lastReplicaAck: Int64 = 0
    var lastReconnectAttempt: Int64 = 0
    /// The master's stream bytes of a transaction not yet EXECed (Server+Replication.swift).
    var masterTransaction: [UInt8] = []
    /// Sentinel mode's links and timer (Server+Sentinel.swift); nil for a normal server.
    var sentinelRuntime: SentinelRuntime? = nil

    public init(engine: Engine, options: ServerOptions) throws {
        self.engine = engine
        self.options = options
        self.loop = try EventLoop()
        logger.level = options.logLevel
        logger.path = options.logFile
        parserLimits.maxBulkLen = options.maxBulkLen
        aof = AppendOnly(server: self)
        loadRdbPreamble = { [unowned engine] bytes in
            try bytes.withUnsafeBytes { try engine.loadRdb($0).bytesRead }
        }
        dumpValue = { [unowned engine] v in
            PersistenceCommands.payload(of: v, compression: engine.config.bool("rdbcompression"))
        }
        installConfigHooks()
        lazyFree.start()
        engine.lazyFree = { [lazyFree] d in lazyFree.submit(d) }
        engine.persistence.log = { [logger] in logger.log(.notice, $0) }
        engine.persistence.warn = { [logger] in logger.log(.warning, $0) }
    }

    func log(_ l: LogLevel, _ s: String) { logger.log(l, s) }

    /// Opens the listeners; throws (with Redis's message) when none can be opened.
    public func listen() throws {
        var opened = 0
        for raw in options.bind {
            let optional = raw.hasPrefix("-")
            let host = optional ? String(raw.dropFirst()) : raw
            do {
                let fd = try Listener.open(host: host, port: options.port, backlog: options.tcpBacklog)
                let l = Listener(fd: fd, address: host, server: self)
                try loop.add(fd, l)
                listeners.append(l)
                if port == 0 { port = localAddress(fd).port }
                opened += 1
            } catch let e as ListenError {
                if optional && (e.errno == EADDRNOTAVAIL || e.errno == EAFNOSUPPORT || e.errno == EPROTONOSUPPORT) { continue }
                log(.warning, "Warning: \(e.description)")
                throw ServerStartError("Failed listening on port \(options.port) (TCP), aborting.")
            }
        }
        if opened == 0 { throw ServerStartError("Failed listening on port \(options.port) (TCP), aborting.") }
    }

    /// Installs signal handling, timers and hooks, then runs until shutdown.
    public func run() throws {
        try setupSignals()
        loop.beforeSleep.append { [unowned self] in self.beforeSleep() }
        loop.wakeupHint = { [unowned self] in
            // A BGSAVE walk in progress: keep stepping it instead of sleeping.
            var snap = self.engine.backgroundSaveWakeup.map { Int64($0) * 1000 }
            if snap == 0, let rest = self.walkPace.restMicros { snap = rest }
            guard let d = self.engine.nextBlockingDeadline else { return snap }
            let blocked = (d - unixMillis() + 1) * 1000
            return snap.map { min($0, blocked) } ?? blocked
        }
        engine.activeExpire.hz = options.hz
        engine.whileBusy = { [unowned self] in self.processEventsWhileBusy() }
        engine.scripting.log = { [unowned self] level, text in
            self.log(LogLevel(rawValue: level) ?? .notice, text)
        }
        loop.addTimer(ms: max(1, 1000 / max(1, options.hz)), repeats: true) { [unowned self] in self.cron() }
        installReplication()
        installSentinel()
        log(.notice, "Ready to accept connections tcp")
        loop.run()
    }

    // MARK: connections

    func accepted(_ fd: Int32, peer: (ip: String, port: Int)) {
        engine.stats.totalConnections += 1
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if connections.count >= options.maxClients {
            let msg = "-ERR max number of clients reached\r\n"
            _ = msg.withCString { write(fd, $0, strlen($0)) }
            engine.stats.rejectedConnections += 1
            Glibc.close(fd)
            return
        }
        if options.protectedMode && engine.requirePass == nil && !isLoopback(peer.ip) {
            _ = protectedModeMessage.withCString { write(fd, $0, strlen($0)) }
            engine.stats.rejectedConnections += 1
            Glibc.close(fd)
            return
        }
        let client = ClientState(id: nextClientID)
        nextClientID += 1
        client.fd = fd
        client.addr = formatAddr(peer.ip, peer.port)
        let local = localAddress(fd)
        client.laddr = formatAddr(local.ip, local.port)
        client.createdAt = unixMillis()
        client.lastInteraction = client.createdAt
        client.authenticated = engine.requirePass == nil
        let c = Connection(fd: fd, client: client, server: self)
        do { try loop.add(fd, c) } catch { Glibc.close(fd); return }
        connections[fd] = c
        engine.clients[client.id] = client
    }

    func close(_ c: Connection) {
        guard !c.closed else { return }
        c.closed = true
        loop.remove(c.fd)
        closeSocket(c.fd)
        connections[c.fd] = nil
        engine.clientGone(c.client)
    }

    func markPending(_ c: Connection) {
        if !c.pendingWrite && (c.client.out.readableCount > 0 || c.client.closeAfterReply || c.client.closeASAP) {
            c.pendingWrite = true
            pending.append(c)
        }
    }

    /// Writes as much of the client's output as the socket takes.
    func flush(_ c: Connection) {
        if c.client.closeASAP { close(c); return }
        if aof.buffer.readableCount > 0 { aof.flush() }
        while c.client.out.readableCount > 0 {
            let r = c.client.out.readable
            let n = write(c.fd, r.baseAddress, r.count)
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { break }
                close(c)
                return
            }
            c.client.out.readIndex += n
            engine.stats.netOutputBytes += Int64(n)
        }
        if c.client.out.readableCount == 0 {
            c.client.out.clear()
            if c.client.out.capacity > 1 << 20 { c.client.out.compact() }
            loop.setWritable(c.fd, false)
            if c.client.closeAfterReply { close(c) }
        } else {
            loop.setWritable(c.fd, true)
        }
    }

    func beforeSleep() {
        engine.now = unixMillis()
        if engine.serverState.activeExpireEnabled && !isPausedForWrites && !engine.replication.isReplica { engine.activeExpireCycle(fast: true) }
        engine.handleBlockedTimeouts()
        resumeUnblockedClients()
        // Monitors and killed clients may have output without having sent anything.
        for m in engine.monitors where m.out.readableCount > 0 {
            if let c = connections[m.fd] { markPending(c) }
        }
        // Subscribers that received published messages.
        for s in engine.pubsub.takeWritten() {
            if let c = connections[s.fd] { markPending(c) }
        }
        flushReplicas()
        // Commands reach the AOF before their replies reach clients.
        aof.flush()
        var i = 0
        while i < pending.count {
            let c = pending[i]
            c.pendingWrite = false
            if !c.closed { flush(c) }
            i += 1
        }
        pending.removeAll(keepingCapacity: true)
        // A slice of the BGSAVE walk per loop iteration (Snapshot.swift), after the replies went
        // out so they don't wait for it. When the walk only hands entries over (the writer
        // thread encodes them) it gets 30% of the wall clock in 30 us slices with sleeps between
        // them, longer after a busy iteration (`walkPace`): that keeps it ahead of the writer
        // without this thread spinning, so clients sharing its CPU aren't queued behind it.
        // Unpaced, a step runs up to 200 us; once 20 us have passed it steps aside as soon as a
        // socket is ready.
        if engine.backgroundSaveInProgress && walkPace.mayStep(engine.backgroundSaveMayRest, busy: loop.lastDispatchMicros) {
            let loop = self.loop
            let t0 = monotonicMicros()
            engine.backgroundSaveStep(micros: walkPace.stepMicros, minMicros: walkPace.stepAsideAfter,
                                      yieldIf: { loop.hasReadyEvents() })
            walkPace.spent(monotonicMicros() - t0)
            // A full sync's payload produced by the step goes out now, not after the next sleep.
            if !engine.replication.replicas.isEmpty { flushReplicaOutput() }
        }
        aof.updateStatus()
        if !paused.isEmpty && !engine.failoverPausesWrites && (engine.serverState.pause.map { $0.deadline <= engine.now } ?? true) { resumePausedClients() }
        // Clients killed by CLIENT KILL from another connection.
        for (_, c) in connections where c.client.closeASAP { close(c) }
        if let req = engine.shutdownRequest {
            engine.shutdownRequest = nil
            shutdown(req)
        }
    }

    /// Called about every 100 ms while a script runs past busy-reply-threshold: serves other
    /// clients once (they get BUSY unless their command is allow-busy) and flushes replies.
    /// SHUTDOWN NOSAVE cannot wait for the script to end, so it exits from here.
    func processEventsWhileBusy() {
        loop.pollOnce()
        var i = 0
        while i < pending.count {
            let c = pending[i]
            if !c.executing {
                c.pendingWrite = false
                if !c.closed { flush(c) }
                pending.remove(at: i)
            } else {
                i += 1
            }
        }
        if let req = engine.shutdownRequest {
            engine.shutdownRequest = nil
            shutdown(req)
            exit(0)
        }
    }

    // MARK: cron

    func cron() {
        engine.now = unixMillis()
        engine.serverCron()
        if engine.serverState.activeExpireEnabled && !isPausedForWrites && !engine.replication.isReplica { engine.activeExpireCycle(fast: false) }
        rehashIdleDatabases()
        replicationCron()
        resumePausedClients()
        aof.cron()
        engine.backgroundSaveCron()
        if options.timeoutSeconds > 0 {
            let limit = Int64(options.timeoutSeconds) * 1000
            // Monitors and subscribers are idle by design (clientsCronHandleTimeout skips them).
            for (_, c) in connections where !c.client.isMonitor && !c.client.isReplica && !c.client.isMaster && c.client.pubsub == nil && engine.now - c.client.lastInteraction > limit {
                close(c)
            }
        }
    }

    /// Clients whose blocking command was served, timed out or was unblocked: flush their
    /// reply and run whatever they pipelined behind it.
    func resumeUnblockedClients() {
        let b = engine.blocking
        while !b.unblocked.isEmpty {
            let list = b.unblocked
            b.unblocked.removeAll()
            for cl in list {
                guard let c = connections[cl.fd], c.client === cl, !c.closed else { continue }
                if c.query.readableCount > 0 { c.processInput() } else { markPending(c) }
            }
        }
    }

    func resumePausedClients() {
        guard !paused.isEmpty, !engine.failoverPausesWrites else { return }
        if let p = engine.serverState.pause, p.deadline > engine.now { return }
        engine.serverState.pause = nil
        let waiting = paused
        paused.removeAll()
        for c in waiting where !c.closed { c.processInput() }
    }

    /// Redis stops active expiry while writes are paused (it would be a write).
    var isPausedForWrites: Bool {
        if engine.failoverPausesWrites { return true }
        guard let p = engine.serverState.pause else { return false }
        return p.deadline > engine.now
    }

    /// Incremental rehash for databases nobody is writing to (Redis's incrementallyRehash:
    /// about 1 ms of work per cron run, one database at a time).
    func rehashIdleDatabases() {
        for d in engine.dbs where d.rehashStep() { break }
    }

    // MARK: signals and shutdown

    func setupSignals() throws {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signalFD = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        if signalFD < 0 { throw SystemError("signalfd") }
        try loop.add(signalFD, SignalHandler(server: self))
    }

    func signalReceived(_ signo: Int32) {
        let name = signo == SIGINT ? "SIGINT" : "SIGTERM"
        log(.warning, "Received \(name) scheduling shutdown...")
        shutdown(ShutdownRequest(save: nil))
    }

    func shutdown(_ req: ShutdownRequest) {
        log(.warning, "User requested shutdown...")
        aof.finishFirstRewriteForShutdown()
        if aof.isOn {
            log(.notice, "Calling fsync() on the AOF file.")
            aof.stop()
        }
        // A BGSAVE in progress is abandoned, as Redis kills its child; the final save below is
        // synchronous.
        engine.cancelBackgroundSave()
        // SIGTERM/SIGINT: save when save points are configured (SHUTDOWN saved already).
        if req.save ?? !engine.config.saveParams.isEmpty {
            log(.notice, "Saving the final RDB snapshot before exiting.")
            if !engine.saveRdb() && !req.force {
                log(.warning, "Error trying to save the DB, can't exit.")
                return
            }
        }
        for l in listeners { loop.remove(l.fd); Glibc.close(l.fd) }
        listeners.removeAll()
        for (_, c) in connections { flush(c) }
        if !options.pidFile.isEmpty { unlink(options.pidFile) }
        log(.warning, "Redis is now ready to exit, bye bye...")
        loop.stop()
    }
}

final class SignalHandler: FileEventHandler {
    unowned let server: Server
    init(server: Server) { self.server = server }
    func readable() {
        var info = signalfd_siginfo()
        while read(server.signalFD, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            server.signalReceived(Int32(info.ssi_signo))
        }
    }
    func writable() {}
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

func isLoopback(_ ip: String) -> Bool {
    ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
}

func formatAddr(_ ip: String, _ port: Int) -> String { "\(ip):\(port)" }

let protectedModeMessage = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"


@inline(__always) func closeSocket(_ fd: Int32) { _ = Glibc.close(fd) }
