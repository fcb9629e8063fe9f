// Validating walkers over the compact blobs an RDB may hold (listpack.c, ziplist.c, intset.c,
// zipmap.c layouts). Each checks its header against the blob size, every entry against the
// bounds, and the entry count, so a corrupt blob is an error before any value is built.

/// One element of a listpack or ziplist, valid while the blob is.
enum PackItem {
    case int(Int64)
    case bytes(UnsafeRawBufferPointer)

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let b): return try body(b)
        case .int(let v): return try withDecimalBytes(v, body)
        }
    }

    var double: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .bytes(let b): return parseRdbDouble(b)
        }
    }
}

enum RdbBlobs {
    static func bad(_ kind: String) -> RdbError { RdbError("Corrupt \(kind) blob") }

    static func le(_ p: UnsafeRawBufferPointer, _ at: Int, _ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(p[at + i]) << (8 * UInt64(i)) }
        return v
    }

    /// Sign-extends the low `bits` bits of `u`.
    static func signed(_ u: UInt64, _ bits: Int) -> Int64 {
        let shift = UInt64(64 - bits)
        return Int64(bitPattern: u << shift) >> Int64(shift)
    }

    // MARK: listpack

    static func listpack(_ lp: UnsafeRawBufferPointer, _ visit: (PackItem) throws -> Void) throws {
        let n = lp.count
        guard n >= 7, le(lp, 0, 4) == UInt64(n), lp[n - 1] == 0xFF else { throw bad("listpack") }
        let declared = Int(le(lp, 4, 2))
        var o = 6, seen = 0
        let end = n - 1
        while o < end {
            let b = lp[o]
            var sz = 0
            let item: PackItem
            func need(_ k: Int) throws { if o + k > end { throw bad("listpack") } }
            if b & 0x80 == 0 {
                sz = 1; item = .int(Int64(b))
            } else if b & 0xC0 == 0x80 {
                sz = 1 + Int(b & 0x3F); try need(sz)
                item = .bytes(UnsafeRawBufferPointer(rebasing: lp[(o + 1)..<(o + sz)]))
            } else if b & 0xE0 == 0xC0 {
                sz = 2; try need(2)
                item = .int(signed(UInt64(b & 0x1F) << 8 | UInt64(lp[o + 1]), 13))
            } else if b & 0xF0 == 0xE0 {
                try need(2)
                sz = 2 + (Int(b & 0x0F) << 8 | Int(lp[o + 1])); try need(sz)
                item = .bytes(UnsafeRawBufferPointer(rebasing: lp[(o + 2)..<(o + sz)]))
            } else {
                switch b {
                case 0xF0:
                    try need(5)
                    let len = le(lp, o + 1, 4)
                    guard len <= UInt64(end - o - 5) else { throw bad("listpack") }
                    sz = 5 + Int(len)
                    item = .bytes(UnsafeRawBufferPointer(rebasing: lp[(o + 5)..<(o + sz)]))
                case 0xF1: sz = 3; try need(3); item = .int(signed(le(lp, o + 1, 2), 16))
                case 0xF2: sz = 4; try need(4); item = .int(signed(le(lp, o + 1, 3), 24))
                case 0xF3: sz = 5; try need(5); item = .int(signed(le(lp, o + 1, 4), 32))
                case 0xF4: sz = 9; try need(9); item = .int(Int64(bitPattern: le(lp, o + 1, 8)))
                default: throw bad("listpack")
                }
            }
            // The back-length must encode `sz` exactly as lpEncodeBacklen would.
            let bl = Listpack.backlenSize(sz)
            try need(sz + bl)
            var expect: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &expect) { Listpack.writeBacklen(sz, at: $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            let ok = withUnsafeBytes(of: &expect) { e in (0..<bl).allSatisfy { e[$0] == lp[o + sz + $0] } }
            guard ok else { throw bad("listpack") }
            try visit(item)
            o += sz + bl
            seen += 1
        }
        guard o == end, declared == 65535 || declared == seen else { throw bad("listpack") }
    }

    // MARK: ziplist

    static func ziplist(_ zl: UnsafeRawBufferPointer, _ body: (PackItem) throws -> Void) throws {
        let n = zl.count
        guard n >= 11, le(zl, 0, 4) == UInt64(n), zl[n - 1] == 0xFF, le(zl, 4, 4) < UInt64(n) else { throw bad("ziplist") }
        let declared = Int(le(zl, 8, 2))
        let end = n - 1
        var o = 10, seen = 0, prevSize = 0
        while o < end {
            func need(_ k: Int) throws { if o + k > end { throw bad("ziplist") } }
            var h = 0
            let prevlen: Int
            if zl[o] < 254 { prevlen = Int(zl[o]); h = 1 }
            else if zl[o] == 254 { try need(5); prevlen = Int(le(zl, o + 1, 4)); h = 5 }
            else { throw bad("ziplist") }
            guard prevlen == prevSize else { throw bad("ziplist") }
            try need(h + 1)
            let b = zl[o + h]
            var data = 0
            var item: PackItem? = nil
            var strAt = 0
            switch b >> 6 {
            case 0: data = Int(b & 0x3F); h += 1; strAt = o + h
            case 1: try need(h + 2); data = Int(b & 0x3F) << 8 | Int(zl[o + h + 1]); h += 2; strAt = o + h
            case 2:
                guard b == 0x80 else { throw bad("ziplist") }
                try need(h + 5)
                data = Int((1...4).reduce(UInt64(0)) { $0 << 8 | UInt64(zl[o + h + $1]) }); h += 5; strAt = o + h
            default:
                h += 1
                switch b {
                case 0xC0: data = 2; try need(h + 2); item = .int(signed(le(zl, o + h, 2), 16))
                case 0xD0: data = 4; try need(h + 4); item = .int(signed(le(zl, o + h, 4), 32))
                case 0xE0: data = 8; try need(h + 8); item = .int(Int64(bitPattern: le(zl, o + h, 8)))
                case 0xF0: data = 3; try need(h + 3); item = .int(signed(le(zl, o + h, 3), 24))
                case 0xFE: data = 1; try need(h + 1); item = .int(signed(le(zl, o + h, 1), 8))
                case 0xF1...0xFD: item = .int(Int64(b & 0x0F) - 1)
                default: throw bad("ziplist")
                }
            }
            guard data <= end - o - h else { throw bad("ziplist") }
            if item == nil { item = .bytes(UnsafeRawBufferPointer(rebasing: zl[strAt..<(strAt + data)])) }
            try body(item!)
            prevSize = h + data
            o += prevSize
            seen += 1
        }
        guard o == end, declared == 65535 || declared == seen else { throw bad("ziplist") }
    }

    // MARK: intset

    static func intset(_ s: UnsafeRawBufferPointer, _ body: (Int64) throws -> Void) throws {
        guard s.count >= 8 else { throw bad("intset") }
        let w = Int(le(s, 0, 4)), n = le(s, 4, 4)
        guard w == 2 || w == 4 || w == 8, UInt64(s.count) == 8 + n * UInt64(w) else { throw bad("intset") }
        var prev: Int64? = nil
        for i in 0..<Int(n) {
            let v = signed(le(s, 8 + i * w, w), 8 * w)
            if let p = prev, v <= p { throw bad("intset") }
            prev = v
            try body(v)
        }
    }

    // MARK: zipmap

    static func zipmap(_ z: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        let n = z.count
        guard n >= 2, z[n - 1] == 255 else { throw bad("zipmap") }
        var o = 1
        func length() throws -> Int {
            guard o < n else { throw bad("zipmap") }
            let b = z[o]
            if b < 254 { o += 1; return Int(b) }
            guard b == 254, o + 5 <= n else { throw bad("zipmap") }
            let v = Int(le(z, o + 1, 4)); o += 5
            return v
        }
        func bytes(_ k: Int) throws -> UnsafeRawBufferPointer {
            guard k <= n - 1 - o else { throw bad("zipmap") }
            defer { o += k }
            return UnsafeRawBufferPointer(rebasing: z[o..<(o + k)])
        }
        while o < n - 1 {
            let kl = try length()
            let key = try bytes(kl)
            let vl = try length()
            guard o < n - 1 else { throw bad("zipmap") }
            let free = Int(z[o]); o += 1
            let val = try bytes(vl)
            _ = try bytes(free)
            try body(key, val)
        }
        guard o == n - 1 else { throw bad("zipmap") }
    }
}
