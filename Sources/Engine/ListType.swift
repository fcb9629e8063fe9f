// The list type (Redis's quicklist, src/quicklist.c): a deque of chunks, each chunk holding
// listpack-encoded entries in one buffer (ListType+Chunk.swift, ListType+Listpack.swift).
//
// Redis 7.0 reports every list as "quicklist" in OBJECT ENCODING (the small-list "listpack"
// encoding arrived in 7.2); a small list here is simply a quicklist of one chunk.
//
// Chunk size follows list-max-listpack-size as read when the list was created (Redis keeps
// `fill` per quicklist too): negative = at most 4/8/16/32/64 KB of listpack per chunk,
// positive = at most that many entries (and 8 KB, Redis's SIZE_SAFETY_LIMIT). An element too big
// for any chunk gets a chunk of its own. Pushes and pops touch only the end chunk: O(1).
// Positions are reached by walking chunk counts from the nearer end (O(chunks)), then entries
// within the chunk from its nearer end.
//
// Copies share chunks: `copy()` (a BGSAVE hand-over, COPY) is O(chunks), and a write clones only
// the chunk it touches, if it is shared (`ChunkRing.owned`, the one way to a writable chunk).
//
// Invariants (check() in ListType+Check.swift): `count` is the sum of the chunks' counts, no
// chunk is empty, and every chunk respects the fill limit unless it holds a single entry.

public final class ListValue: ObjectValue {
    var chunks = ChunkRing()
    public internal(set) var count = 0
    /// list-max-listpack-size when the list was made, clamped like quicklistSetFill.
    let fill: Int

    public var typeName: String { "list" }
    public var encodingName: String { "quicklist" }

    public init(fill: Int) { self.fill = min(max(fill, -5), 32767) }

    deinit { chunks.removeAll() }

    public func copy() -> ObjectValue {
        let l = ListValue(fill: fill)
        for i in 0..<chunks.count { l.chunks.append(chunks[i]) }
        l.count = count
        return l
    }

    // MARK: fill limits

    /// Byte limit of one chunk's listpack.
    @inline(__always) var sizeLimit: Int { fill < 0 ? 4096 << (-fill - 1) : 8192 }

    /// Redis's _quicklistNodeAllowInsert: may `c` take one more entry of `size` bytes?
    @inline(__always) func accepts(_ c: ListChunk, adding size: Int) -> Bool {
        let newSize = c.listpackBytes + size
        if fill < 0 { return newSize <= sizeLimit }
        return newSize <= 8192 && c.count < max(fill, 1)
    }

    /// Capacity for a fresh chunk whose first entry takes `size` bytes: small, growing by
    /// doubling, so short lists stay small.
    @inline(__always) func firstCapacity(_ size: Int) -> Int { max(size, 32) }

    // MARK: ends. O(1)

    /// Adds `raw` at the head (LPUSH) or the tail (RPUSH).
    public func push(_ raw: UnsafeRawBufferPointer, atHead: Bool) {
        let e = Listpack.encode(raw)
        if atHead {
            if let f = chunks.first, accepts(f, adding: e.size) {
                let c = chunks.owned(0)
                if c.start < e.size { c.makeRoom(front: e.size, back: 0, limit: sizeLimit) }
                c.pushFront(raw, e)
            } else {
                if chunks.count > 0 { chunks.owned(0).shrinkToFit() }
                let cap = firstCapacity(e.size)
                let c = ListChunk(capacity: cap, at: cap)
                c.pushFront(raw, e)
                chunks.prepend(c)
            }
        } else {
            if let l = chunks.last, accepts(l, adding: e.size) {
                let c = chunks.owned(chunks.count - 1)
                if c.capacity - c.end < e.size { c.makeRoom(front: 0, back: e.size, limit: sizeLimit) }
                c.pushBack(raw, e)
            } else {
                if chunks.count > 0 { chunks.owned(chunks.count - 1).shrinkToFit() }
                let c = ListChunk(capacity: firstCapacity(e.size), at: 0)
                c.pushBack(raw, e)
                chunks.append(c)
            }
        }
        count += 1
    }

    /// Calls `body` with the head or tail element, then removes it. False when empty.
    @discardableResult
    public func pop(atHead: Bool, _ body: (ListElement) -> Void) -> Bool {
        guard chunks.count > 0 else { return false }
        let c = chunks.owned(atHead ? 0 : chunks.count - 1)
        if atHead {
            body(c.element(at: c.start))
            c.dropFront(1)
        } else {
            let s = c.entryStart(endingAt: c.end)
            body(c.element(at: s))
            c.dropBack(1)
        }
        count -= 1
        if c.count == 0 {
            if atHead { chunks.removeFirst() } else { chunks.removeLast() }
        } else {
            c.shrinkIfSparse()
        }
        return true
    }

    /// Removes the first `n` elements (LTRIM, LPOP count). O(chunks dropped + one chunk).
    public func removeFirst(_ n: Int) {
        var left = min(n, count)
        count -= left
        while left > 0, let f = chunks.first {
            if f.count <= left {
                left -= f.count
                chunks.removeFirst()
            } else {
                let c = chunks.owned(0)
                c.dropFront(left)
                c.shrinkIfSparse()
                left = 0
            }
        }
    }

    /// Removes the last `n` elements. O(chunks dropped + one chunk).
    public func removeLast(_ n: Int) {
        var left = min(n, count)
        count -= left
        while left > 0, let l = chunks.last {
            if l.count <= left {
                left -= l.count
                chunks.removeLast()
            } else {
                let c = chunks.owned(chunks.count - 1)
                c.dropBack(left)
                c.shrinkIfSparse()
                left = 0
            }
        }
    }

    // MARK: positions

    /// Where element `index` (0 ..< count) is: chunk number and byte offset. O(chunks).
    func position(of index: Int) -> (chunk: Int, offset: Int) {
        precondition(index >= 0 && index < count, "list index out of range")
        if index < count / 2 {
            var i = index
            var k = 0
            while i >= chunks[k].count { i -= chunks[k].count; k += 1 }
            return (k, chunks[k].offset(ofEntry: i))
        }
        var fromEnd = count - 1 - index
        var k = chunks.count - 1
        while fromEnd >= chunks[k].count { fromEnd -= chunks[k].count; k -= 1 }
        let c = chunks[k]
        return (k, c.offset(ofEntry: c.count - 1 - fromEnd))
    }

    /// Calls `body` with element `index` (0 ..< count). O(chunks).
    public func withElement<R>(at index: Int, _ body: (ListElement) -> R) -> R {
        let (k, off) = position(of: index)
        return body(chunks[k].element(at: off))
    }

    /// Calls `body` on elements from `index` towards the tail (or towards the head when
    /// `reverse`) until it returns false or the list ends. O(chunks + elements visited).
    public func forEach(from index: Int, reverse: Bool = false, _ body: (ListElement) -> Bool) {
        guard index >= 0 && index < count else { return }
        var (k, off) = position(of: index)
        if !reverse {
            while k < chunks.count {
                let c = chunks[k]
                while off < c.end {
                    if !body(c.element(at: off)) { return }
                    off += c.entrySize(at: off)
                }
                k += 1
                if k < chunks.count { off = chunks[k].start }
            }
        } else {
            off += chunks[k].entrySize(at: off)   // walk from the end of `index`'s entry
            while k >= 0 {
                let c = chunks[k]
                while off > c.start {
                    off = c.entryStart(endingAt: off)
                    if !body(c.element(at: off)) { return }
                }
                k -= 1
                if k >= 0 { off = chunks[k].end }
            }
        }
    }
}
