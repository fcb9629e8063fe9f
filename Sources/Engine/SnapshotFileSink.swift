// The BGSAVE writer thread: takes the snapshot's blocks from the engine thread and does the file
// I/O off it (write, fsync, rename over the target, fsync of the directory), so a slow disk
// never stalls commands. Keys arrive as entries (SnapshotEntry.swift: values of the instant the
// engine won't change under us) and are RDB-encoded here too, so the engine thread only copies
// references (or, for lists, memory) for them. The engine polls the outcome from the cron.
// Paths are absolute (taken at start): CONFIG SET dir meanwhile doesn't move the file.
// The engine thread never waits for the mutex while the walk runs (SnapshotBlock.swift).

#if canImport(Glibc)
import Glibc
#endif

public final class SnapshotFileSink: SnapshotSink, @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    // Shared with the writer thread, under `mutex`.
    private var queue: [SnapshotBlock] = []
    private var queued = 0
    private var queuedEntries = 0
    // Engine thread only: blocks not yet in `queue`, and the counters last seen.
    private var outbox = SnapshotOutbox()
    private var seenQueued = 0
    private var seenEntries = 0
    private var closed = false
    private var checksum = false
    private var cancelled = false
    private var outcome: SnapshotOutcome? = nil
    private var written: Int64 = 0
    let temp: String
    let target: String
    /// The 8 CRC64 bytes at the end (an RDB); off for a command-form AOF base.
    public var trailer = true

    /// Starts the thread; nil (with `error` set) when the temp file can't be created.
    /// `directory` relative to the working directory is made absolute now; `tempName` defaults
    /// to `temp-bgsave-<pid>.rdb`.
    public init(directory: String, file: String, tempName: String? = nil) {
        let dir = directory.hasPrefix("/") ? directory : currentDir() + "/" + directory
        let base = file.hasPrefix("/") ? "" : dir + "/"
        temp = dir + "/" + (tempName ?? "temp-bgsave-\(getpid()).rdb")
        target = base + file
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    /// Opens the temp file and starts the writer thread. Returns the error text on failure.
    public func start() -> String? {
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { return "Failed opening the temp RDB file \(temp) for saving: \(errnoText())" }
        guard startThread({ self.run(fd) }) else {
            Glibc.close(fd)
            unlink(temp)
            return "Can't start the background save thread"
        }
        return nil
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        outbox.add(.bytes([UInt8](bytes)))
        handOver(wait: false)
    }

    public var encodesEntries: Bool { true }

    public func writeEntries(_ entries: [SnapshotEntry], weight: Int, format: SnapshotEntry.Format) {
        outbox.add(.entries(entries, weight: weight, format: format))
        handOver(wait: false)
    }

    /// Moves the outbox into the queue and reads the counters, if the mutex is free (or always,
    /// with `wait`).
    private func handOver(wait: Bool) {
        if wait { pthread_mutex_lock(&mutex) } else if pthread_mutex_trylock(&mutex) != 0 { return }
        if !outbox.blocks.isEmpty {
            outbox.move(into: &queue, bytes: &queued, entries: &queuedEntries)
            pthread_cond_signal(&cond)
        }
        seenQueued = queued
        seenEntries = queuedEntries
        pthread_mutex_unlock(&mutex)
    }

    public var pendingEntries: Int {
        handOver(wait: false)
        return seenEntries + outbox.entries
    }

    public var pendingBytes: Int {
        handOver(wait: false)
        return seenQueued + outbox.bytes
    }

    public func close(checksum: Bool) {
        handOver(wait: true)
        pthread_mutex_lock(&mutex)
        self.checksum = checksum
        closed = true
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    public func cancel() {
        outbox.clear()
        pthread_mutex_lock(&mutex)
        cancelled = true
        closed = true
        queue.removeAll()
        queued = 0
        queuedEntries = 0
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
        // Now, not when the thread gets to it: SHUTDOWN may exit first (rdbRemoveTempFile).
        unlink(temp)
    }

    /// Size of the finished file (valid once `poll` returned .ok).
    public var fileSize: Int64 {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return written + (trailer ? 8 : 0)
    }

    /// nil while the file is being finished (or the mutex is busy: asked again next time).
    public func poll() -> SnapshotOutcome? {
        if pthread_mutex_trylock(&mutex) != 0 { return nil }
        defer { pthread_mutex_unlock(&mutex) }
        return outcome
    }

    /// Blocks until the file is finished (SHUTDOWN waits for a save that is almost done).
    public func wait() -> SnapshotOutcome {
        while true {
            if let o = poll() { return o }
            usleep(1000)
        }
    }

    private func finish(_ o: SnapshotOutcome) {
        pthread_mutex_lock(&mutex)
        outcome = o
        pthread_mutex_unlock(&mutex)
    }

    /// Writes and checksums `out`'s bytes, then empties it. The error text, or nil.
    private func writeOut(_ fd: Int32, _ out: RdbWriter, _ crc: inout UInt64) -> String? {
        defer { out.reset() }
        return out.withBuffer { b -> String? in
            crc = crc64(crc, b)
            written += Int64(b.count)
            do { try writeAll(fd, b) } catch { return "Write error saving DB on disk: \(error)" }
            return nil
        }
    }

    private func run(_ fd: Int32) {
        lowerThreadPriority()
        var failure: String? = nil
        var crc: UInt64 = 0
        // Gathers blocks and encoded entries, written ~64 KB at a time.
        var out = RdbWriter(compression: true)
        while true {
            pthread_mutex_lock(&mutex)
            while queue.isEmpty && !closed { pthread_cond_wait(&cond, &mutex) }
            if cancelled {
                pthread_mutex_unlock(&mutex)
                Glibc.close(fd)
                unlink(temp)
                finish(.failed("cancelled"))
                return
            }
            let blocks = queue
            queue.removeAll()
            pthread_mutex_unlock(&mutex)
            var n = 0, entries = 0
            for block in blocks {
                n += block.weight
                entries += block.entryCount
            }
            for block in blocks where failure == nil {
                block.append(to: &out)
                if out.count >= 1 << 16 { failure = writeOut(fd, out, &crc) }
            }
            if failure == nil && out.count > 0 { failure = writeOut(fd, out, &crc) }
            pthread_mutex_lock(&mutex)
            queued -= n
            queuedEntries -= entries
            let done = closed && queue.isEmpty && !cancelled
            pthread_mutex_unlock(&mutex)
            if done { break }
        }
        if failure == nil && trailer {
            pthread_mutex_lock(&mutex)
            let sum = checksum ? crc : 0
            pthread_mutex_unlock(&mutex)
            var tail = [UInt8](repeating: 0, count: 8)
            for i in 0..<8 { tail[i] = UInt8(truncatingIfNeeded: sum >> UInt64(8 * i)) }
            do { try tail.withUnsafeBytes { try writeAll(fd, $0) } } catch { failure = "Write error saving DB on disk: \(error)" }
        }
        if failure == nil && fsync(fd) != 0 { failure = "Write error saving DB on disk: \(errnoText())" }
        if Glibc.close(fd) != 0 && failure == nil { failure = "Write error saving DB on disk: \(errnoText())" }
        if failure == nil && rename(temp, target) != 0 {
            failure = "Error moving temp DB file \(temp) on the final destination \(target): \(errnoText())"
        }
        if let f = failure {
            unlink(temp)
            finish(.failed(f))
            return
        }
        let dir = target.lastIndex(of: "/").map { String(target[..<$0]) } ?? "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); Glibc.close(dfd) }
        finish(.ok)
    }
}
