// A fork-less point-in-time snapshot of the keyspace, written while the engine keeps serving
// ("hand over before first write", after Dragonfly's serialize-before-first-write;
// docs/persistence.md explains it).
//
// At the instant `Snapshot.init` runs it records, per database, the table, its slab high-water
// mark, its key counts and a "done" bitmap over slab indices, and writes the RDB header and
// function libraries. From then on:
// - the walker (`step`) visits each table's slab in index order, a bounded amount per call,
//   handing over every live entry not yet done and marking it done;
// - before ANY mutation of an entry (value replaced, object mutated in place after a lookup,
//   expire set/removed, entry removed) the table's hook `KeyTable.preWrite` hands the entry over
//   first (if the walker hasn't) and marks it done, so what is written is its value at the instant;
// - handing over = a `SnapshotEntry` (key + a value the sink's thread may read while the engine
//   goes on: SnapshotEntry.swift) when the sink encodes entries itself, else RDB/command
//   encoding right here;
// - slots filled by inserts during the snapshot are marked done (they didn't exist at the
//   instant); slots at or above the recorded high-water mark are skipped;
// - FLUSHDB/FLUSHALL/reload detach the table's storage to the snapshot instead of freeing it
//   (KeyTable.detachStorage), so the walker keeps reading the frozen contents. SWAPDB swaps
//   Database objects: each table keeps its per-table state and its database number at the instant.
// Entries of a database the walker hasn't reached go to that database's side buffer (encoded
// here), emitted after its SELECTDB/RESIZEDB when the walker gets there. The bytes and entries
// go to a `SnapshotSink` (a writer thread for BGSAVE, memory in tests). Zero cost when no
// snapshot runs: one nil check.

import RESP

/// Where a snapshot's bytes go. Called on the engine thread only.
public protocol SnapshotSink: AnyObject {
    /// A block of the file, in order.
    func write(_ bytes: UnsafeRawBufferPointer)
    /// Every byte has been written: append the CRC64 of all of them (8 zero bytes when
    /// `checksum` is off), then finish the file (fsync, rename...).
    func close(checksum: Bool)
    /// Abandon the file.
    func cancel()
    /// Bytes handed over but not yet written out (backpressure for the walker).
    var pendingBytes: Int { get }
    /// nil while the file is being finished; then nil (success) or the error text.
    func poll() -> SnapshotOutcome?
    /// The sink encodes keys itself, off the engine thread (`writeEntries`).
    var encodesEntries: Bool { get }
    /// Keys to encode as RDB entries, in order with the blocks of `write`. `weight`: bytes
    /// they hold alone (copies), counted in `pendingBytes` until encoded.
    func writeEntries(_ entries: [SnapshotEntry], weight: Int, format: SnapshotEntry.Format)
    /// Entries handed over but not yet encoded (backpressure, like `pendingBytes`).
    var pendingEntries: Int { get }
    /// A walk that hands entries over may rest between slices (the server paces it): false
    /// when the sink's output only moves on as the walk calls it (SnapshotEncoder).
    var walkMayRest: Bool { get }
}

extension SnapshotSink {
    public var encodesEntries: Bool { false }
    public func writeEntries(_ entries: [SnapshotEntry], weight: Int, format: SnapshotEntry.Format) {
        preconditionFailure("writeEntries on a sink that doesn't encode entries")
    }
    public var pendingEntries: Int { 0 }
    public var walkMayRest: Bool { encodesEntries }
}

public enum SnapshotOutcome { case ok, failed(String) }

/// One table's state in a running snapshot. Owned by the snapshot; the table points to it.
final class SnapshotTable {
    unowned let owner: Snapshot
    /// The storage being snapshotted: the live table, or its detached storage after a flush.
    var table: KeyTable
    let db: Int
    /// Slots at or above this index did not exist at the instant.
    let limit: Int32
    let count: Int
    let volatileCount: Int
    var done: UnsafeMutablePointer<UInt64>
    var cursor: Int32 = 0
    /// Entries serialized early, before the walker reached this database.
    var side: RdbWriter? = nil
    /// `table` is storage detached by a flush (nothing else references it).
    var detached = false

    init(owner: Snapshot, table: KeyTable, db: Int) {
        self.owner = owner
        self.table = table
        self.db = db
        limit = table.highWater
        count = table.count
        volatileCount = table.volatileCount
        let words = Int(limit) / 64 + 1
        done = .allocate(capacity: words)
        done.initialize(repeating: 0, count: words)
    }

    deinit { done.deallocate() }

    @inline(__always) func isDone(_ i: Int32) -> Bool {
        done[Int(i) >> 6] & (1 << UInt64(Int(i) & 63)) != 0
    }
    @inline(__always) func markDone(_ i: Int32) {
        if i < limit { done[Int(i) >> 6] |= 1 << UInt64(Int(i) & 63) }
    }

