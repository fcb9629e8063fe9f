// RDB persistence on the engine thread (Redis's rdbSave / rdbLoad in src/rdb.c): SAVE writes
// `temp-<pid>.rdb` in the working directory (`dir` chdirs there, as in Redis), fsyncs it,
// renames it over `dbfilename` and fsyncs the directory, so a crash leaves either the old or
// the new file, never a torn one. Loading builds fresh databases and swaps them in only once
// the whole file has been read and checked: a corrupt file never leaves a partial keyspace.
// BGSAVE (a fork-less point-in-time snapshot) is in Snapshot.swift and BackgroundSave.swift.

#if canImport(Glibc)
import Glibc
#endif

public final class PersistenceState {
    /// Successful saves since start (INFO rdb_saves).
    public var saves = 0
    public var lastSaveOK = true
    public var lastLoadKeys = 0
    public var lastLoadExpired = 0
    /// Log lines for the server's log ("DB saved on disk"); nil in tests.
    public var log: ((String) -> Void)? = nil
    /// Log lines at warning level (failures).
    public var warn: ((String) -> Void)? = nil
    /// The running snapshot (BackgroundSave.swift): a BGSAVE, or an AOF rewrite's base when
    /// `snapshotDone` is set (one at a time, as Redis runs one child).
    public internal(set) var snapshot: Snapshot? = nil
    var snapshotDone: ((SnapshotOutcome) -> Void)? = nil
    /// What the running snapshot is for (Redis's child types: an RDB child serves BGSAVE and
    /// replication, an AOF child the rewrite).
    public internal(set) var snapshotPurpose: SnapshotPurpose = .bgsave
    var bgsaveScheduled = false
    /// Unix seconds of the last BGSAVE attempt (retry delay after a failure).
    var lastBgsaveTry: Int64 = 0
    /// Duration of the last BGSAVE in seconds (-1 before the first).
    var lastBgsaveSeconds: Int64 = -1
    /// Builds the sink for a BGSAVE; the default writes `dbfilename` in the working directory.
    public var makeSink: ((Engine) -> SnapshotSink?)? = nil
    init() {}
}

extension Engine {
    func installPersistenceHooks() {
        serverState.infoHooks["persistence", default: []].append { e, f in
            let p = e.persistence
            f["rdb_last_bgsave_status"] = p.lastSaveOK ? "ok" : "err"
            e.backgroundSaveInfo(&f)
            f["rdb_saves"] = String(p.saves)
            f["rdb_last_load_keys_expired"] = String(p.lastLoadExpired)
            f["rdb_last_load_keys_loaded"] = String(p.lastLoadKeys)
            e.loadingInfo(&f)
        }
    }

    /// The -MISCONF text when writes are refused for a persistence error, else nil.
    func diskErrorText() -> String? {
        if !persistence.lastSaveOK && config.bool("stop-writes-on-bgsave-error") && !config.saveParams.isEmpty {
            return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
        }
        if aof.enabled && !aof.lastWriteOK {
            return "MISCONF Errors writing to the AOF file: \(aof.lastWriteError)"
        }
        return nil
    }

    var rdbLoadOptions: RdbLoadOptions {
        var o = RdbLoadOptions()
        o.verifyChecksum = config.bool("rdbchecksum")
        o.now = now
        o.limits = limits
        // A replica keeps expired keys: the master's DELs remove them (Redis's rdbLoad).
        o.skipExpired = !replicaKeepsExpired
        return o
    }

    /// The whole dataset as an RDB file, written to `sink` block by block.
    public func writeRdb(_ sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        let w = RdbWriter(compression: config.bool("rdbcompression"), sink: sink)
        w.writeHeader(now: now, usedMemory: Int(ProcessMemory.rss()))
        for (k, v) in replicationSaveInfo() { w.writeAux(k, v) }
        for code in scripting.libraryCodes { w.writeFunction(code) }
        for d in dbs { try w.writeDatabase(d) }
        try w.finish(checksum: config.bool("rdbchecksum"))
    }

    /// The whole dataset as an in-memory RDB image.
    public func rdbImage() throws -> [UInt8] {
        var out: [UInt8] = []
        try writeRdb { out.append(contentsOf: $0) }
        return out
    }

