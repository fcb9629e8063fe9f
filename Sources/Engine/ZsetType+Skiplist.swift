// The skiplist of big sorted sets (Redis's zskiplist, t_zset.c; after William Pugh's "Skip
// Lists: A Probabilistic Alternative to Balanced Trees"), with Redis's three changes: repeated
// scores are allowed, elements are ordered by (score, member), and level 0 is doubly linked
// (a backward pointer) for reverse walks. Every forward link carries a span (how many level-0
// steps it jumps), so rank lookups and rank ranges are O(log N).
//
// Nodes are single malloc'd blocks with no Swift object header or refcount, laid out as
//   0: score (Double) · 8: backward node · 16: member length (UInt32) · 20: level count (UInt32)
//   24: forward[level] (8 bytes each) · spans[level] (UInt32 each) · member bytes
// so a typical node (1.33 levels on average) costs 24 + 12·level + member bytes. The skiplist
// owns every node: a node is freed when unlinked for good, and all of them on deinit.
//
// Invariants (checked by `check()` in debug builds): level 0 is sorted strictly by
// (score, member) with no NaN score; every link at level i skips exactly its span of level-0
// nodes; a node of level L is linked at levels 0..<L; `level` is the highest level in use
// (at least 1); backward pointers mirror level 0; `tail` is the last node; `length` counts them.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A handle on one skiplist node (a raw pointer; the skiplist owns the memory).
struct ZNode: Equatable {
    let raw: UnsafeMutableRawPointer

    static let maxLevel = 32
    static let levelsOffset = 24

    @inline(__always) init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }

    /// Allocates an unlinked node (forward links nil, spans 0, no backward link).
    static func make(level: Int, score: Double, member: UnsafeRawBufferPointer) -> ZNode {
        let size = levelsOffset + 12 * level + member.count
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        p.storeBytes(of: score, as: Double.self)
        p.storeBytes(of: nil, toByteOffset: 8, as: UnsafeMutableRawPointer?.self)
        p.storeBytes(of: UInt32(member.count), toByteOffset: 16, as: UInt32.self)
        p.storeBytes(of: UInt32(level), toByteOffset: 20, as: UInt32.self)
        (p + levelsOffset).initializeMemory(as: UInt8.self, repeating: 0, count: 12 * level)
        if member.count > 0 {
            (p + levelsOffset + 12 * level).copyMemory(from: member.baseAddress!, byteCount: member.count)
        }
        return ZNode(p)
    }

    @inline(__always) func free() { raw.deallocate() }

    @inline(__always) var score: Double {
        get { raw.load(as: Double.self) }
        nonmutating set { raw.storeBytes(of: newValue, as: Double.self) }
    }
    @inline(__always) var backward: ZNode? {
        get { raw.load(fromByteOffset: 8, as: UnsafeMutableRawPointer?.self).map(ZNode.init) }
        nonmutating set { raw.storeBytes(of: newValue?.raw, toByteOffset: 8, as: UnsafeMutableRawPointer?.self) }
    }
    @inline(__always) var levelCount: Int { Int(raw.load(fromByteOffset: 20, as: UInt32.self)) }
    @inline(__always) var member: UnsafeRawBufferPointer {
        let n = Int(raw.load(fromByteOffset: 16, as: UInt32.self))
        return UnsafeRawBufferPointer(start: raw + ZNode.levelsOffset + 12 * levelCount, count: n)
    }

    @inline(__always) func forward(_ i: Int) -> ZNode? {
        raw.load(fromByteOffset: ZNode.levelsOffset + 8 * i, as: UnsafeMutableRawPointer?.self).map(ZNode.init)
    }
    @inline(__always) func setForward(_ i: Int, _ n: ZNode?) {
        raw.storeBytes(of: n?.raw, toByteOffset: ZNode.levelsOffset + 8 * i, as: UnsafeMutableRawPointer?.self)
    }
    @inline(__always) func span(_ i: Int) -> Int {
        Int(raw.load(fromByteOffset: ZNode.levelsOffset + 8 * levelCount + 4 * i, as: UInt32.self))
    }
    @inline(__always) func setSpan(_ i: Int, _ s: Int) {
        raw.storeBytes(of: UInt32(truncatingIfNeeded: s), toByteOffset: ZNode.levelsOffset + 8 * levelCount + 4 * i, as: UInt32.self)
    }

    /// (score, member) < (s, m)
    @inline(__always) func precedes(_ s: Double, _ m: UnsafeRawBufferPointer) -> Bool {
        let mine = score
        return mine < s || (mine == s && compareBytes(member, m) < 0)
    }
}

