// What a snapshot's sink threads (SnapshotFileSink, SnapshotEncoder) take from the engine thread:
// file bytes or entries to encode, in order, and the engine-side outbox they wait in until the
// sink's mutex is free (the engine thread only `trylock`s while a walk runs: those threads run
// at a lower priority and may be preempted holding it).

enum SnapshotBlock {
    case bytes([UInt8])
    case entries([SnapshotEntry], weight: Int, format: SnapshotEntry.Format)

    /// Counted toward the sink's pending bytes.
    var weight: Int {
        switch self {
        case .bytes(let b): return b.count
        case .entries(_, let w, _): return w
        }
    }
    var entryCount: Int {
        if case .entries(let es, _, _) = self { return es.count }
        return 0
    }

    /// Appends the block to `out` (encoding entries; a snapshot's compression setting arrives
    /// with its first entries and replaces the writer, keeping what it holds).
    func append(to out: inout RdbWriter) {
        switch self {
        case .bytes(let b): out.put(b)
        case .entries(let es, _, let format):
            if case .rdb(let compression) = format, out.compression != compression {
                let held = out.bytes
                out = RdbWriter(compression: compression)
                out.put(held)
            }
            SnapshotEntry.encode(es, format, into: out)
        }
    }
}

/// Engine-thread side of a sink's queue.
struct SnapshotOutbox {
    private(set) var blocks: [SnapshotBlock] = []
    private(set) var bytes = 0
    private(set) var entries = 0

    mutating func add(_ b: SnapshotBlock) {
        blocks.append(b)
        bytes += b.weight
        entries += b.entryCount
    }

    /// Moves everything to the sink thread's queue (the caller holds the sink's mutex).
    mutating func move(into queue: inout [SnapshotBlock], bytes qb: inout Int, entries qe: inout Int) {
        queue.append(contentsOf: blocks)
        qb += bytes
        qe += entries
        clear()
    }

    mutating func clear() {
        blocks.removeAll(keepingCapacity: true)
        bytes = 0
        entries = 0
    }
}
