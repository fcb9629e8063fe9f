// The compact hash encoding (Redis's listpack for small hashes): every field and value in one
// contiguous byte buffer, as alternating entries `varint(length) bytes`, field first. Lookups
// are a linear scan, as in Redis: the encoding is only used while the hash is small
// (hash-max-listpack-entries / -value), where a scan over one cache-friendly buffer beats
// hashing. Order is insertion order; updating a value keeps the pair in place.
//
// Invariants (checked by `check()` in debug/test builds): the buffer parses into exactly
// `count` pairs with no trailing bytes, and no field appears twice.

struct HashListpack {
    private(set) var buf: [UInt8] = []
    /// Number of field/value pairs.
    private(set) var count = 0

    /// Where one pair lives: `start..<end` is the whole pair, `valueAt` the value's length prefix.
    struct Slot {
        var start: Int
        var valueAt: Int
        var value: Range<Int>
        var end: Int
    }

    @inline(__always) static func readLen(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> Int {
        var v = 0
        var shift = 0
        while true {
            let b = p[i]
            i += 1
            v |= Int(b & 0x7f) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    @inline(__always) static func appendEntry(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var n = raw.count
        while n >= 0x80 { out.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
        out.append(UInt8(n))
        out.append(contentsOf: raw)
    }

    /// Calls `body` for each pair in order with its slot; stops when it returns false. O(N).
    @inline(__always)
    func walk(_ body: (UnsafeRawBufferPointer, Slot) -> Bool) {
        buf.withUnsafeBytes { p in
            var i = 0
            while i < p.count {
                let start = i
                let fl = HashListpack.readLen(p, &i)
                i += fl
                let valueAt = i
                let vl = HashListpack.readLen(p, &i)
                let v = i..<(i + vl)
                i += vl
                if !body(p, Slot(start: start, valueAt: valueAt, value: v, end: i)) { return }
            }
        }
    }

    /// The slot of `field`, nil when absent. O(N).
    func find(_ field: UnsafeRawBufferPointer) -> Slot? {
        var found: Slot? = nil
        walk { p, s in
            var i = s.start
            let fl = HashListpack.readLen(p, &i)
            if fl == field.count && bytesEqual(UnsafeRawBufferPointer(rebasing: p[i..<(i + fl)]), field) {
                found = s
                return false
            }
            return true
        }
        return found
    }

    /// The value of `field` passed to `body`. O(N).
    func get<R>(_ field: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard let s = find(field) else { return nil }
        return buf.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[s.value])) }
    }

    /// Inserts or replaces; true when `field` was new. O(N).
    @discardableResult
    mutating func set(_ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        if let s = find(field) {
            if s.value.count == value.count {   // same length: overwrite in place, no shifting
                buf.withUnsafeMutableBytes { p in
                    UnsafeMutableRawBufferPointer(rebasing: p[s.value]).copyMemory(from: value)
                }
                return false
            }
            var entry: [UInt8] = []
            entry.reserveCapacity(value.count + 5)
            HashListpack.appendEntry(value, to: &entry)
            buf.replaceSubrange(s.valueAt..<s.end, with: entry)
            return false
        }
        HashListpack.appendEntry(field, to: &buf)
        HashListpack.appendEntry(value, to: &buf)
        count += 1
        return true
    }

    /// Removes `field`; true when it was present. O(N).
    @discardableResult
    mutating func remove(_ field: UnsafeRawBufferPointer) -> Bool {
        guard let s = find(field) else { return false }
        buf.removeSubrange(s.start..<s.end)
        count -= 1
        return true
    }

    /// Every pair in order. O(N).
    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        walk { p, s in
            var i = s.start
            let fl = HashListpack.readLen(p, &i)
            body(UnsafeRawBufferPointer(rebasing: p[i..<(i + fl)]), UnsafeRawBufferPointer(rebasing: p[s.value]))
            return true
        }
    }

    /// Start offsets of every pair, for repeated random access (HRANDFIELD). O(N).
    func pairOffsets() -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        walk { _, s in out.append(s.start); return true }
        return out
    }

    /// The pair starting at byte offset `at` (from `pairOffsets`). O(1).
    func pair<R>(at: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> R) -> R {
        buf.withUnsafeBytes { p in
            var i = at
            let fl = HashListpack.readLen(p, &i)
            let f = UnsafeRawBufferPointer(rebasing: p[i..<(i + fl)])
            i += fl
            let vl = HashListpack.readLen(p, &i)
            return body(f, UnsafeRawBufferPointer(rebasing: p[i..<(i + vl)]))
        }
    }

    /// Bytes held (MEMORY USAGE estimates).
    var byteCount: Int { buf.count }

    #if DEBUG
    /// Invariant checker: well-formed entries, `count` pairs, unique fields.
    func check() {
        var seen = Set<Bytes>()
        var pairs = 0
        buf.withUnsafeBytes { p in
            var i = 0
            while i < p.count {
                let fl = HashListpack.readLen(p, &i)
                precondition(i + fl <= p.count, "listpack field overruns the buffer")
                let f = Bytes(UnsafeRawBufferPointer(rebasing: p[i..<(i + fl)]))
                precondition(seen.insert(f).inserted, "listpack field twice")
                i += fl
                precondition(i < p.count, "listpack field without value")
                let vl = HashListpack.readLen(p, &i)
                i += vl
                precondition(i <= p.count, "listpack value overruns the buffer")
                pairs += 1
            }
        }
        precondition(pairs == count, "listpack count \(count) != \(pairs) pairs")
    }
    #endif
}
