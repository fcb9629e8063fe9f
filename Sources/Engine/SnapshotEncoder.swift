// An encoding stage in front of a sink that must be fed on the engine thread (a replication
// full sync writes into replicas' output buffers): entries are RDB-encoded on this stage's
// thread, and the encoded bytes come back to the engine thread in order, moved over whenever
// the snapshot asks how much is pending (each walk step) or polls for the end. As in
// SnapshotFileSink, the engine thread only ever `trylock`s while the walk runs: the stage's
// thread runs at a lower priority and may be preempted holding the mutex.

#if canImport(Glibc)
import Glibc
#endif

public final class SnapshotEncoder: SnapshotSink, @unchecked Sendable {
    let inner: SnapshotSink
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    // Under `mutex`: blocks for the thread, encoded bytes for the engine, the thread's state.
    private var input: [SnapshotBlock] = []
    private var output: [[UInt8]] = []
    private var inputBytes = 0
    private var inputEntries = 0
    private var busy = false
    private var stopped = false
    // Engine thread only.
    private var outbox = SnapshotOutbox()
    private var seenBytes = 0
    private var seenEntries = 0
    private var closing: Bool? = nil
    private var finished = false

    /// nil when the thread can't be started (the caller feeds `inner` directly).
    public init?(_ inner: SnapshotSink) {
        self.inner = inner
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
        guard startThread({ [self] in self.run() }) else { return nil }
    }

    public var encodesEntries: Bool { true }
    /// The inner sink gets bytes only when the walk pumps them over: no resting.
    public var walkMayRest: Bool { false }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        outbox.add(.bytes([UInt8](bytes)))
        pump(wait: false)
    }

    public func writeEntries(_ entries: [SnapshotEntry], weight: Int, format: SnapshotEntry.Format) {
        outbox.add(.entries(entries, weight: weight, format: format))
        pump(wait: false)
    }

    public var pendingBytes: Int {
        pump(wait: false)
        return seenBytes + outbox.bytes
    }

    public var pendingEntries: Int {
        pump(wait: false)
        return seenEntries + outbox.entries
    }

    /// Hands the outbox to the thread and the thread's encoded bytes to `inner`; returns true
    /// once nothing is left anywhere.
    @discardableResult
    private func pump(wait: Bool) -> Bool {
        if wait { pthread_mutex_lock(&mutex) } else if pthread_mutex_trylock(&mutex) != 0 { return false }
        if !outbox.blocks.isEmpty {
            outbox.move(into: &input, bytes: &inputBytes, entries: &inputEntries)
            pthread_cond_signal(&cond)
        }
        let ready = output
        output.removeAll()
        seenBytes = inputBytes
        seenEntries = inputEntries
        let drained = input.isEmpty && !busy
        pthread_mutex_unlock(&mutex)
        for b in ready { b.withUnsafeBytes { inner.write($0) } }
        return drained && ready.isEmpty
    }

    public func close(checksum: Bool) {
        closing = checksum
        pump(wait: true)
    }

    public func cancel() {
        outbox.clear()
        stop()
        inner.cancel()
    }

    /// The inner sink's outcome once every encoded byte reached it and it was closed.
    public func poll() -> SnapshotOutcome? {
        if !finished, let checksum = closing {
            guard pump(wait: false) else { return nil }
            finished = true
            stop()
            inner.close(checksum: checksum)
        }
        return finished ? inner.poll() : nil
    }

    private func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        input.removeAll()
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    private func run() {
        lowerThreadPriority()
        var out = RdbWriter(compression: true)
        while true {
            pthread_mutex_lock(&mutex)
            while input.isEmpty && !stopped { pthread_cond_wait(&cond, &mutex) }
            if stopped { pthread_mutex_unlock(&mutex); return }
            let blocks = input
            input.removeAll()
            busy = true
            pthread_mutex_unlock(&mutex)
            var bytes = 0, entries = 0
            for block in blocks {
                bytes += block.weight
                entries += block.entryCount
                block.append(to: &out)
            }
            let encoded = out.bytes
            out.reset()
            pthread_mutex_lock(&mutex)
            if !encoded.isEmpty { output.append(encoded) }
            inputBytes -= bytes
            inputEntries -= entries
            busy = false
            pthread_mutex_unlock(&mutex)
        }
    }
}