/// Fixed scratch for the per-level predecessors of an update (Redis's update[] and rank[]).
struct ZUpdate {
    var nodes: UnsafeMutablePointer<UnsafeMutableRawPointer>
    var ranks: UnsafeMutablePointer<Int>

    @inline(__always) static func with<R>(_ body: (ZUpdate) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer.self, capacity: ZNode.maxLevel) { n in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: ZNode.maxLevel) { r in
                body(ZUpdate(nodes: n.baseAddress!, ranks: r.baseAddress!))
            }
        }
    }
    @inline(__always) subscript(i: Int) -> ZNode {
        get { ZNode(nodes[i]) }
        nonmutating set { nodes[i] = newValue.raw }
    }
}

final class ZSkiplist {
    /// The zset's member -> score map that goes with the skiplist encoding (kept here to save
    /// the zset an object); the list itself never reads it.
    let map = BytesMap<Double>()
    let header: ZNode
    private(set) var tail: ZNode? = nil
    private(set) var length = 0
    /// Levels in use (1...32).
    private(set) var level = 1
    /// xorshift64 state for node levels: cheaper than the system generator per insert.
    private var rng: UInt64

    init(seed: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        header = ZNode.make(level: ZNode.maxLevel, score: 0, member: UnsafeRawBufferPointer(start: nil, count: 0))
        rng = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// A copy of `other`'s elements (and map). O(N log N).
    convenience init(copying other: ZSkiplist) {
        self.init()
        var x = other.first
        while let n = x {
            append(n.score, n.member)
            map.set(n.member, n.score)
            x = n.forward(0)
        }
    }

    deinit {
        var x = header.forward(0)
        while let n = x { x = n.forward(0); n.free() }
        header.free()
    }

    /// The first node, nil when empty. O(1).
    @inline(__always) var first: ZNode? { header.forward(0) }

    /// 1 + one more level with probability 1/4 each (p = 0.25), at most 32: each pair of
    /// trailing zero bits of a random word is one coin flip that came up "promote".
    @inline(__always) func randomLevel() -> Int {
        rng ^= rng << 13
        rng ^= rng >> 7
        rng ^= rng << 17
        return 1 + (rng | (1 << 62)).trailingZeroBitCount / 2
    }

    // MARK: insert / delete

    /// Inserts a new element (the caller knows the member is absent). O(log N) expected.
    @discardableResult
    func insert(_ score: Double, _ member: UnsafeRawBufferPointer) -> ZNode {
        let node = ZNode.make(level: randomLevel(), score: score, member: member)
        link(node)
        return node
    }

    /// Links an allocated node at its (score, member) position, using its own level count.
    private func link(_ x: ZNode) {
        let score = x.score, member = x.member
        let lvl = x.levelCount
        ZUpdate.with { u in
            var p = header
            for i in stride(from: level - 1, through: 0, by: -1) {
                u.ranks[i] = i == level - 1 ? 0 : u.ranks[i + 1]
                while let f = p.forward(i), f.precedes(score, member) {
                    u.ranks[i] += p.span(i)
                    p = f
                }
                u[i] = p
            }
            if lvl > level {
                for i in level..<lvl {
                    u.ranks[i] = 0
                    u[i] = header
                    header.setSpan(i, length)
                }
                level = lvl
            }
            for i in 0..<lvl {
                let prev = u[i]
                x.setForward(i, prev.forward(i))
                prev.setForward(i, x)
                x.setSpan(i, prev.span(i) - (u.ranks[0] - u.ranks[i]))
                prev.setSpan(i, u.ranks[0] - u.ranks[i] + 1)
            }
            if lvl < level {
                for i in lvl..<level { u[i].setSpan(i, u[i].span(i) + 1) }
            }
            x.backward = u[0] == header ? nil : u[0]
            if let next = x.forward(0) { next.backward = x } else { tail = x }
            length += 1
        }
    }

    /// Fills `u` with the last node before (score, member) at every level.
    @inline(__always) private func seek(_ score: Double, _ member: UnsafeRawBufferPointer, _ u: ZUpdate) -> ZNode {
        var p = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let f = p.forward(i), f.precedes(score, member) { p = f }
            u[i] = p
        }
        return p
    }

    /// Unlinks `x` given its predecessors (Redis's zslDeleteNode); does not free it.
    private func unlink(_ x: ZNode, _ u: ZUpdate) {
        for i in 0..<level {
            let prev = u[i]
            if prev.forward(i) == x {
                prev.setSpan(i, prev.span(i) + x.span(i) - 1)
                prev.setForward(i, x.forward(i))
            } else {
                prev.setSpan(i, prev.span(i) - 1)
            }
        }
        if let next = x.forward(0) { next.backward = x.backward } else { tail = x.backward }
        while level > 1 && header.forward(level - 1) == nil { level -= 1 }
        length -= 1
    }

