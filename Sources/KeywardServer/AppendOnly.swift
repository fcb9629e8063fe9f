// The append-only file, Redis 7's multi-part layout: `appenddirname/` holds a base file (the
// dataset at the last rewrite), increment files (commands since), and the manifest naming them.
// Commands reach it through the engine's AOF propagation stream; they are written before any
// reply leaves (beforeSleep, and before a writable socket is flushed), and with
// `appendfsync always` fsynced too, so an acknowledged write is on disk.

#if canImport(Glibc)
import Glibc
#endif
import Engine
import RESP

enum FsyncPolicy: String { case always, everysec, no }

/// Redis's aof_state. `waitRewrite` runs from CONFIG SET appendonly yes (or a replica's full
/// sync) until the first background rewrite lands: the commands since its instant go to a
/// temporary increment that only then joins the manifest (AppendOnly+Enable.swift).
enum AofState { case off, on, waitRewrite }

final class AppendOnly {
    unowned let server: Server
    var engine: Engine { server.engine }
    var fd: Int32 = -1
    var manifest = AofManifest()
    var buffer = ByteBuffer(capacity: 64 * 1024)
    var policy = FsyncPolicy.everysec
    var lastFsync: Int64 = 0
    var unsyncedWrites = false
    let fsyncer = AofFsync()
    /// Bytes in the increments since the last rewrite plus the base (auto rewrite compares them).
    var incrSize: Int64 = 0
    var baseSize: Int64 = 0
    var sink: ((UnsafeRawBufferPointer) -> Void)? = nil
    var state = AofState.off { didSet { engine.aof.enabled = state != .off } }

    init(server: Server) { self.server = server }

    var dirName: String { engine.config.string("appenddirname") }
    var prefix: String { engine.config.string("appendfilename") }
    var manifestName: String { prefix + ".manifest" }
    func path(_ name: String) -> String { dirName + "/" + name }
    /// appendonly is in effect (Redis's aof_state != AOF_OFF); the file may still be waiting
    /// for its first base (`state == .waitRewrite`).
    var isOn: Bool { state != .off }

    // MARK: start and stop

    /// At startup with `appendonly yes`, after loading: open the last increment (creating the
    /// base and an increment when there are none), as aofOpenIfNeededOnServerStart.
    func openOnStart() throws {
        try makeDirectory()
        state = .on
        if manifest.base == nil && manifest.incrs.isEmpty {
            try rewrite(reason: "on server start")
            return
        }
        if manifest.incrs.isEmpty {
            let seq = (manifest.history.map(\.seq).max() ?? 0) + 1
            manifest.incrs.append(.init(name: AofManifest.incrName(prefix, seq: seq), seq: seq, type: .incr))
            try persistManifest()
        }
        try openIncr(manifest.incrs.last!.name)
        attach()
    }

    /// CONFIG SET appendonly no / shutdown: flush, fsync, close.
    func stop() {
        guard isOn else { return }
        // Off first: the cancelled rewrite's completion then cleans up without counting a
        // failure or scheduling a retry (Redis kills its child with SIGUSR1).
        state = .off
        engine.aof.rewriteScheduled = false
        // A background rewrite is abandoned; the manifest still names the old base and every
        // increment (or, while waiting for the first base, is untouched or absent).
        if engine.aofRewriteInProgress { engine.cancelBackgroundSave() }
        if fd >= 0 {
            flush(force: true)
            fsyncer.drain()
            _ = fdatasync(fd)
            close(fd)
            fd = -1
        }
        detach()
    }

    func attach() {
        let s: (UnsafeRawBufferPointer) -> Void = { [unowned self] bytes in self.buffer.append(bytes) }
        sink = s
        engine.propagation.aof.sinks = [s]
        engine.propagation.aof.selectedDb = -1
        updateStatus()
    }

    func detach() {
        engine.propagation.aof.sinks = []
        sink = nil
        buffer.clear()
    }

    func makeDirectory() throws {
        if mkdir(dirName, 0o755) != 0 && errno != EEXIST {
            throw AofError("Can't open or create append-only dir \(dirName): \(errnoText())")
        }
    }