    /// Serializes live entry `i` now if it belongs to the instant and isn't written yet.
    @inline(__always) func save(_ i: Int32) {
        if i >= limit || isDone(i) { return }
        done[Int(i) >> 6] |= 1 << UInt64(Int(i) & 63)
        owner.serialize(self, table.entry(i))
    }

    /// Stops observing the table (walk finished or snapshot ended).
    func detachHook() {
        if table.snapshot === self { table.snapshot = nil }
    }
}

public final class Snapshot {
    /// RDB (BGSAVE, sync, preamble AOF base) or commands (an AOF base with
    /// `aof-use-rdb-preamble no`; `dump` gives RESTORE payloads for types without a command form).
    public enum Format { case rdb, commands(dump: ((Value) -> [UInt8]?)?) }
    let main: RdbWriter
    let sink: SnapshotSink
    var tables: [SnapshotTable] = []
    /// Index in `tables` of the database the walker is in.
    var current = 0
    var currentStarted = false
    let checksum: Bool
    let compression: Bool
    public private(set) var finished = false
    public private(set) var keysProcessed = 0
    public let keysTotal: Int
    /// Engine.dirty at the instant (subtracted from dirty when the save succeeds).
    public let dirtyAtStart: Int64
    /// Unix ms of the instant.
    public let startedAt: Int64
    /// Stop walking while the sink has this much unwritten.
    public var maxPending = 64 << 20
    let lazyFree: ((DetachedKeyspace) -> Void)?
    let commandForm: Bool
    let dump: ((Value) -> [UInt8]?)?
    /// Commands-form encoding space (AofRewrite.emit writes RESP into a ByteBuffer).
    var scratch = ByteBuffer(capacity: 4096)
    /// Keys go to the sink's thread to be encoded (RDB format, a sink that can).
    let handoff: Bool
    /// Entries for `main` not yet handed over; `main`'s bytes before them are flushed.
    var batch: [SnapshotEntry] = []
    var batchWeight = 0
    static let batchSize = 256
    /// Stop walking while the sink has this many entries to encode.
    public var maxPendingEntries = 32 * 1024

    /// Takes the snapshot instant: O(databases + slab size / 64).
    /// `aux`: extra AUX fields after the header (the replication id and offset, as rdbSaveRio).
    init(engine e: Engine, sink: SnapshotSink, aux: [(String, String)] = [], format: Format = .rdb) {
        self.sink = sink
        if case .commands(let d) = format { commandForm = true; dump = d } else { commandForm = false; dump = nil }
        checksum = e.config.bool("rdbchecksum")
        compression = e.config.bool("rdbcompression")
        main = RdbWriter(compression: compression, sink: { [sink] in sink.write($0) })
        main.sinkChecksums = true   // the writer thread checksums, not the engine thread
        dirtyAtStart = e.dirty
        lazyFree = e.lazyFree
        startedAt = e.now
        var total = 0
        for d in e.dbs { total += d.count }
        keysTotal = total
        handoff = sink.encodesEntries
        if commandForm {
            for code in e.scripting.libraryCodes {    // functions first, as rewriteFunctions
                scratch.writeArrayHeader(3)
                scratch.writeBulk("FUNCTION" as StaticString)
                scratch.writeBulk("LOAD" as StaticString)
                scratch.writeBulk(code)
            }
            main.put(scratch.readable)
            scratch.clear()
        } else {
            main.writeHeader(now: e.now, usedMemory: Int(ProcessMemory.rss()))
            for (k, v) in aux { main.writeAux(k, v) }
            for code in e.scripting.libraryCodes { main.writeFunction(code) }
        }
        for d in e.dbs {
            precondition(d.table.snapshot == nil, "two snapshots on one table")
            let t = SnapshotTable(owner: self, table: d.table, db: d.index)
            tables.append(t)
            // An empty table has nothing to save: no hook, and no walk (its free slots may be
            // filled later by keys that didn't exist at the instant).
            if t.count > 0 { d.table.snapshot = t } else { t.cursor = t.limit }
        }
    }

