// Invariant checker for lists, compiled into debug and test builds only.

#if DEBUG
extension ListValue {
    /// Verifies every structural invariant; traps with a description on the first broken one.
    public func check() {
        var total = 0
        for k in 0..<chunks.count {
            let c = chunks[k]
            precondition(c.count > 0, "chunk \(k) is empty")
            precondition(c.start >= 0 && c.start <= c.end && c.end <= c.capacity, "chunk \(k) bounds")
            // Forwards: entries tile [start, end) exactly.
            var off = c.start
            var n = 0
            while off < c.end {
                let size = c.entrySize(at: off)
                precondition(size > 0 && off + size <= c.end, "chunk \(k) entry \(n) overruns")
                precondition(c.entryStart(endingAt: off + size) == off, "chunk \(k) entry \(n) backlen")
                checkCanonical(c.element(at: off), size, k, n)
                off += size
                n += 1
            }
            precondition(off == c.end && n == c.count, "chunk \(k): \(n) entries walked, count \(c.count)")
            // Backwards the same number.
            var back = c.end
            var m = 0
            while back > c.start { back = c.entryStart(endingAt: back); m += 1 }
            precondition(back == c.start && m == c.count, "chunk \(k) backward walk")
            if c.count > 1 {
                precondition(c.listpackBytes <= sizeLimit, "chunk \(k) exceeds \(sizeLimit) bytes")
                if fill >= 0 { precondition(c.count <= max(fill, 1), "chunk \(k) exceeds \(fill) entries") }
            }
            total += c.count
        }
        precondition(total == count, "count \(count) but chunks hold \(total)")
    }

    /// Entries use listpack's canonical encoding: ints in the smallest form, strings that parse
    /// as ints never stored as strings.
    private func checkCanonical(_ e: ListElement, _ size: Int, _ k: Int, _ n: Int) {
        switch e {
        case .int(let v):
            let body = Listpack.intBodySize(v)
            precondition(size == body + Listpack.backlenSize(body), "chunk \(k) entry \(n) int not minimal")
        case .bytes(let b):
            precondition(Listpack.intValue(b) == nil, "chunk \(k) entry \(n) int stored as string")
            let body = Listpack.stringBodySize(b.count)
            precondition(size == body + Listpack.backlenSize(body), "chunk \(k) entry \(n) string header")
        }
    }

    /// Chunk sizes, for tests that check how pushes fill chunks.
    public var chunkCounts: [Int] { (0..<chunks.count).map { chunks[$0].count } }
}
#endif
