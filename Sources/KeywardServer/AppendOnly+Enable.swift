// Turning the AOF on at runtime without stalling clients (Redis 7.0's startAppendOnly and the
// AOF_WAIT_REWRITE state): CONFIG SET appendonly yes, and a replica after a full sync, start a
// background rewrite (the engine's snapshot, as BGREWRITEAOF) instead of writing the dataset
// on the engine thread. Until its base lands, the commands after the snapshot's instant go to
// `temp-<appendfilename>.incr`; on success that file is renamed into the manifest's next
// increment right after the new base, so base + increment is the dataset, and the AOF is on.
// On failure Redis stays waiting and the cron retries (scheduled, with aofRewriteLimited's
// back-off); CONFIG SET appendonly no cancels it and leaves the manifest untouched.

#if canImport(Glibc)
import Glibc
#endif
import Engine

extension AppendOnly {
    /// Redis's getTempIncrAofName: the increment of a rewrite started while waiting.
    var tempIncrName: String { "temp-" + prefix + ".incr" }

    /// CONFIG SET appendonly yes (startAppendOnly): answers at once; the base is written in
    /// the background, or later when a snapshot runs already or we're inside EXEC.
    func start() -> String? {
        guard state == .off else { return nil }
        do {
            try makeDirectory()
            try loadManifestIfAbsent()
        } catch {
            server.log(.warning, "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error: \(error)")
            return "\(error)"
        }
        state = .waitRewrite
        lastFsync = engine.now
        if engine.backgroundSaveInProgress {
            engine.aof.rewriteScheduled = true
            server.log(.warning, "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
            return nil
        }
        if engine.executionDepth > 1 {
            engine.aof.rewriteScheduled = true
            server.log(.warning, "AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
            return nil
        }
        if let err = startFirstRewrite() {
            state = .off
            server.log(.warning, "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
            return err
        }
        return nil
    }

    /// A replica that loaded its master's dataset (restartAOFAfterSYNC): the AOF was stopped
    /// before the load and starts over from the new dataset, in the background. Redis tries
    /// ten times, a second apart, then exits: a replica that can't persist must not serve.
    func restartAfterSync() {
        for _ in 0..<10 {
            if start() == nil { return }
            server.log(.warning, "Failed enabling the AOF after successful master synchronization! Trying it again in one second.")
            sleep(1)
        }
        server.log(.warning, "FATAL: this replica instance finished the synchronization with its master, but the AOF can't be turned on. Exiting now.")
        exit(1)
    }

    /// With `appendonly no` at startup the manifest wasn't read; Redis always reads it, so the
    /// new base continues its numbering and the old files become history instead of being
    /// overwritten. A manifest we can't parse is left alone (the new one replaces it).
    func loadManifestIfAbsent() throws {
        guard manifest.base == nil && manifest.incrs.isEmpty && manifest.history.isEmpty,
              let text = try readWholeFile(path(manifestName)) else { return }
        switch AofManifest.parse(String(decoding: text, as: UTF8.self)) {
        case .success(let m): manifest = m
        case .failure(let e): server.log(.warning, "Ignoring the AOF manifest \(manifestName): \(e.description)")
        }
    }

    /// The rewrite that turns a waiting AOF on (rewriteAppendOnlyFileBackground in
    /// AOF_WAIT_REWRITE): the snapshot's instant and the temp increment's first command are
    /// the same point, as both happen here on the engine thread.
    func startFirstRewrite() -> String? {
        if engine.backgroundSaveInProgress { return "ERR Background append only file rewriting already in progress" }
        let preamble = engine.config.bool("aof-use-rdb-preamble")
        let started = unixMillis()
        do {
            try makeDirectory()
            let temp = path(tempIncrName)
            let f = open(temp, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard f >= 0 else { throw AofError("Can't open the append-only file \(tempIncrName): \(errnoText())") }
            let baseSeq = (manifest.base?.seq ?? 0) + 1
            let baseName = AofManifest.baseName(prefix, seq: baseSeq, rdb: preamble)
            let sink = SnapshotFileSink(directory: dirName, file: baseName, tempName: "temp-rewriteaof-bg-\(getpid()).aof")
            sink.trailer = preamble
            if let err = sink.start() { close(f); unlink(temp); throw AofError(err) }
            let format: Snapshot.Format = preamble ? .rdb : .commands(dump: server.dumpValue)
            let ok = engine.startRewriteSnapshot(sink: sink, format: format) { [unowned self] outcome in
                self.firstRewriteDone(outcome, base: baseName, baseSeq: baseSeq, size: sink.fileSize, started: started)
            }
            if !ok { sink.cancel(); close(f); unlink(temp); throw AofError("a background save is in progress") }
            if fd >= 0 { close(fd) }
            fd = f
            incrSize = 0
            baseSize = 0
            attach()
            engine.aof.rewriteScheduled = false
            server.log(.notice, "Creating AOF incr file \(tempIncrName) on background rewrite")
            server.log(.notice, "Background append only file rewriting started")
            return nil
        } catch {
            return rewriteFailed("\(error)")
        }
    }

    /// The first base is written (or failed, or was cancelled): make the temp increment the
    /// manifest's next one after the new base and turn the AOF on (backgroundRewriteDoneHandler).
    func firstRewriteDone(_ outcome: SnapshotOutcome, base: String, baseSeq: Int64, size: Int64, started: Int64) {
        if case .failed(let why) = outcome {
            unlink(path(base))
            firstRewriteAbandoned(why)
            return
        }
        flush(force: true)
        fsyncer.drain()
        _ = fdatasync(fd)
        let incrSeq = (manifest.incrs.last?.seq ?? 0) + 1
        let incrName = AofManifest.incrName(prefix, seq: incrSeq)
        guard rename(path(tempIncrName), path(incrName)) == 0 else {
            let why = "Error trying to rename the temporary AOF incr file \(tempIncrName) into \(incrName): \(errnoText())"
            unlink(path(base))
            firstRewriteAbandoned(why)
            return
        }
        server.log(.notice, "Successfully renamed the temporary AOF incr file \(tempIncrName) into \(incrName)")
        do {
            try installBase(base, seq: baseSeq, retiring: { _ in true },
                            incrs: [.init(name: incrName, seq: incrSeq, type: .incr)])
        } catch {
            unlink(path(base))
            unlink(path(incrName))
            firstRewriteAbandoned("\(error)")
            return
        }
        state = .on
        baseSize = size
        let a = engine.aof
        a.rewrites += 1
        a.consecutiveFailures = 0
        a.lastRewriteOK = true
        a.lastRewriteSeconds = (unixMillis() - started) / 1000
        updateStatus()
        server.log(.notice, "Background AOF rewrite terminated with success")
        server.log(.notice, "Background AOF rewrite finished successfully")
    }

    /// Redis's cleanup in AOF_WAIT_REWRITE: the temp increment and what was buffered for it go
    /// (the next rewrite snapshots everything again) and the cron retries. After CONFIG SET
    /// appendonly no (state already off) it is only the cleanup, not a failure.
    func firstRewriteAbandoned(_ why: String) {
        if fd >= 0 { close(fd); fd = -1 }
        detach()
        unlink(path(tempIncrName))
        incrSize = 0
        baseSize = 0
        updateStatus()
        guard state == .waitRewrite else { return }
        rewriteFailed(why)
        engine.aof.rewriteScheduled = true
    }

    /// SHUTDOWN (or SIGTERM) before the first base landed: Redis refuses to exit unless forced,
    /// since the AOF doesn't hold the dataset yet. We finish it instead: the running rewrite
    /// to its end, or (scheduled behind a BGSAVE, which shutdown abandons) a synchronous one.
    func finishFirstRewriteForShutdown() {
        guard state == .waitRewrite else { return }
        server.log(.warning, "Writing initial AOF before exiting.")
        if engine.aofRewriteInProgress { engine.finishBackgroundSaveNow() }
        guard state == .waitRewrite else { return }
        engine.cancelBackgroundSave()
        do {
            try rewrite(reason: "on shutdown")
        } catch {
            server.log(.warning, "Writing initial AOF failed: \(error)")
        }
    }
}
