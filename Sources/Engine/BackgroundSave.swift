// BGSAVE without fork (Redis's rdbSaveBackground / backgroundSaveDoneHandler and the save-point
// checks of serverCron): a `Snapshot` taken at the command's instant is walked a bounded step
// per event-loop iteration (`backgroundSaveStep`, from the server's beforeSleep) while its bytes
// go to a writer thread; the cron notices the end and does Redis's bookkeeping (dirty at the
// instant subtracted, LASTSAVE, INFO, log lines).

#if canImport(Glibc)
import Glibc
#endif

/// A sink that keeps the file in memory (tests, DEBUG). Finished as soon as it is closed.
public final class MemorySnapshotSink: SnapshotSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var closed = false
    public private(set) var cancelled = false
    /// The 8 CRC64 bytes at the end (off for a command-form AOF base).
    public var trailer = true
    /// Takes entries and encodes them only when closed, long after the engine moved on:
    /// tests prove the entries still hold the values of the instant.
    public let deferred: Bool
    private var blocks: [Block] = []
    private enum Block { case bytes([UInt8]), entries([SnapshotEntry], SnapshotEntry.Format) }
    public init(deferred: Bool = false) { self.deferred = deferred }
    public var encodesEntries: Bool { deferred }
    /// Entries taken and not yet encoded.
    public var heldEntries: Int { blocks.reduce(0) { if case .entries(let es, _) = $1 { return $0 + es.count } else { return $0 } } }
    public func writeEntries(_ entries: [SnapshotEntry], weight: Int, format: SnapshotEntry.Format) {
        blocks.append(.bytes(bytes))
        bytes = []
        blocks.append(.entries(entries, format))
    }
    public func write(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
    public func close(checksum: Bool) {
        if !blocks.isEmpty {
            var all: [UInt8] = []
            for b in blocks {
                switch b {
                case .bytes(let x): all += x
                case .entries(let es, let format):
                    var compression = false
                    if case .rdb(let c) = format { compression = c }
                    let w = RdbWriter(compression: compression)
                    SnapshotEntry.encode(es, format, into: w)
                    all += w.bytes
                }
            }
            bytes = all + bytes
            blocks = []
        }
        let sum = checksum ? bytes.withUnsafeBytes { crc64(0, $0) } : 0
        if trailer { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: sum >> UInt64(8 * i))) } }
        closed = true
    }
    public func cancel() { cancelled = true }
    public var pendingBytes: Int { 0 }
    public func poll() -> SnapshotOutcome? { cancelled ? .failed("cancelled") : closed ? .ok : nil }
}

public enum SnapshotPurpose { case bgsave, aofRewrite, replication }

/// Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds between attempts after a failed BGSAVE.
let bgsaveRetryDelay: Int64 = 5

extension Engine {
    /// A snapshot runs: a BGSAVE or a background AOF rewrite.
    public var backgroundSaveInProgress: Bool { persistence.snapshot != nil }
    /// A BGSAVE or a full sync's snapshot (Redis's RDB child) runs.
    public var rdbSaveInProgress: Bool { persistence.snapshot != nil && persistence.snapshotPurpose != .aofRewrite }
    /// The running snapshot only hands entries over (the walk is cheap) to a sink that doesn't
    /// need the walk to move its output on: the server may pace the walk.
    public var backgroundSaveMayRest: Bool {
        persistence.snapshot.map { $0.handoff && $0.sink.walkMayRest } ?? false
    }
    public var aofRewriteInProgress: Bool { persistence.snapshot != nil && persistence.snapshotPurpose == .aofRewrite }

    /// Starts a snapshot for an AOF rewrite base (the server's AppendOnly): `done` runs on the
    /// engine thread once `sink` finished or failed. False when a snapshot runs already.
    public func startRewriteSnapshot(sink: SnapshotSink, format: Snapshot.Format = .rdb,
                                     done: @escaping (SnapshotOutcome) -> Void) -> Bool {
        let p = persistence
        if p.snapshot != nil { return false }
        p.snapshot = Snapshot(engine: self, sink: sink, format: format)
        p.snapshotDone = done
        p.snapshotPurpose = .aofRewrite
        return true
    }
    /// How soon the event loop should come back for the snapshot (ms): 0 while the walk can
    /// proceed, 1 while the writer thread catches up, 10 while the file is being finished (to
    /// notice the end), nil when no snapshot runs.
    public var backgroundSaveWakeup: Int? {
        guard let s = persistence.snapshot else { return nil }
        if s.finished { return 10 }
        return s.sinkIsFull ? 1 : 0
    }

    /// Starts a BGSAVE now. Returns false (logged) when one runs already or the file can't be
    /// opened.
    @discardableResult
    public func startBackgroundSave(sink given: SnapshotSink? = nil) -> Bool {
        let p = persistence
        if p.snapshot != nil { return false }
        p.lastBgsaveTry = now / 1000
        let sink: SnapshotSink
        if let s = given ?? p.makeSink?(self) {
            sink = s
        } else {
            let f = SnapshotFileSink(directory: currentDir(), file: config.string("dbfilename"))
            if let err = f.start() {
                p.warn?(err)
                p.lastSaveOK = false
                return false
            }
            sink = f
        }
        p.bgsaveScheduled = false
        p.snapshot = Snapshot(engine: self, sink: sink, aux: replicationSaveInfo())
        p.snapshotPurpose = .bgsave
        p.log?("Background saving started")
        return true
    }

