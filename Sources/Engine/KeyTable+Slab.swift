// The entry slab: chunks of `chunkSize` entries (64 KB, mmap'ed, page aligned) whose entries
// are initialized / deinitialized one at a time, so ARC sees exactly the live keys and values.
// Chunks are mmap'ed rather than malloc'ed so that removeAll/detach hand the memory straight
// back to the OS (glibc keeps freed heap chunks), and adjacent mappings merge into one VMA.
//
// The first two entry slots of every chunk (128 bytes) are not entries: they hold the chunk's
// bitmap of "in the volatile list" flags, one bit per slot. The flag lives beside the entry
// rather than in it because the entry is exactly 64 bytes (a flag byte would make it 72), and
// keeping it inside the chunk keeps chunks exactly 64 KB with power-of-two index math, at a
// cost of 2 slots in 1024. This also makes slab index 0 (chunk 0's bitmap) the "none" index.
//
// Free slots form a LIFO free list through their `next` field, encoded as -1 - nextFree
// (so every free slot has next < 0 and a live one next >= 0). Chunks are never returned while
// the table lives (indices must stay valid); removeAll/detach release them all.

extension KeyTable {
    static let chunkShift = 10
    static let chunkSize = 1 << chunkShift
    static let chunkMask = chunkSize - 1
    static let chunkBytes = chunkSize * MemoryLayout<KeyEntry>.stride
    /// Slots 0 and 1 of each chunk hold its flag bitmap.
    static let reservedSlots = 2

    @inline(__always) func entry(_ i: Int32) -> UnsafeMutablePointer<KeyEntry> {
        chunks[Int(i) >> KeyTable.chunkShift] + (Int(i) & KeyTable.chunkMask)
    }

    /// The `next` field of slot `i`, readable whether the slot is live or free.
    @inline(__always) func nextField(_ i: Int32) -> UnsafeMutablePointer<Int32> {
        entry(i).pointer(to: \.next)!
    }

    /// True when slab slot `i` holds a key.
    @inline(__always) func isLive(_ i: Int32) -> Bool {
        i > 0 && i < highWater && Int(i) & KeyTable.chunkMask >= KeyTable.reservedSlots && nextField(i).pointee >= 0
    }

    /// A slot for a new entry (uninitialized memory). O(1); allocates a chunk when the slab is full.
    func allocEntry() -> Int32 {
        if freeHead != 0 {
            let i = freeHead
            freeHead = -1 - nextField(i).pointee
            return i
        }
        if Int(highWater) >= chunkCount << KeyTable.chunkShift {
            addChunk()
            highWater = Int32((chunkCount - 1) << KeyTable.chunkShift + KeyTable.reservedSlots)
        }
        let i = highWater
        highWater += 1
        return i
    }

    /// Returns slot `i` (already deinitialized) to the free list.
    @inline(__always) func freeEntry(_ i: Int32) {
        nextField(i).initialize(to: -1 - freeHead)
        freeHead = i
    }

    func addChunk() {
        precondition(chunkCount < (Int(Int32.max) >> KeyTable.chunkShift), "keyspace slab full (2^31 keys)")
        if chunkCount == chunkCapacity {
            // The chunk directory holds pointers only (8 bytes per 1024 keys): copying it is cheap.
            let cap = max(16, chunkCapacity * 2)
            let n = UnsafeMutablePointer<UnsafeMutablePointer<KeyEntry>>.allocate(capacity: cap)
            n.moveInitialize(from: chunks, count: chunkCount)
            chunks.deallocate()
            chunks = n
            chunkCapacity = cap
            slotIndex?.reserveChunks(cap)
        }
        // Zero-filled by the kernel: the flag bitmap starts clear.
        let raw = mmap(nil, KeyTable.chunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(raw != MAP_FAILED, "out of memory for keyspace entries")
        chunks[chunkCount] = raw!.bindMemory(to: KeyEntry.self, capacity: KeyTable.chunkSize)
        chunkCount += 1
        slotIndex?.addChunk()
    }

    // MARK: volatile-list flags

    /// The bitmap word holding slot `i`'s flag, and its bit. Raw loads/stores: the memory is
    /// bound to KeyEntry.
    @inline(__always) func flagWord(_ i: Int32) -> (UnsafeMutableRawPointer, UInt64) {
        let off = Int(i) & KeyTable.chunkMask
        return (UnsafeMutableRawPointer(chunks[Int(i) >> KeyTable.chunkShift]) + (off >> 6) * 8, 1 << UInt64(off & 63))
    }
    @inline(__always) func inVolatileList(_ i: Int32) -> Bool {
        let (w, bit) = flagWord(i)
        return w.load(as: UInt64.self) & bit != 0
    }
    @inline(__always) func setInVolatileList(_ i: Int32, _ on: Bool) {
        let (w, bit) = flagWord(i)
        let v = w.load(as: UInt64.self)
        w.storeBytes(of: on ? v | bit : v & ~bit, as: UInt64.self)
    }

    // MARK: walks

    /// Calls `body` with every live slab index, in slab order. O(slab size).
    /// `body` may insert or remove keys (entries added meanwhile may or may not be visited).
    func forEachIndex(_ body: (Int32) -> Void) {
        pauseCount += 1
        defer { pauseCount -= 1 }
        var i: Int32 = 0
        while i < highWater {
            if Int(i) & KeyTable.chunkMask < KeyTable.reservedSlots { i += 1; continue }
            if nextField(i).pointee >= 0 { body(i) }
            i += 1
        }
    }

    /// Moves all keys into a new table (returned) and leaves this one empty. O(1).
    func detachStorage() -> KeyTable {
        let old = KeyTable(seed: 0)   // its hasher is never used: it is only released
        swap(&old.t0, &t0); swap(&old.t1, &t1); swap(&old.rehashIdx, &rehashIdx)
        swap(&old.count, &count); swap(&old.volatileCount, &volatileCount)
        swap(&old.chunks, &chunks); swap(&old.chunkCount, &chunkCount); swap(&old.chunkCapacity, &chunkCapacity)
        swap(&old.highWater, &highWater); swap(&old.freeHead, &freeHead)
        swap(&old.volatileList, &volatileList)
        swap(&old.slotCounts, &slotCounts); swap(&old.slotIndex, &slotIndex)
        // A running snapshot keeps reading the detached entries (frozen: nothing else has them);
        // this table starts empty, so nothing in it belongs to the snapshot.
        if let s = snapshot {
            snapshot = nil
            s.table = old
            s.detached = true
        }
        return old
    }

    /// Deinitializes every live entry and frees all memory: the table becomes empty. O(n).
    func releaseStorage() {
        var i: Int32 = 0
        while i < highWater {
            if Int(i) & KeyTable.chunkMask >= KeyTable.reservedSlots && nextField(i).pointee >= 0 {
                entry(i).deinitialize(count: 1)
            }
            i += 1
        }
        for c in 0..<chunkCount { munmap(chunks[c], KeyTable.chunkBytes) }
        chunkCount = 0
        highWater = 0
        freeHead = 0
        t0.free(); t1.free()
        t0 = .empty; t1 = .empty
        rehashIdx = -1
        count = 0
        volatileCount = 0
        volatileList.removeAll()
        slotCounts.map { free($0) }
        slotCounts = nil
        slotIndex?.removeAll()
    }
}

#if canImport(Glibc)
import Glibc
#endif