    /// Removes the element (score, member); false when absent. O(log N) expected.
    @discardableResult
    func delete(_ score: Double, _ member: UnsafeRawBufferPointer) -> Bool {
        ZUpdate.with { u in
            let p = seek(score, member, u)
            guard let x = p.forward(0), x.score == score, bytesEqual(x.member, member) else { return false }
            unlink(x, u)
            x.free()
            return true
        }
    }

    /// Moves an element from `current` to `new` score (Redis's zslUpdateScore): in place when
    /// the order does not change, otherwise the same node is relinked. O(log N) expected.
    func updateScore(_ current: Double, _ member: UnsafeRawBufferPointer, to new: Double) {
        ZUpdate.with { u in
            let p = seek(current, member, u)
            guard let x = p.forward(0), x.score == current, bytesEqual(x.member, member) else {
                preconditionFailure("ZSkiplist.updateScore: element not found")
            }
            if (x.backward == nil || x.backward!.score < new) && (x.forward(0) == nil || x.forward(0)!.score > new) {
                x.score = new
                return
            }
            unlink(x, u)
            for i in 0..<x.levelCount { x.setForward(i, nil); x.setSpan(i, 0) }
            x.score = new
            link(x)
        }
    }

    // MARK: ranks

    /// 1-based rank of (score, member), 0 when absent (zslGetRank). O(log N) expected.
    func rank(_ score: Double, _ member: UnsafeRawBufferPointer) -> Int {
        var p = header
        var r = 0
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let f = p.forward(i), f.score < score || (f.score == score && compareBytes(f.member, member) <= 0) {
                r += p.span(i)
                p = f
            }
            if p != header && bytesEqual(p.member, member) { return r }
        }
        return 0
    }

    /// The node at 1-based `rank` (zslGetElementByRank), nil when out of range. O(log N) expected.
    func node(atRank rank: Int) -> ZNode? {
        guard rank >= 1 && rank <= length else { return nil }
        var p = header
        var traversed = 0
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let f = p.forward(i), traversed + p.span(i) <= rank {
                traversed += p.span(i)
                p = f
            }
            if traversed == rank { return p }
        }
        return nil
    }

    /// Appends a node known to sort after every present one (building from sorted input). O(level).
    func append(_ score: Double, _ member: UnsafeRawBufferPointer) {
        link(ZNode.make(level: randomLevel(), score: score, member: member))
    }

    // MARK: range deletion

    /// Deletes the nodes from the first one with `startsAt` false while `inRange` holds
    /// (Redis's zslDeleteRangeBy{Score,Lex}); `removed` sees each member before it is freed.
    func deleteRange(skipWhile before: (ZNode) -> Bool, while inRange: (ZNode) -> Bool,
                     removed: (UnsafeRawBufferPointer) -> Void) -> Int {
        ZUpdate.with { u in
            var p = header
            for i in stride(from: level - 1, through: 0, by: -1) {
                while let f = p.forward(i), before(f) { p = f }
                u[i] = p
            }
            var x = p.forward(0)
            var n = 0
            while let node = x, inRange(node) {
                x = node.forward(0)
                unlink(node, u)
                removed(node.member)
                node.free()
                n += 1
            }
            return n
        }
    }

    /// Deletes 1-based ranks start...end (zslDeleteRangeByRank). O(log N + M).
    func deleteRange(ranks start: Int, _ end: Int, removed: (UnsafeRawBufferPointer) -> Void) -> Int {
        ZUpdate.with { u in
            var p = header
            var traversed = 0
            for i in stride(from: level - 1, through: 0, by: -1) {
                while let f = p.forward(i), traversed + p.span(i) < start {
                    traversed += p.span(i)
                    p = f
                }
                u[i] = p
            }
            traversed += 1
            var x = p.forward(0)
            var n = 0
            while let node = x, traversed <= end {
                x = node.forward(0)
                unlink(node, u)
                removed(node.member)
                node.free()
                n += 1
                traversed += 1
            }
            return n
        }
    }

    // MARK: searching by predicate

    /// The first node for which `before` is false (the predicate must hold on a prefix of the
    /// list in skiplist order, as a range's lower bound does). O(log N) expected.
    func firstNode(after before: (ZNode) -> Bool) -> ZNode? {
        var p = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let f = p.forward(i), before(f) { p = f }
        }
        return p.forward(0)
    }

    /// The last node for which `within` holds (on a prefix, as a range's upper bound). O(log N).
    func lastNode(while within: (ZNode) -> Bool) -> ZNode? {
        var p = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let f = p.forward(i), within(f) { p = f }
        }
        return p == header ? nil : p
    }
}
