// Binary-safe byte strings for keys and string values.
//
// Why this shape: a prototype with [UInt8] keys and values spent a third of its CPU in the Swift
// runtime (metadata, ARC, malloc) and used 1.2x Redis's RSS. Here up to 22 bytes live inline
// in the 24-byte value itself (no allocation, no refcount), longer strings in one heap block
// (ManagedBuffer: header + bytes in a single malloc). `MemoryLayout<Bytes>.size == 24`.

/// 22 inline bytes plus their count, laid out as plain words so the enum needs no indirection.
public struct InlineBytes {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt32 = 0
    var w3: UInt16 = 0
    var count: UInt8 = 0
    public static let capacity = 22

    @inline(__always) init() {}

    @inline(__always) init(_ raw: UnsafeRawBufferPointer) {
        count = UInt8(truncatingIfNeeded: raw.count)
        if raw.count > 0 {
            withUnsafeMutableBytes(of: &self) { $0.baseAddress!.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        }
    }

    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        let n = Int(count)
        return try withUnsafeBytes(of: &copy) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
}

/// Heap storage: header = byte count, elements = the bytes (capacity may exceed count, which
/// lets APPEND grow in place like sds).
public final class HeapBytes: ManagedBuffer<Int, UInt8> {
    @inline(__always) static func make(_ raw: UnsafeRawBufferPointer, capacity: Int? = nil) -> HeapBytes {
        let cap = max(capacity ?? raw.count, raw.count)
        let b = unsafeDowncast(HeapBytes.create(minimumCapacity: max(cap, 1)) { _ in raw.count }, to: HeapBytes.self)
        if raw.count > 0 {
            b.withUnsafeMutablePointerToElements { $0.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count) }
        }
        return b
    }

    @inline(__always) var count: Int { header }

    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let n = header
        return try withUnsafeMutablePointerToElements { try body(UnsafeRawBufferPointer(start: $0, count: n)) }
    }
}

public enum Bytes {
    case inline(InlineBytes)
    case heap(HeapBytes)

    @inline(__always) public init(_ raw: UnsafeRawBufferPointer) {
        if raw.count <= InlineBytes.capacity { self = .inline(InlineBytes(raw)) } else { self = .heap(.make(raw)) }
    }
    public init(_ a: [UInt8]) { self = a.withUnsafeBytes { Bytes($0) } }
    public init(_ s: String) { var s = s; self = s.withUTF8 { Bytes(UnsafeRawBufferPointer($0)) } }
    public static var empty: Bytes { .inline(InlineBytes()) }

    @inline(__always) public var count: Int {
        switch self {
        case .inline(let i): return Int(i.count)
        case .heap(let h): return h.count
        }
    }

    @inline(__always) public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .inline(let i): return try i.withBytes(body)
        case .heap(let h): return try h.withBytes(body)
        }
    }

    public var array: [UInt8] { withBytes { Array($0) } }
    /// Lossy UTF-8 view, for logs, errors and tests.
    public var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    @inline(__always) public func equals(_ raw: UnsafeRawBufferPointer) -> Bool {
        withBytes { mine in
            mine.count == raw.count && (mine.count == 0 || memcmp(mine.baseAddress!, raw.baseAddress!, mine.count) == 0)
        }
    }
}

extension Bytes: Equatable, Hashable, Comparable, CustomStringConvertible {
    public static func == (a: Bytes, b: Bytes) -> Bool { b.withBytes { a.equals($0) } }
    public func hash(into h: inout Hasher) { withBytes { h.combine(bytes: $0) } }
    public static func < (a: Bytes, b: Bytes) -> Bool {
        a.withBytes { x in b.withBytes { y in compareBytes(x, y) < 0 } }
    }
    public var description: String { string }
}

extension Bytes: ExpressibleByStringLiteral {
    public init(stringLiteral s: String) { self.init(s) }
}

/// memcmp-style ordering, shorter first on a common prefix (Redis's sdscmp).
@inline(__always)
public func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let r = memcmp(a.baseAddress!, b.baseAddress!, n)
        if r != 0 { return Int(r) }
    }
    return a.count - b.count
}

/// True when both buffers hold the same bytes.
@inline(__always)
public func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