    /// SAVE: writes `dbfilename` in the working directory atomically. Updates LASTSAVE, the
    /// dirty counter and INFO on success; logs and returns false on failure.
    @discardableResult
    public func saveRdb() -> Bool {
        let file = config.string("dbfilename")
        let temp = "temp-\(getpid()).rdb"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            persistence.warn?("Failed opening the temp RDB file \(temp) (in server root dir \(currentDir())) for saving: \(errnoText())")
            persistence.lastSaveOK = false
            return false
        }
        let dirtyBefore = dirty
        do {
            try writeRdb { buf in try writeAll(fd, buf) }
            guard fsync(fd) == 0 else { throw RdbError(errnoText()) }
            guard close(fd) == 0 else { throw RdbError(errnoText()) }
        } catch {
            close(fd)
            unlink(temp)
            persistence.warn?("Write error saving DB on disk: \(error)")
            persistence.lastSaveOK = false
            return false
        }
        guard rename(temp, file) == 0 else {
            persistence.warn?("Error moving temp DB file \(temp) on the final destination \(file) (in server root dir \(currentDir())): \(errnoText())")
            unlink(temp)
            persistence.lastSaveOK = false
            return false
        }
        let dfd = open(".", O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
        persistence.log?("DB saved on disk")
        dirty -= dirtyBefore
        lastSave = now / 1000
        persistence.saves += 1
        persistence.lastSaveOK = true
        return true
    }

    /// Replaces every database with the contents of `data` (an RDB image). On any error the
    /// keyspace is untouched. `merge` loads into the live databases instead (DEBUG RELOAD
    /// NOFLUSH / MERGE), replacing duplicates only when `allowDuplicates`.
    @discardableResult
    public func loadRdb(_ data: UnsafeRawBufferPointer, intoLive: Bool = false, allowDuplicates: Bool = false) throws -> RdbLoadInfo {
        var opt = rdbLoadOptions
        opt.allowDuplicates = allowDuplicates
        if let l = loading {
            // Serve clients (-LOADING) between chunks; the AUX used-mem shows in INFO once read.
            let base = l.loadedBytes
            opt.progressInterval = Int(config.int("loading-process-events-interval-bytes"))
            opt.progress = { [unowned self] done in self.loadingProgress(done, base: base) }
            opt.onAux = { k, v in if k == "used-mem", let n = Int(v) { l.rdbUsedMem = n } }
        }
        let targets: [Database]
        if intoLive {
            targets = dbs
        } else {
            targets = dbs.map { old in
                let d = Database(index: old.index, seed: hashSeed, clock: accessClock)
                if old.slotIndexEnabled { d.enableSlotIndex() }
                return d
            }
        }
        let info = try RdbLoader.load(data, into: targets, opt)
        if !intoLive {
            for i in 0..<dbs.count {
                let old = dbs[i]
                for o in dbChangeObservers { o(.flushed(i)) }
                targets[i].onInsert = old.onInsert
                dbs[i] = targets[i]
                activeExpire.setAverageTTL(i, 0)
                if let free = lazyFree, old.count > 64 { free(old.detachAll()) }
            }
        }
        // Function libraries saved with the data come back with it (rdbFunctionLoad).
        if !intoLive { scripting.flushFunctions() }
        for code in info.functions {
            if case .failure(let e) = scripting.loadLibrary(code, replace: true) {
                persistence.warn?("Failed loading a function library from the RDB: \(e.text)")
            }
        }
        persistence.lastLoadKeys = info.keysLoaded
        persistence.lastLoadExpired = info.expiredSkipped
        rebuildLockIndex()    // loaded keys raised no change events (LockIndex.swift)
        return info
    }

    /// Loads `path` (startup, DEBUG RELOAD); nil when the file doesn't exist.
    public func loadRdbFile(_ path: String, intoLive: Bool = false, allowDuplicates: Bool = false) throws -> RdbLoadInfo? {
        guard let data = try readWholeFile(path) else { return nil }
        return try data.withUnsafeBytes { try loadRdb($0, intoLive: intoLive, allowDuplicates: allowDuplicates) }
    }
}

/// Writes all of `buf` (retrying short writes and EINTR).
public func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer) throws {
    var off = 0
    while off < buf.count {
        let n = write(fd, buf.baseAddress! + off, buf.count - off)
        if n < 0 {
            if errno == EINTR { continue }
            throw RdbError(errnoText())
        }
        off += n
    }
}

/// The file's bytes, nil when it doesn't exist.
public func readWholeFile(_ path: String) throws -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        if errno == ENOENT { return nil }
        throw RdbError("Can't open \(path): \(errnoText())")
    }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw RdbError("Short read loading \(path): \(errnoText())")
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

public func errnoText() -> String { String(cString: strerror(errno)) }

func currentDir() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    return getcwd(&buf, 4096) != nil ? String(cString: buf) : "."
}