    func openIncr(_ name: String) throws {
        let f = open(path(name), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard f >= 0 else { throw AofError("Can't open the append-only file \(name): \(errnoText())") }
        if fd >= 0 { close(fd) }
        fd = f
        var st = stat()
        fstat(f, &st)
        incrSize = Int64(st.st_size)
    }

    // MARK: writing

    /// Writes the buffered commands (flushAppendOnlyFile). `force` ignores the everysec pacing.
    func flush(force: Bool = false) {
        guard fd >= 0 else { return }
        if buffer.readableCount > 0 {
            let r = buffer.readable
            var off = 0
            while off < r.count {
                let n = write(fd, r.baseAddress! + off, r.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeFailed(errnoText())
                    return
                }
                off += n
            }
            incrSize += Int64(r.count)
            buffer.clear()
            unsyncedWrites = true
            engine.aof.lastWriteOK = true
        }
        guard unsyncedWrites else { return }
        switch policy {
        case .always:
            if fdatasync(fd) != 0 {
                // A write we can't make durable must not be acknowledged (Redis exits too).
                server.log(.warning, "Can't recover from AOF write error when the AOF fsync policy is 'always' (fsync: \(errnoText())). Exiting...")
                exit(1)
            }
            unsyncedWrites = false
            lastFsync = engine.now
        case .everysec:
            if force || engine.now - lastFsync >= 1000 {
                if fsyncer.submit(fd) {
                    unsyncedWrites = false
                    lastFsync = engine.now
                } else {
                    engine.aof.delayedFsync += 1
                }
            }
        case .no:
            unsyncedWrites = false
        }
        let e = fsyncer.takeError()
        if e != 0 { writeFailed("fsync: \(String(cString: strerror(e)))", errorText: String(cString: strerror(e))) }
        updateStatus()
    }

    func writeFailed(_ why: String, errorText: String? = nil) {
        engine.aof.lastWriteOK = false
        engine.aof.lastWriteError = errorText ?? why
        server.log(.warning, "Error writing to the AOF file: \(why)")
        if policy == .always {
            server.log(.warning, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
            exit(1)
        }
    }

    func updateStatus() {
        let a = engine.aof
        a.currentSize = baseSize + incrSize
        a.baseSize = baseSize
        a.bufferLength = Int64(buffer.readableCount)
        a.pendingFsync = fsyncer.inProgress
    }

    /// serverCron: the everysec fsync when idle, and the automatic rewrite.
    func cron() {
        if fd >= 0 && unsyncedWrites && policy == .everysec { flush() }
        // Growth counts only once the AOF is on (serverCron checks AOF_ON).
        guard state == .on else { return }
        let pct = engine.config.int("auto-aof-rewrite-percentage")
        let minSize = engine.config.int("auto-aof-rewrite-min-size")
        let size = baseSize + incrSize
        if pct > 0 && size > minSize && !engine.backgroundSaveInProgress {
            let base = max(baseSize, 1)
            if (size - base) * 100 / base >= pct {
                server.log(.notice, "Starting automatic rewriting of AOF on \((size - base) * 100 / base)% growth")
                _ = startRewrite()
            }
        }
    }

    // MARK: rewrite

    /// BGREWRITEAOF (and the automatic rewrite): returns an error text or nil.
    func rewriteNow() -> String? {
        do {
            try makeDirectory()
            if state == .off { try loadManifestIfAbsent() }
            try rewrite(reason: "on rewrite")
            return nil
        } catch {
            return rewriteFailed("\(error)")
        }
    }

    /// Bookkeeping of a failed rewrite (INFO aof_last_bgrewrite_status, the log); the error text.
    @discardableResult
    func rewriteFailed(_ why: String) -> String {
        engine.aof.lastRewriteOK = false
        engine.aof.consecutiveFailures += 1
        server.log(.warning, "Background AOF rewrite failed: \(why)")
        return "ERR \(why)"
    }

    /// Writes the dataset as a new base, opens a new increment, switches the manifest
    /// atomically and deletes the old files. On the engine thread, so no rewrite buffer is
    /// needed: nothing is written while it runs.
    func rewrite(reason: String) throws {
        let started = unixMillis()
        if fd >= 0 { flush(force: true); fsyncer.drain(); _ = fdatasync(fd) }
        var next = manifest
        let rdb = engine.config.bool("aof-use-rdb-preamble")
        let (baseName, incrName) = next.rotate(prefix: prefix, rdbBase: rdb)
        let temp = path("temp-rewriteaof-\(getpid()).aof")
        let written = try writeBase(to: temp, rdb: rdb)
        try renameDurably(temp, path(baseName))
        server.log(.notice, "Successfully renamed the temporary AOF base file into \(baseName)")
        let newFd = open(path(incrName), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard newFd >= 0 else { throw AofError("Can't open the append-only file \(incrName): \(errnoText())") }
        server.log(.notice, "Creating AOF incr file \(incrName) \(reason)")
        let old = next.history
        if !engine.config.bool("aof-disable-auto-gc") { next.history = [] }
        manifest = next
        try persistManifest()
        if fd >= 0 { close(fd) }
        // BGREWRITEAOF with the AOF off writes the files but leaves it off, as Redis.
        if state == .off { close(newFd); fd = -1 } else { fd = newFd }
        incrSize = 0
        baseSize = written
        if !engine.config.bool("aof-disable-auto-gc") {
            for h in old {
                server.log(.notice, "Removing the history file \(h.name) in the background")
                unlink(path(h.name))
            }
        }
        if state != .off {
            if sink == nil { attach() } else { engine.propagation.aof.selectedDb = -1 }
        }
        if state == .waitRewrite {
            state = .on
            engine.aof.rewriteScheduled = false
            unlink(path(tempIncrName))
        }
        let a = engine.aof
        if reason != "on server start" { a.rewrites += 1 }   // Redis counts only background rewrites
        a.consecutiveFailures = 0
        a.lastRewriteOK = true
        a.lastRewriteSeconds = (unixMillis() - started) / 1000
        updateStatus()
        server.log(.notice, "Background AOF rewrite finished successfully")
    }

    /// The dataset into `file` (fsynced): an RDB image with `aof-use-rdb-preamble yes`, else
    /// commands. Returns its size.
    func writeBase(to file: String, rdb: Bool) throws -> Int64 {
        let f = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard f >= 0 else { throw AofError("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): \(errnoText())") }
        defer { close(f) }
        var total: Int64 = 0
        if rdb {
            try engine.writeRdb { buf in
                try writeAll(f, buf)
                total += Int64(buf.count)
            }
            guard fsync(f) == 0 else { throw AofError("fsync of the AOF base: \(errnoText())") }
            return total
        }
        var out = ByteBuffer(capacity: 128 * 1024)
        let r = try AofRewrite.write(engine, into: &out, dump: server.dumpValue) { buf in
            try writeAll(f, buf.readable)
            total += Int64(buf.readableCount)
            buf.clear()
        }
        if r.skipped > 0 { server.log(.warning, "AOF rewrite skipped \(r.skipped) keys without a command form") }
        guard fsync(f) == 0 else { throw AofError("fsync of the AOF base: \(errnoText())") }
        return total
    }

    func persistManifest() throws {
        let temp = path("temp-" + manifestName)
        let f = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard f >= 0 else { throw AofError("Can't open the AOF manifest file \(temp): \(errnoText())") }
        var text = manifest.text
        do {
            try text.withUTF8 { try writeAll(f, UnsafeRawBufferPointer($0)) }
            guard fsync(f) == 0 else { throw AofError("Fail to fsync the temp AOF manifest: \(errnoText())") }
        } catch { close(f); throw error }
        close(f)
        try renameDurably(temp, path(manifestName))
    }

    func renameDurably(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else { throw AofError("Error trying to rename \(from) to \(to): \(errnoText())") }
        let d = open(dirName, O_RDONLY | O_CLOEXEC)
        if d >= 0 { _ = fsync(d); close(d) }
    }
}

struct AofError: Error, CustomStringConvertible {
    let description: String
    init(_ s: String) { description = s }
}
