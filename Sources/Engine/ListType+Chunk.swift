// One chunk of a list (Redis's quicklistNode + its listpack): `count` listpack entries stored
// back to back in one malloc'ed buffer, between byte offsets `start` and `end`.
//
// Unlike a listpack, the entries float inside the buffer with free space at both ends (a gap
// buffer): a push at the head writes into the slack before `start` and a pop there just moves
// `start`, so both ends are O(1) without the memmove of the whole chunk that lpInsert/lpDelete
// do. The buffer is realloc'ed as it grows (doubling, up to what the fill limit allows) and
// shrunk when it is mostly empty.
//
// Invariants (checked by ListValue.check() in debug builds): 0 <= start <= end <= capacity;
// walking entries forwards from `start` lands exactly on `end` after `count` entries, and
// backwards likewise; count > 0 while the chunk is in a list.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ListChunk {
    private(set) var base: UnsafeMutablePointer<UInt8>
    // Int32 fields keep the object at 40 bytes; a chunk never exceeds 2 GB (elements are at
    // most proto-max-bulk-len, 512 MB by default, and a full chunk takes no more).
    private var _start: Int32
    private var _end: Int32
    private var _count: Int32
    private var _capacity: Int32

    @inline(__always) var start: Int { Int(_start) }
    @inline(__always) var end: Int { Int(_end) }
    @inline(__always) var count: Int { Int(_count) }
    @inline(__always) var capacity: Int { Int(_capacity) }
    /// Bytes of entries.
    @inline(__always) var used: Int { Int(_end &- _start) }
    /// The size Redis's listpack would have (6-byte header + entries + terminator), which is
    /// what list-max-listpack-size limits.
    @inline(__always) var listpackBytes: Int { used + 7 }

    /// An empty chunk with `capacity` bytes; entries will start at `at` (the free space before
    /// it is for head pushes, after it for tail pushes).
    init(capacity: Int, at: Int) {
        let cap = max(capacity, 16)
        base = malloc(cap)!.assumingMemoryBound(to: UInt8.self)
        _capacity = Int32(cap)
        _start = Int32(min(max(at, 0), cap))
        _end = _start
        _count = 0
    }

    deinit { free(base) }

    /// A copy with the same layout (capacity, start, end), so offsets into this chunk stay
    /// valid in the clone: what a write to a shared chunk works on.
    func clone() -> ListChunk {
        let c = ListChunk(capacity: capacity, at: start)
        if used > 0 { (c.base + start).update(from: base + start, count: used) }
        c._end = _end
        c._count = _count
        return c
    }

    /// A deep copy with no slack.
    func copy() -> ListChunk {
        let c = ListChunk(capacity: used, at: 0)
        if used > 0 { c.base.update(from: base + start, count: used) }
        c._end = Int32(used)
        c._count = _count
        return c
    }

    // MARK: reading

    @inline(__always) func element(at off: Int) -> ListElement { Listpack.decode(at: base + off) }
    @inline(__always) func entrySize(at off: Int) -> Int { Listpack.entrySize(at: base + off) }
    /// Offset of the entry that ends at `off`.
    @inline(__always) func entryStart(endingAt off: Int) -> Int { off - Listpack.entrySize(endingAt: base + off) }

    /// Offset of the `i`th entry (0-based), walking from the nearer end. O(count).
    func offset(ofEntry i: Int) -> Int {
        if i <= count / 2 {
            var off = start
            for _ in 0..<i { off += entrySize(at: off) }
            return off
        }
        var off = end
        for _ in 0..<(count - i) { off = entryStart(endingAt: off) }
        return off
    }

    // MARK: room

    /// Ensures `front` free bytes before `start` and `back` after `end`, moving the entries or
    /// growing the buffer (doubling, to at least what is needed, at most `limit` unless more is
    /// needed). Free space beyond the request goes to the side that asked for more.
    func makeRoom(front: Int, back: Int, limit: Int) {
        let frontFree = start, backFree = capacity - end
        if frontFree >= front && backFree >= back { return }
        let need = used + front + back
        if need <= capacity {
            // Enough in total: recentre with the spare split evenly, so a chunk pushed at both
            // ends (a deque) does not move its entries on every other push.
            move(to: front + (capacity - need) / 2)
            return
        }
        var cap = max(capacity * 2, need)
        if cap > limit { cap = max(limit, need) }
        if front == 0 && start == 0 {
            // Growing at the tail with the entries at the front (RPUSH): realloc may extend in place.
            base = realloc(base, cap)!.assumingMemoryBound(to: UInt8.self)
            _capacity = Int32(cap)
            return
        }
        let spare = cap - need
        let newStart = front + (frontFree < front ? spare : 0)
        let nb = malloc(cap)!.assumingMemoryBound(to: UInt8.self)
        if used > 0 { (nb + newStart).update(from: base + start, count: used) }
        free(base)
        base = nb
        _end = Int32(newStart + used)
        _start = Int32(newStart)
        _capacity = Int32(cap)
    }

    /// Moves the entries so they begin at `newStart`.
    private func move(to newStart: Int) {
        if newStart == start { return }
        if used > 0 { memmove(base + newStart, base + start, used) }
        _end = Int32(newStart + used)
        _start = Int32(newStart)
    }

    /// Gives back memory when most of the buffer is free (after pops, trims and removals).
    @inline(__always) func shrinkIfSparse() {
        if capacity >= 256 && used * 4 < capacity { resize(to: max(used * 2, 16)) }
    }

    /// Drops all slack (a chunk that will not grow any more: its neighbour took the next push).
    func shrinkToFit() {
        if capacity - used > max(capacity / 8, 32) { resize(to: max(used, 16)) }
    }

    private func resize(to cap: Int) {
        move(to: 0)
        base = realloc(base, cap)!.assumingMemoryBound(to: UInt8.self)
        _capacity = Int32(cap)
    }

    // MARK: ends

    /// Writes `raw` (encoded as `e`) before the first entry; the caller made room.
    @inline(__always) func pushFront(_ raw: UnsafeRawBufferPointer, _ e: Listpack.Encoded) {
        let s = start - e.size
        _ = Listpack.write(raw, e, at: base + s)
        _start = Int32(s)
        _count &+= 1
    }

    /// Writes `raw` (encoded as `e`) after the last entry; the caller made room.
    @inline(__always) func pushBack(_ raw: UnsafeRawBufferPointer, _ e: Listpack.Encoded) {
        _end = Int32(end + Listpack.write(raw, e, at: base + end))
        _count &+= 1
    }

    /// Forgets the first `n` entries. O(n).
    func dropFront(_ n: Int) {
        var off = start
        for _ in 0..<n { off += entrySize(at: off) }
        _start = Int32(off)
        _count -= Int32(n)
    }

    /// Forgets the last `n` entries. O(n).
    func dropBack(_ n: Int) {
        var off = end
        for _ in 0..<n { off = entryStart(endingAt: off) }
        _end = Int32(off)
        _count -= Int32(n)
    }

    // MARK: middle

    /// Opens a gap of `size` bytes at `off` (moving the shorter side) and returns where the gap
    /// now starts; the caller made `size` bytes of room on either side.
    private func openGap(at off: Int, _ size: Int) -> Int {
        let headPart = off - start, tailPart = end - off
        if start >= size && (headPart <= tailPart || capacity - end < size) {
            if headPart > 0 { memmove(base + start - size, base + start, headPart) }
            _start = Int32(start - size)
            return off - size
        }
        if tailPart > 0 { memmove(base + off + size, base + off, tailPart) }
        _end = Int32(end + size)
        return off
    }

    /// Inserts `raw` as an entry at byte offset `off` (an entry boundary); the caller checked
    /// the fill limit. O(chunk bytes).
    func insert(_ raw: UnsafeRawBufferPointer, _ e: Listpack.Encoded, at off: Int, limit: Int) {
        let rel = off - start
        if start < e.size && capacity - end < e.size { makeRoom(front: 0, back: e.size, limit: limit) }
        let at = openGap(at: start + rel, e.size)
        _ = Listpack.write(raw, e, at: base + at)
        _count &+= 1
    }

    /// Removes the entry at `off` (of `size` bytes), closing the gap from the shorter side.
    func remove(at off: Int, size: Int) {
        let headPart = off - start, tailPart = end - off - size
        if headPart < tailPart {
            if headPart > 0 { memmove(base + start + size, base + start, headPart) }
            _start = Int32(start + size)
        } else {
            if tailPart > 0 { memmove(base + off, base + off + size, tailPart) }
            _end = Int32(end - size)
        }
        _count -= 1
    }

    /// Replaces the entry at `off` (of `oldSize` bytes) with `raw`. O(chunk bytes).
    func replace(at off: Int, oldSize: Int, with raw: UnsafeRawBufferPointer, _ e: Listpack.Encoded, limit: Int) {
        let delta = e.size - oldSize
        var at = off
        if delta > 0 {
            let rel = off - start
            if start < delta && capacity - end < delta { makeRoom(front: 0, back: delta, limit: limit) }
            at = openGap(at: start + rel, delta)
        } else if delta < 0 {
            // Shrink the entry by closing the excess at its end.
            let tail = end - (off + oldSize)
            if tail > 0 { memmove(base + off + e.size, base + off + oldSize, tail) }
            _end = Int32(end + delta)
        }
        _ = Listpack.write(raw, e, at: base + at)
    }

    /// Moves the entries from `off` to the end into a new chunk (which is returned).
    func split(at off: Int, entriesBefore: Int) -> ListChunk {
        let n = end - off
        let c = ListChunk(capacity: n, at: 0)
        if n > 0 { c.base.update(from: base + off, count: n) }
        c._end = Int32(n)
        c._count = _count - Int32(entriesBefore)
        _end = Int32(off)
        _count = Int32(entriesBefore)
        return c
    }

    /// Removes entries matching `needle`, at most `limit` of them (0 = all), walking from the
    /// head or the tail, compacting in place. Returns how many went.
    func removeMatching(_ needle: ListNeedle, limit: Int, fromTail: Bool) -> Int {
        var removed = 0
        if !fromTail {
            var r = start, w = start
            while r < end {
                let size = entrySize(at: r)
                if (limit == 0 || removed < limit) && needle.matches(element(at: r)) {
                    removed += 1
                } else {
                    if w != r { memmove(base + w, base + r, size) }
                    w += size
                }
                r += size
            }
            _end = Int32(w)
        } else {
            var r = end, w = end
            while r > start {
                let s = entryStart(endingAt: r)
                let size = r - s
                if (limit == 0 || removed < limit) && needle.matches(element(at: s)) {
                    removed += 1
                } else {
                    w -= size
                    if w != s { memmove(base + w, base + s, size) }
                }
                r = s
            }
            _start = Int32(w)
        }
        _count -= Int32(removed)
        return removed
    }
}