    /// Walks the running snapshot for about `micros` µs. The server calls it before each
    /// sleep; true while work remains (the loop shouldn't sleep).
    @discardableResult
    public func backgroundSaveStep(micros: Int64 = 1000, minMicros: Int64 = .max,
                                   yieldIf: (() -> Bool)? = nil) -> Bool {
        guard let s = persistence.snapshot else { return false }
        if !s.finished { s.step(micros: micros, minMicros: minMicros, yieldIf: yieldIf) }
        if s.finished { pollBackgroundSave() }
        if persistence.snapshot == nil { startWaitingSyncs() }
        return persistence.snapshot.map { !$0.finished } ?? false
    }

    /// Completion, BGSAVE SCHEDULE and save points (the server's cron calls it).
    public func backgroundSaveCron() {
        let p = persistence
        if p.snapshot != nil { pollBackgroundSave(); return }
        // Replicas waiting for a snapshot go first (Redis's replicationStartPendingFork).
        startWaitingSyncs()
        if p.snapshot != nil { return }
        // A rewrite deferred behind a BGSAVE goes first, as in Redis's serverCron.
        if aof.rewriteScheduled, let rewrite = aof.rewrite,
           !aof.rewriteLimited(nowSeconds: now / 1000, log: { p.warn?($0) }) {
            aof.rewriteScheduled = false
            if let err = rewrite() { p.warn?(err) }
            if p.snapshot != nil { return }
        }
        let sec = now / 1000
        let mayRetry = sec - p.lastBgsaveTry > bgsaveRetryDelay || p.lastSaveOK
        if p.bgsaveScheduled && mayRetry { startBackgroundSave(); return }
        for sp in config.saveParams where dirty >= sp.changes && sec - lastSave > sp.seconds && mayRetry {
            p.log?("\(sp.changes) changes in \(sp.seconds) seconds. Saving...")
            startBackgroundSave()
            break
        }
    }

    /// Finishes the bookkeeping once the sink is done.
    func pollBackgroundSave() {
        let p = persistence
        guard let s = p.snapshot, s.finished, let outcome = s.sink.poll() else { return }
        p.snapshot = nil
        if let done = p.snapshotDone {
            p.snapshotDone = nil
            done(outcome)
            startWaitingSyncs()
            return
        }
        p.lastBgsaveSeconds = (now - s.startedAt) / 1000
        switch outcome {
        case .ok:
            p.log?("DB saved on disk")
            dirty -= s.dirtyAtStart
            lastSave = now / 1000
            p.saves += 1
            p.lastSaveOK = true
            p.log?("Background saving terminated with success")
        case .failed(let why):
            p.lastSaveOK = false
            p.warn?(why)
            p.warn?("Background saving error")
        }
    }

    /// Abandons a running BGSAVE (SHUTDOWN saves synchronously instead, as Redis kills its child).
    public func cancelBackgroundSave() {
        guard let s = persistence.snapshot else { return }
        s.cancel()
        persistence.snapshot = nil
        if let done = persistence.snapshotDone {
            persistence.snapshotDone = nil
            done(.failed("Background \(persistence.snapshotPurpose == .aofRewrite ? "AOF rewrite" : "sync snapshot") cancelled"))
        } else {
            persistence.warn?("Background saving cancelled")
        }
    }

    /// Runs a started BGSAVE to its end on this thread and waits for its file.
    public func finishBackgroundSaveNow() {
        guard let s = persistence.snapshot else { return }
        s.runToEnd()
        if let f = s.sink as? SnapshotFileSink { _ = f.wait() }
        pollBackgroundSave()
    }

    func backgroundSaveInfo(_ f: inout InfoFields) {
        let p = persistence
        f["rdb_last_save_time"] = String(lastSave)
        f["rdb_bgsave_in_progress"] = rdbSaveInProgress ? "1" : "0"
        f["rdb_last_bgsave_time_sec"] = String(p.lastBgsaveSeconds)
        f["aof_rewrite_scheduled"] = aof.rewriteScheduled ? "1" : "0"
        if aofRewriteInProgress, let s = p.snapshot {
            f["aof_rewrite_in_progress"] = "1"
            f["aof_current_rewrite_time_sec"] = String((now - s.startedAt) / 1000)
        }
        if let s = p.snapshot, p.snapshotPurpose != .aofRewrite {
            f["rdb_current_bgsave_time_sec"] = String((now - s.startedAt) / 1000)
            f["current_save_keys_processed"] = String(s.keysProcessed)
            f["current_save_keys_total"] = String(s.keysTotal)
        }
    }

    /// BGSAVE [SCHEDULE] (rdb.c bgsaveCommand).
    static func bgsaveCommand(_ c: Call) {
        // SCHEDULE defers behind a background AOF rewrite; during a BGSAVE Redis errors either way.
        if c.argv.count > 1 {
            guard c.argv.count == 2 && c.argv.isEqual(1, "schedule") else { c.syntaxError(); return }
        }
        let e = c.engine
        let schedule = c.argv.count > 1
        if e.rdbSaveInProgress {
            c.error("ERR Background save already in progress")
        } else if e.aofRewriteInProgress && !schedule {
            c.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
        } else if e.aofRewriteInProgress || e.executionDepth > 1 {
            // Inside EXEC or a script (Redis's in_exec): run it from the cron once the unit ends.
            e.persistence.bgsaveScheduled = true
            c.simple("Background saving scheduled")
        } else if e.startBackgroundSave() {
            c.simple("Background saving started")
        } else {
            c.error("ERR")
        }
    }
}
