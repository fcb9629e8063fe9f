// SCAN: Redis's dictScan reverse-binary cursor (src/dict.c, Pieter Noordhuis's algorithm).
//
// The cursor is a bucket index whose bits are incremented from the top: for a table of 2^k
// buckets, masking keeps the low k bits, so when the table doubles the buckets already
// visited are exactly those whose low k bits were visited, and when it halves the same holds
// the other way round. Hence every key present for the whole scan is returned at least once
// (some possibly more than once), across any number of growths and shrinks between calls.
// While rehashing, one step visits the smaller table's bucket and every bucket of the larger
// table that expands it.

extension KeyTable {
    /// Visits one bucket (both tables' corresponding buckets while rehashing) and returns the
    /// next cursor, 0 when the scan is complete. O(bucket length); `body` must not mutate
    /// the table (collect keys first; rehashing is paused meanwhile).
    func scan(_ cursor: UInt64, _ body: (Int32) -> Void) -> UInt64 {
        if count == 0 { return 0 }
        pauseCount += 1
        defer { pauseCount -= 1 }
        var v = cursor
        if rehashIdx < 0 {
            let m = UInt64(t0.mask)
            visitChain(t0.heads[Int(v & m)], body)
            v |= ~m
            v = bitReverse(bitReverse(v) &+ 1)
        } else {
            let (small, large) = t0.size <= t1.size ? (t0, t1) : (t1, t0)
            let m0 = UInt64(small.mask), m1 = UInt64(large.mask)
            visitChain(small.heads[Int(v & m0)], body)
            // Every bucket of the larger table whose low bits are this cursor's.
            repeat {
                visitChain(large.heads[Int(v & m1)], body)
                v |= ~m1
                v = bitReverse(bitReverse(v) &+ 1)
            } while v & (m0 ^ m1) != 0
        }
        return v
    }

    @inline(__always) func visitChain(_ head: Int32, _ body: (Int32) -> Void) {
        var i = head
        while i != 0 {
            let nx = entry(i).pointee.next
            body(i)
            i = nx
        }
    }
}

/// Reverses the bit order of a 64-bit word.
@inline(__always) func bitReverse(_ x: UInt64) -> UInt64 {
    var v = x
    v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
    v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
    v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
    return v.byteSwapped
}
