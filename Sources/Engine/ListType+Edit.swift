// Edits inside a list (LSET, LINSERT, LREM): they touch one chunk, or split one when it is
// full, as quicklist's _quicklistInsert does. Chunks that shrink are not merged back (Redis
// merges only around inserts, and only small neighbours); empty chunks are dropped at once.

extension ListValue {
    /// Index of the first element equal to `needle`, from the head. O(N).
    public func firstIndex(of needle: ListNeedle) -> Int? {
        var i = 0
        var found: Int? = nil
        forEach(from: 0) { e in
            if needle.matches(e) { found = i; return false }
            i += 1
            return true
        }
        return found
    }

    /// Inserts `raw` so that it becomes element `index` (0 ... count). O(chunks + one chunk).
    public func insert(_ raw: UnsafeRawBufferPointer, at index: Int) {
        precondition(index >= 0 && index <= count, "list insert index out of range")
        if index == 0 { push(raw, atHead: true); return }
        if index == count { push(raw, atHead: false); return }
        let e = Listpack.encode(raw)
        let (k, off) = position(of: index)
        let c = chunks.owned(k)
        defer { count += 1 }
        if accepts(c, adding: e.size) {
            c.insert(raw, e, at: off, limit: sizeLimit)
            return
        }
        if off == c.start {
            // Between two chunks: the previous one may still have room at its tail.
            if k > 0, accepts(chunks[k - 1], adding: e.size) {
                let p = chunks.owned(k - 1)
                if p.capacity - p.end < e.size { p.makeRoom(front: 0, back: e.size, limit: sizeLimit) }
                p.pushBack(raw, e)
            } else {
                chunks.insert(single(raw, e), at: k)
            }
            return
        }
        // Inside a full chunk: split it there and put the element at the end of the first half,
        // at the start of the second, or alone between them.
        var before = 0
        var o = c.start
        while o < off { o += c.entrySize(at: o); before += 1 }
        let tail = c.split(at: off, entriesBefore: before)
        chunks.insert(tail, at: k + 1)
        if accepts(c, adding: e.size) {
            if c.capacity - c.end < e.size { c.makeRoom(front: 0, back: e.size, limit: sizeLimit) }
            c.pushBack(raw, e)
        } else if accepts(tail, adding: e.size) {
            tail.makeRoom(front: e.size, back: 0, limit: sizeLimit)
            tail.pushFront(raw, e)
        } else {
            chunks.insert(single(raw, e), at: k + 1)
        }
        c.shrinkToFit()
    }

    /// A new chunk holding only `raw`.
    private func single(_ raw: UnsafeRawBufferPointer, _ e: Listpack.Encoded) -> ListChunk {
        let c = ListChunk(capacity: e.size, at: 0)
        c.pushBack(raw, e)
        return c
    }

    /// Replaces element `index` (0 ..< count) with `raw` (LSET). O(chunks + one chunk).
    public func replace(at index: Int, with raw: UnsafeRawBufferPointer) {
        let (k, off) = position(of: index)
        let c = chunks.owned(k)
        let oldSize = c.entrySize(at: off)
        let e = Listpack.encode(raw)
        let delta = e.size - oldSize
        if delta <= 0 || c.count == 1 || c.listpackBytes + delta <= sizeLimit {
            c.replace(at: off, oldSize: oldSize, with: raw, e, limit: sizeLimit)
            return
        }
        // Too big for this chunk: take the old entry out and insert the new one in its place
        // (which may split the chunk), as quicklistReplaceEntry does.
        c.remove(at: off, size: oldSize)
        count -= 1
        insert(raw, at: index)
    }

    /// Removes elements equal to `needle`: at most `limit` (0 = all), from the head, or from the
    /// tail when `fromTail` (LREM). Returns how many were removed. O(N).
    public func removeAll(matching needle: ListNeedle, limit: Int, fromTail: Bool) -> Int {
        var removed = 0
        var k = fromTail ? chunks.count - 1 : 0
        while k >= 0 && k < chunks.count && (limit == 0 || removed < limit) {
            let c = chunks.owned(k)
            let n = c.removeMatching(needle, limit: limit == 0 ? 0 : limit - removed, fromTail: fromTail)
            removed += n
            if c.count == 0 {
                chunks.remove(at: k)
                if fromTail { k -= 1 }
            } else {
                if n > 0 { c.shrinkIfSparse() }
                k += fromTail ? -1 : 1
            }
        }
        count -= removed
        return removed
    }
}