    /// Writes entry `e` of `t` (pre-write hook or walker).
    func serialize(_ t: SnapshotTable, _ e: UnsafeMutablePointer<KeyEntry>) {
        keysProcessed += 1
        let at = e.pointee.expireAt
        let w: RdbWriter
        if current < tables.count && tables[current] === t && currentStarted {
            w = main
        } else if let s = t.side {
            w = s
        } else {
            w = RdbWriter(compression: compression)
            t.side = w
        }
        if handoff && w === main, let (value, weight) = SnapshotEntry.detach(e.pointee.value) {
            if batch.isEmpty { try? main.flush() }   // bytes before the entries go first
            batch.append(SnapshotEntry(key: e.pointee.key, value: value, expireAt: at))
            batchWeight += weight
            if batch.count >= Snapshot.batchSize || batchWeight >= 1 << 20 { flushBatch() }
            return
        }
        if w === main { flushBatch() }
        if commandForm {
            let entry = SnapshotEntry(key: e.pointee.key, value: e.pointee.value, expireAt: at)
            entry.writeCommands(&scratch, dump: dump)
            w.put(scratch.readable)
            scratch.clear()
        } else {
            w.writeKey(e.pointee.key, e.pointee.value, expireAt: at == 0 ? nil : at)
        }
        if w === main { try? main.flushIfNeeded() }
    }

    /// Hands the pending entries to the sink (before `main` gets more bytes).
    @inline(__always) func flushBatch() {
        if batch.isEmpty { return }
        sink.writeEntries(batch, weight: batchWeight, format: commandForm ? .commands(dump: dump) : .rdb(compression: compression))
        batch.removeAll(keepingCapacity: true)
        batchWeight = 0
    }

    /// The sink has enough queued: the walk waits for its thread.
    var sinkIsFull: Bool { sink.pendingBytes > maxPending || sink.pendingEntries > maxPendingEntries }

    /// Walks for about `micros` µs (at least a few entries). Returns true once every byte has
    /// been handed to the sink (then `finished` is set and the sink is closed).
    /// `maxWork` bounds the step in slots (a serialized entry counts 8) for tests.
    /// After `minMicros` the walk also stops as soon as `yieldIf` says a client is waiting (the
    /// server asks its epoll set), so a request arriving mid-step waits ~`minMicros`, not `micros`.
    @discardableResult
    public func step(micros: Int64 = 1000, maxWork: Int = Int.max, minMicros: Int64 = .max,
                     yieldIf: (() -> Bool)? = nil) -> Bool {
        if finished { return true }
        if sinkIsFull { return false }
        let started = monotonicMicros()
        let deadline = started + micros
        let yieldAfter = minMicros == .max ? Int64.max : started + minMicros
        var nextAsk = yieldAfter
        var work = 0, sinceCheck = 0
        while current < tables.count {
            let t = tables[current]
            if !currentStarted {
                currentStarted = true
                flushBatch()
                if t.count > 0 && commandForm {
                    scratch.writeArrayHeader(2)
                    scratch.writeBulk("SELECT" as StaticString)
                    scratch.writeBulk(String(t.db))
                    main.put(scratch.readable)
                    scratch.clear()
                    if let s = t.side { main.put(s.bytes); t.side = nil }
                    try? main.flushIfNeeded()
                } else if t.count > 0 {
                    main.put(Rdb.opSelectDB); main.putLen(t.db)
                    main.put(Rdb.opResizeDB); main.putLen(t.count); main.putLen(t.volatileCount)
                    if let s = t.side { main.put(s.bytes); t.side = nil }
                    try? main.flushIfNeeded()
                }
            }
            let table = t.table
            while t.cursor < t.limit {
                let i = t.cursor
                t.cursor += 1
                if Int(i) & KeyTable.chunkMask < KeyTable.reservedSlots { continue }
                var cost = 1
                if !t.isDone(i) && table.nextField(i).pointee >= 0 { t.save(i); cost = 8 }
                work += cost
                sinceCheck += cost
                if work >= maxWork { flushBatch(); return false }
                if sinceCheck >= 64 {   // ~8 entries: clock_gettime is cheap next to them
                    sinceCheck = 0
                    let now = monotonicMicros()
                    if now >= deadline { flushBatch(); return false }
                    // Asking costs a syscall: at most every 5 us.
                    if now >= nextAsk, let ask = yieldIf {
                        if ask() { flushBatch(); return false }
                        nextAsk = now + 5
                    }
                }
            }
            t.detachHook()
            current += 1
            currentStarted = false
        }
        flushBatch()
        if commandForm { try? main.flush() } else { try? main.finish(checksum: checksum) }
        finished = true
        release()
        sink.close(checksum: checksum)
        return true
    }

    /// Runs the walk to the end now (SHUTDOWN, tests).
    public func runToEnd() {
        maxPending = Int.max
        while !step(micros: 1_000_000) {}
    }

    /// Stops observing the tables; storage detached by flushes goes to the lazy-free thread.
    func release() {
        for t in tables {
            t.detachHook()
            t.side = nil
            if t.detached, let f = lazyFree { f(DetachedKeyspace(t.table)) }
        }
        tables.removeAll()
        batch.removeAll()
    }

    /// Abandons the snapshot: hooks removed, the sink's file dropped.
    public func cancel() {
        if finished { return }
        finished = true
        release()
        sink.cancel()
    }
}
