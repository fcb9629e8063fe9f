// The arguments of the command being run. They point into the client's query buffer (or the
// parser's inline scratch), valid only while the command runs: handlers copy what they keep
// (`bytes(i)`), never the pointers.

import RESP

public struct Argv {
    public let base: UnsafePointer<UnsafeRawBufferPointer>
    public let count: Int

    @inlinable public init(_ base: UnsafePointer<UnsafeRawBufferPointer>, count: Int) {
        self.base = base
        self.count = count
    }

    @inlinable public subscript(i: Int) -> UnsafeRawBufferPointer { base[i] }

    /// A stored copy of argument `i`.
    @inline(__always) public func bytes(_ i: Int) -> Bytes { Bytes(base[i]) }
    /// Argument `i` as a String that keeps every byte (see `byteString`): option names,
    /// error texts. Not for the hot path.
    public func string(_ i: Int) -> String { byteString(base[i]) }
    /// Argument `i` as a strict integer (Redis's string2ll).
    @inline(__always) public func int(_ i: Int) -> Int64? { parseInt64(base[i]) }

    /// Case-insensitive ASCII comparison with a lowercase literal.
    @inline(__always) public func isEqual(_ i: Int, _ lower: StaticString) -> Bool {
        asciiEqualsLower(base[i], lower)
    }

    /// Runs `body` with a temporary Argv of all arguments (lets tests build one from strings).
    public static func with<R>(_ args: [[UInt8]], _ body: (Argv) throws -> R) rethrows -> R {
        var ptrs: [UnsafeRawBufferPointer] = []
        var allocs: [UnsafeMutableRawPointer] = []
        defer { allocs.forEach { $0.deallocate() } }
        for a in args {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(a.count, 1), alignment: 1)
            a.withUnsafeBytes { if $0.count > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            allocs.append(p)
            ptrs.append(UnsafeRawBufferPointer(start: p, count: a.count))
        }
        return try ptrs.withUnsafeBufferPointer { try body(Argv($0.baseAddress!, count: args.count)) }
    }
}

/// True when `raw` equals the lowercase ASCII literal, ignoring ASCII case.
@inline(__always)
public func asciiEqualsLower(_ raw: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
    let n = lower.utf8CodeUnitCount
    if raw.count != n { return false }
    let l = lower.utf8Start
    for i in 0..<n {
        var c = raw[i]
        if c >= 65 && c <= 90 { c |= 0x20 }
        if c != l[i] { return false }
    }
    return true
}

/// ASCII lowercase copy as a String (command names for tables and messages).
public func lowercased(_ raw: UnsafeRawBufferPointer) -> String {
    String(decoding: raw.map { ($0 >= 65 && $0 <= 90) ? $0 | 0x20 : $0 }, as: UTF8.self)
}
