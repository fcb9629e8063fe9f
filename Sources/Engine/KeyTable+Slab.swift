// The entry slab: chunks of `chunkSize` entries allocated with raw memory and initialized /
// deinitialized one entry at a time, so ARC sees exactly the live keys and values.
//
// A chunk is one allocation: the entries (64-byte aligned, one cache line each) followed by a
// bitmap with one "in the volatile list" flag per slot. The flag lives beside the entry rather
// than in it because the entry is exactly 64 bytes: a flag byte would make it 72.
//
// Free slots form a LIFO free list through their `next` field, encoded as -1 - nextFree
// (so every free slot has next < 0 and a live one next >= 0). Chunks are never returned while
// the table lives (indices must stay valid); removeAll/detach release them all.

extension KeyTable {
    static let chunkShift = 10
    static let chunkSize = 1 << chunkShift
    static let chunkMask = chunkSize - 1
    static let chunkEntryBytes = chunkSize * MemoryLayout<KeyEntry>.stride
    static let chunkBytes = chunkEntryBytes + chunkSize / 8

    @inline(__always) func entry(_ i: Int32) -> UnsafeMutablePointer<KeyEntry> {
        chunks[Int(i) >> KeyTable.chunkShift] + (Int(i) & KeyTable.chunkMask)
    }

    /// The `next` field of slot `i`, readable whether the slot is live or free.
    @inline(__always) func nextField(_ i: Int32) -> UnsafeMutablePointer<Int32> {
        entry(i).pointer(to: \.next)!
    }

    /// True when slab slot `i` holds a key.
    @inline(__always) func isLive(_ i: Int32) -> Bool {
        i > 0 && i < highWater && nextField(i).pointee >= 0
    }

    /// A slot for a new entry (uninitialized memory). O(1); allocates a chunk when the slab is full.
    func allocEntry() -> Int32 {
        if freeHead != 0 {
            let i = freeHead
            freeHead = -1 - nextField(i).pointee
            return i
        }
        if Int(highWater) >= chunkCount << KeyTable.chunkShift { addChunk() }
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
        let raw = UnsafeMutableRawPointer.allocate(byteCount: KeyTable.chunkBytes, alignment: 64)
        (raw + KeyTable.chunkEntryBytes).initializeMemory(as: UInt64.self, repeating: 0, count: KeyTable.chunkSize / 64)
        chunks[chunkCount] = raw.bindMemory(to: KeyEntry.self, capacity: KeyTable.chunkSize)
        chunkCount += 1
        slotIndex?.addChunk()
    }

    // MARK: volatile-list flags

    @inline(__always) func flagWord(_ i: Int32) -> (UnsafeMutablePointer<UInt64>, UInt64) {
        let raw = UnsafeMutableRawPointer(chunks[Int(i) >> KeyTable.chunkShift]) + KeyTable.chunkEntryBytes
        let off = Int(i) & KeyTable.chunkMask
        return (raw.assumingMemoryBound(to: UInt64.self) + (off >> 6), 1 << UInt64(off & 63))
    }
    @inline(__always) func inVolatileList(_ i: Int32) -> Bool {
        let (w, bit) = flagWord(i)
        return w.pointee & bit != 0
    }
    @inline(__always) func setInVolatileList(_ i: Int32, _ on: Bool) {
        let (w, bit) = flagWord(i)
        if on { w.pointee |= bit } else { w.pointee &= ~bit }
    }

    // MARK: walks

    /// Calls `body` with every live slab index, in slab order. O(slab size).
    /// `body` may insert or remove keys (entries added meanwhile may or may not be visited).
    func forEachIndex(_ body: (Int32) -> Void) {
        pauseCount += 1
        defer { pauseCount -= 1 }
        var i: Int32 = 1
        while i < highWater {
            if nextField(i).pointee >= 0 { body(i) }
            i += 1
        }
    }

    /// Deinitializes every live entry and frees all memory: the table becomes empty. O(n).
    func releaseStorage() {
        var i: Int32 = 1
        while i < highWater {
            if nextField(i).pointee >= 0 { entry(i).deinitialize(count: 1) }
            i += 1
        }
        for c in 0..<chunkCount { UnsafeMutableRawPointer(chunks[c]).deallocate() }
        chunkCount = 0
        highWater = 1
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
