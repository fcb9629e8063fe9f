// The chunks of a list in order: a ring buffer of chunk references (a deque), so adding or
// dropping a chunk at either end is O(1) amortized and reaching the k-th chunk is O(1). It
// replaces quicklist's prev/next pointers; inserting a chunk in the middle (a split) moves
// at most half the references. Owned by its ListValue, which frees it.

struct ChunkRing {
    private var buf: UnsafeMutablePointer<ListChunk>? = nil
    private var cap = 0          // power of two (or 0)
    private var head = 0
    private(set) var count = 0

    init() {}

    @inline(__always) private func slot(_ i: Int) -> Int { (head &+ i) & (cap &- 1) }

    @inline(__always) subscript(i: Int) -> ListChunk {
        get { buf![slot(i)] }
    }

    @inline(__always) var first: ListChunk? { count == 0 ? nil : buf![head] }
    /// The chunk at `i` for writing: cloned first when another list shares it (a snapshot's
    /// copy, COPY's). Every write to a chunk goes through here.
    @inline(__always) mutating func owned(_ i: Int) -> ListChunk {
        let p = buf! + slot(i)
        if !isKnownUniquelyReferenced(&p.pointee) { p.pointee = p.pointee.clone() }
        return p.pointee
    }
    @inline(__always) var last: ListChunk? { count == 0 ? nil : buf![slot(count - 1)] }

    private mutating func grow() {
        let newCap = cap == 0 ? 1 : cap * 2
        let nb = UnsafeMutablePointer<ListChunk>.allocate(capacity: newCap)
        for i in 0..<count { (nb + i).moveInitialize(from: buf! + slot(i), count: 1) }
        buf?.deallocate()
        buf = nb
        cap = newCap
        head = 0
    }

    mutating func append(_ c: ListChunk) {
        if count == cap { grow() }
        (buf! + slot(count)).initialize(to: c)
        count += 1
    }

    mutating func prepend(_ c: ListChunk) {
        if count == cap { grow() }
        head = (head &- 1) & (cap &- 1)
        (buf! + head).initialize(to: c)
        count += 1
    }

    mutating func removeFirst() {
        (buf! + head).deinitialize(count: 1)
        head = slot(1)
        count -= 1
        shrinkIfSparse()
    }

    mutating func removeLast() {
        (buf! + slot(count - 1)).deinitialize(count: 1)
        count -= 1
        shrinkIfSparse()
    }

    /// Inserts `c` so that it becomes chunk `i`. O(min(i, count - i)).
    mutating func insert(_ c: ListChunk, at i: Int) {
        if i == 0 { prepend(c); return }
        if i == count { append(c); return }
        if count == cap { grow() }
        if i < count / 2 {
            head = (head &- 1) & (cap &- 1)
            (buf! + head).initialize(to: buf![slot(1)])
            for k in 1..<i { buf![slot(k)] = buf![slot(k + 1)] }
            buf![slot(i)] = c
        } else {
            (buf! + slot(count)).initialize(to: buf![slot(count - 1)])
            var k = count - 1
            while k > i { buf![slot(k)] = buf![slot(k - 1)]; k -= 1 }
            buf![slot(i)] = c
        }
        count += 1
    }

    /// Removes chunk `i`. O(min(i, count - i)).
    mutating func remove(at i: Int) {
        if i == 0 { removeFirst(); return }
        if i == count - 1 { removeLast(); return }
        if i < count / 2 {
            var k = i
            while k > 0 { buf![slot(k)] = buf![slot(k - 1)]; k -= 1 }
            removeFirst()
        } else {
            for k in i..<(count - 1) { buf![slot(k)] = buf![slot(k + 1)] }
            removeLast()
        }
    }

    /// Halves the reference buffer when a quarter full (lists that shrank a lot).
    private mutating func shrinkIfSparse() {
        if count == 0 { buf?.deallocate(); buf = nil; cap = 0; head = 0; return }
        guard cap >= 16 && count * 4 <= cap else { return }
        let newCap = cap / 2
        let nb = UnsafeMutablePointer<ListChunk>.allocate(capacity: newCap)
        for i in 0..<count { (nb + i).moveInitialize(from: buf! + slot(i), count: 1) }
        buf!.deallocate()
        buf = nb
        cap = newCap
        head = 0
    }

    /// Releases every chunk reference and the buffer.
    mutating func removeAll() {
        for i in 0..<count { (buf! + slot(i)).deinitialize(count: 1) }
        buf?.deallocate()
        buf = nil
        cap = 0
        head = 0
        count = 0
    }
}
