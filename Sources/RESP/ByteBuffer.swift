// A growable, manually managed byte buffer: the client's query buffer and its output buffer.
// Why not [UInt8]: appends on the hot path must not go through Array's CoW checks and
// generic paths, and readers need a stable pointer while a batch of commands runs.
// Invariant: 0 <= readIndex <= count <= capacity.

public struct ByteBuffer: ~Copyable {
    public private(set) var base: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    /// Bytes written so far.
    public var count: Int = 0
    /// Bytes already consumed from the front (parser progress, or bytes already sent).
    public var readIndex: Int = 0

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    @inlinable public var readableCount: Int { count - readIndex }
    @inlinable public var isEmpty: Bool { count == readIndex }

    /// Ensures room for `n` more bytes after `count`.
    @inline(__always)
    public mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    @inline(never)
    mutating func grow(_ needed: Int) {
        var newCap = capacity * 2
        while newCap < needed { newCap *= 2 }
        let nb = UnsafeMutableRawPointer.allocate(byteCount: newCap, alignment: 8)
        nb.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = nb
        capacity = newCap
    }

    /// Drops consumed bytes by moving the unread tail to the front; optionally shrinks a
    /// buffer that grew large and is now mostly idle.
    public mutating func compact(shrinkAbove: Int = 1 << 20) {
        let live = count - readIndex
        if readIndex > 0 {
            if live > 0 { base.copyMemory(from: base + readIndex, byteCount: live) }
            count = live
            readIndex = 0
        }
        if capacity > shrinkAbove && live < capacity / 4 {
            let newCap = max(live * 2, 16 * 1024)
            let nb = UnsafeMutableRawPointer.allocate(byteCount: newCap, alignment: 8)
            nb.copyMemory(from: base, byteCount: live)
            base.deallocate()
            base = nb
            capacity = newCap
        }
    }

    public mutating func clear() { count = 0; readIndex = 0 }

    @inline(__always)
    public mutating func append(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    public mutating func append(_ raw: UnsafeRawBufferPointer) {
        let n = raw.count
        if n == 0 { return }
        reserve(n)
        (base + count).copyMemory(from: raw.baseAddress!, byteCount: n)
        count += n
    }

    @inline(__always)
    public mutating func append(_ s: StaticString) {
        append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends the decimal digits of `v`.
    @inline(__always)
    public mutating func appendDecimal(_ v: Int64) {
        reserve(20)
        let p = (base + count).assumingMemoryBound(to: UInt8.self)
        count += formatDecimal(v, into: p)
    }

    /// Writes room for an unknown-length area; returns its offset. Used by deferred headers.
    public mutating func insert(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        let n = raw.count
        reserve(n)
        let tail = count - offset
        if tail > 0 { (base + offset + n).copyMemory(from: base + offset, byteCount: tail) }
        (base + offset).copyMemory(from: raw.baseAddress!, byteCount: n)
        count += n
    }

    /// The unread bytes.
    @inlinable public var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + readIndex, count: count - readIndex)
    }

    /// Free space after `count`, for `read(2)`.
    public mutating func writableArea(minimum: Int) -> UnsafeMutableRawBufferPointer {
        reserve(minimum)
        return UnsafeMutableRawBufferPointer(start: base + count, count: capacity - count)
    }

    /// A copy of the unread bytes (tests and slow paths only).
    public var readableBytes: [UInt8] { Array(readable) }
}

/// Formats `v` in decimal at `p` (room for 20 bytes needed); returns the length.
@inline(__always)
public func formatDecimal(_ v: Int64, into p: UnsafeMutablePointer<UInt8>) -> Int {
    var u = v < 0 ? UInt64(bitPattern: 0 &- v) : UInt64(v)
    if v == Int64.min { u = UInt64(1) << 63 }
    var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return withUnsafeMutableBytes(of: &tmp) { t -> Int in
        var i = 24
        repeat {
            i -= 1
            t[i] = UInt8(truncatingIfNeeded: u % 10) &+ 48
            u /= 10
        } while u != 0
        if v < 0 { i -= 1; t[i] = 45 }
        let n = 24 - i
        p.update(from: t.baseAddress!.assumingMemoryBound(to: UInt8.self) + i, count: n)
        return n
    }
}
