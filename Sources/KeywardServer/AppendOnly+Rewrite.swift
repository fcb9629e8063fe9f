// Background AOF rewrite (Redis 7's rewriteAppendOnlyFileBackground with a multi-part AOF),
// without fork: at the instant, the current increment is flushed and a new one opened for the
// commands that follow; the engine's snapshot (Snapshot.swift) of that instant is written on a
// writer thread as the new RDB-preamble base. When it is done the manifest switches to the new
// base plus the increments opened since the instant; the old base and increments become
// history. On failure (or cancel) the manifest still names the old base and every increment,
// which load to the same dataset. With aof-use-rdb-preamble no the same snapshot writes the
// base as commands (Snapshot.Format.commands, AofRewrite's encoding).

#if canImport(Glibc)
import Glibc
#endif
import Engine

extension AppendOnly {
    /// BGREWRITEAOF and the automatic rewrite: an error text or nil (started or done).
    func startRewrite() -> String? {
        switch state {
        case .off: return rewriteNow()
        case .waitRewrite: return startFirstRewrite()
        case .on: break
        }
        let preamble = engine.config.bool("aof-use-rdb-preamble")
        if engine.backgroundSaveInProgress { return "ERR Background append only file rewriting already in progress" }
        let started = unixMillis()
        do {
            try makeDirectory()
            flush(force: true)
            fsyncer.drain()
            _ = fdatasync(fd)
            // Commands after the instant go to a new increment.
            let incrSeq = (manifest.incrs.last?.seq ?? 0) + 1
            let incrName = AofManifest.incrName(prefix, seq: incrSeq)
            let newFd = open(path(incrName), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard newFd >= 0 else { throw AofError("Can't open the append-only file \(incrName): \(errnoText())") }
            var next = manifest
            next.incrs.append(.init(name: incrName, seq: incrSeq, type: .incr))
            manifest = next
            do { try persistManifest() } catch { close(newFd); unlink(path(incrName)); throw error }
            close(fd)
            fd = newFd
            engine.propagation.aof.selectedDb = -1
            let sizeAtInstant = incrSize
            incrSize = 0
            let oldIncrBytes = sizeAtInstant
            server.log(.notice, "Creating AOF incr file \(incrName) on background rewrite")

            let baseSeq = (manifest.base?.seq ?? 0) + 1
            let baseName = AofManifest.baseName(prefix, seq: baseSeq, rdb: preamble)
            let sink = SnapshotFileSink(directory: dirName, file: baseName, tempName: "temp-rewriteaof-bg-\(getpid()).aof")
            sink.trailer = preamble
            if let err = sink.start() { throw AofError(err) }
            // Until the new base lands, the old increments still count toward the AOF size.
            baseSize += oldIncrBytes
            let format: Snapshot.Format = preamble ? .rdb : .commands(dump: server.dumpValue)
            let ok = engine.startRewriteSnapshot(sink: sink, format: format) { [unowned self] outcome in
                self.rewriteDone(outcome, base: baseName, baseSeq: baseSeq, firstIncr: incrSeq,
                                 size: sink.fileSize, started: started, oldIncrBytes: oldIncrBytes)
            }
            if !ok { sink.cancel(); throw AofError("a background save is in progress") }
            server.log(.notice, "Background append only file rewriting started")
            updateStatus()
            return nil
        } catch {
            return rewriteFailed("\(error)")
        }
    }

    /// Makes `base` the manifest's base, followed by the increments `retiring` keeps and then
    /// `incrs`; the old base and the retired increments become history, deleted unless
    /// aof-disable-auto-gc once the manifest is persisted. Throws (manifest unchanged) when it
    /// can't be persisted.
    func installBase(_ base: String, seq: Int64, retiring: (AofManifest.Entry) -> Bool,
                     incrs: [AofManifest.Entry] = []) throws {
        var next = manifest
        if let b = next.base { next.history.append(.init(name: b.name, seq: b.seq, type: .history)) }
        for e in next.incrs where retiring(e) { next.history.append(.init(name: e.name, seq: e.seq, type: .history)) }
        next.incrs.removeAll(where: retiring)
        next.incrs += incrs
        next.base = .init(name: base, seq: seq, type: .base)
        let gc = !engine.config.bool("aof-disable-auto-gc")
        let old = next.history
        if gc { next.history = [] }
        let previous = manifest
        manifest = next
        do { try persistManifest() } catch { manifest = previous; throw error }
        server.log(.notice, "Successfully renamed the temporary AOF base file into \(base)")
        if gc {
            for h in old {
                server.log(.notice, "Removing the history file \(h.name) in the background")
                unlink(path(h.name))
            }
        }
    }

    /// The snapshot's file is done (or failed): switch the manifest to the new base.
    func rewriteDone(_ outcome: SnapshotOutcome, base: String, baseSeq: Int64, firstIncr: Int64,
                     size: Int64, started: Int64, oldIncrBytes: Int64) {
        let a = engine.aof
        if case .failed(let why) = outcome {
            unlink(path(base))
            rewriteFailed(why)
            return
        }
        do {
            try installBase(base, seq: baseSeq, retiring: { $0.seq < firstIncr })
        } catch {
            unlink(path(base))
            a.lastRewriteOK = false
            a.consecutiveFailures += 1
            server.log(.warning, "Background AOF rewrite failed: \(error)")
            return
        }
        baseSize = size
        a.rewrites += 1
        a.consecutiveFailures = 0
        a.lastRewriteOK = true
        a.lastRewriteSeconds = (unixMillis() - started) / 1000
        updateStatus()
        server.log(.notice, "Background AOF rewrite terminated with success")
        server.log(.notice, "Background AOF rewrite finished successfully")
    }
}
