// What a key holds. Flat on purpose: string payloads are cases of this enum rather than a
// nested `Bytes`, so the whole value stays 24 bytes (a nested enum would add a tag byte and
// round up to 32). Aggregate types (lists, hashes, sets, sorted sets, ...) are class cases added
// by their own files' families.
//
// String encodings as Redis reports them in OBJECT ENCODING:
// - `int`: a canonical decimal integer that fits Int64 (Redis's OBJ_ENCODING_INT);
// - `embstr`: created whole and at most 44 bytes (`small`, or `heap` with count <= 44);
// - `raw`: longer than 44 bytes, or modified in place (APPEND, SETRANGE, SETBIT...): `raw`.

public enum Value {
    case int(Int64)
    case small(InlineBytes)
    case heap(HeapBytes)
    case raw(HeapBytes)
    /// Reserved for aggregate types: any class conforming to `ObjectValue`.
    case object(ObjectValue)

    /// A string value from bytes, choosing the encoding SET would (int when canonical).
    @inline(__always) public static func string(_ raw: UnsafeRawBufferPointer) -> Value {
        if raw.count <= 20, raw.count > 0, let v = parseInt64(raw) { return .int(v) }
        if raw.count <= InlineBytes.capacity { return .small(InlineBytes(raw)) }
        return raw.count <= 44 ? .heap(.make(raw)) : .raw(.make(raw))
    }
    /// A string value that keeps its bytes (no int encoding), e.g. for DUMP-exact copies.
    public static func bytes(_ b: Bytes) -> Value {
        switch b {
        case .inline(let i): return .small(i)
        case .heap(let h): return h.count <= 44 ? .heap(h) : .raw(h)
        }
    }

    @inline(__always) public var isString: Bool {
        switch self {
        case .int, .small, .heap, .raw: return true
        case .object: return false
        }
    }

    /// Calls `body` with the string bytes (ints are formatted). Not for aggregate types.
    @inline(__always) public func withStringBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .int(let v):
            var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return try withUnsafeMutableBytes(of: &tmp) { t in
                let n = formatDecimal(v, into: t.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return try body(UnsafeRawBufferPointer(rebasing: t[0..<n]))
            }
        case .small(let i): return try i.withBytes(body)
        case .heap(let h), .raw(let h): return try h.withBytes(body)
        case .object: preconditionFailure("withStringBytes on a non-string value")
        }
    }

    /// Length of the string representation.
    public var stringLength: Int {
        switch self {
        case .int(let v): return decimalLength(v)
        case .small(let i): return Int(i.count)
        case .heap(let h), .raw(let h): return h.count
        case .object: return 0
        }
    }

    /// Redis's TYPE name.
    public var typeName: String {
        switch self {
        case .int, .small, .heap, .raw: return "string"
        case .object(let o): return o.typeName
        }
    }

    /// Redis's OBJECT ENCODING name.
    public var encodingName: String {
        switch self {
        case .int: return "int"
        case .small: return "embstr"
        case .heap(let h): return h.count <= 44 ? "embstr" : "raw"
        case .raw: return "raw"
        case .object(let o): return o.encodingName
        }
    }
}

/// Aggregate values (lists, hashes, sets, ...) implement this. Reference semantics with
/// explicit copy for COPY and snapshots.
public protocol ObjectValue: AnyObject {
    var typeName: String { get }
    var encodingName: String { get }
    /// A deep copy (COPY, and copy-on-write for snapshots later).
    func copy() -> ObjectValue
}

@inline(__always) public func decimalLength(_ v: Int64) -> Int {
    var n = v < 0 ? 2 : 1
    var u = v.magnitude
    while u >= 10 { u /= 10; n += 1 }
    return n
}

import RESP
