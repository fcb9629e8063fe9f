// A decoded RESP2/RESP3 reply, and an incremental parser for replies (used by the client,
// by tests, and later by replication and sentinel links).

public indirect enum RESPValue: Equatable, Sendable, CustomStringConvertible {
    case simple(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RESPValue])
    case map([(RESPValue, RESPValue)])
    case set([RESPValue])
    case double(String)
    case boolean(Bool)
    case bigNumber(String)
    case verbatim(format: String, text: String)
    case push([RESPValue])

    public static func == (a: RESPValue, b: RESPValue) -> Bool {
        switch (a, b) {
        case let (.simple(x), .simple(y)), let (.error(x), .error(y)), let (.double(x), .double(y)),
             let (.bigNumber(x), .bigNumber(y)):
            return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.bulk(x), .bulk(y)): return x == y
        case (.null, .null): return true
        case let (.array(x), .array(y)), let (.set(x), .set(y)), let (.push(x), .push(y)): return x == y
        case let (.map(x), .map(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.boolean(x), .boolean(y)): return x == y
        case let (.verbatim(f1, t1), .verbatim(f2, t2)): return f1 == f2 && t1 == t2
        default: return false
        }
    }

    /// Bulk/simple/verbatim text as a String (nil for other kinds).
    public var string: String? {
        switch self {
        case .simple(let s), .double(let s), .bigNumber(let s): return s
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        case .verbatim(_, let t): return t
        default: return nil
        }
    }
    public var int: Int64? { if case .integer(let i) = self { return i }; return nil }
    public var array: [RESPValue]? {
        switch self {
        case .array(let a), .set(let a), .push(let a): return a
        default: return nil
        }
    }
    public var isError: Bool { if case .error = self { return true }; return false }

    public var description: String {
        switch self {
        case .simple(let s): return "+\(s)"
        case .error(let s): return "-\(s)"
        case .integer(let i): return ":\(i)"
        case .bulk(let b): return "\"\(String(decoding: b, as: UTF8.self))\""
        case .null: return "(nil)"
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .set(let a): return "~[" + a.map(\.description).joined(separator: ", ") + "]"
        case .push(let a): return ">[" + a.map(\.description).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case .double(let d): return ",\(d)"
        case .boolean(let b): return b ? "#t" : "#f"
        case .bigNumber(let n): return "(\(n)"
        case .verbatim(let f, let t): return "=\(f):\(t)"
        }
    }
}

public struct RESPParseError: Error, CustomStringConvertible {
    public let description: String
}

/// Parses one reply from the front of `buf`. Returns the value and the bytes it used, or nil
/// when the reply is not complete yet. Throws on malformed input. Nesting is bounded.
public func parseRESPValue(_ buf: UnsafeRawBufferPointer, maxDepth: Int = 64) throws -> (RESPValue, Int)? {
    var pos = 0
    guard let v = try parseValue(buf, &pos, depth: 0, maxDepth: maxDepth) else { return nil }
    return (v, pos)
}

public func parseRESPValue(_ bytes: [UInt8]) throws -> (RESPValue, Int)? {
    try bytes.withUnsafeBytes { try parseRESPValue($0) }
}

private func readLine(_ buf: UnsafeRawBufferPointer, _ pos: inout Int) -> String? {
    var i = pos
    while i + 1 < buf.count {
        if buf[i] == 13 && buf[i + 1] == 10 {
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: buf[pos..<i]), as: UTF8.self)
            pos = i + 2
            return s
        }
        i += 1
    }
    return nil
}

private func parseValue(_ buf: UnsafeRawBufferPointer, _ pos: inout Int, depth: Int, maxDepth: Int) throws -> RESPValue? {
    guard pos < buf.count else { return nil }
    if depth > maxDepth { throw RESPParseError(description: "nesting too deep") }
    let type = buf[pos]
    var p = pos + 1
    guard let line = readLine(buf, &p) else { return nil }
    func count() throws -> Int {
        guard let n = Int(line) else { throw RESPParseError(description: "bad length '\(line)'") }
        return n
    }
    func aggregate(_ n: Int) throws -> [RESPValue]? {
        var out: [RESPValue] = []
        for _ in 0..<n {
            guard let v = try parseValue(buf, &p, depth: depth + 1, maxDepth: maxDepth) else { return nil }
            out.append(v)
        }
        return out
    }
    let result: RESPValue
    switch type {
    case UInt8(ascii: "+"): result = .simple(line)
    case UInt8(ascii: "-"): result = .error(line)
    case UInt8(ascii: ":"):
        guard let i = Int64(line) else { throw RESPParseError(description: "bad integer '\(line)'") }
        result = .integer(i)
    case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
        let n = try count()
        if n < 0 { result = .null; break }
        guard buf.count - p >= n + 2 else { return nil }
        let data = Array(UnsafeRawBufferPointer(rebasing: buf[p..<(p + n)]))
        p += n + 2
        if type == UInt8(ascii: "=") {
            let s = String(decoding: data, as: UTF8.self)
            result = .verbatim(format: String(s.prefix(3)), text: String(s.dropFirst(4)))
        } else if type == UInt8(ascii: "!") {
            result = .error(String(decoding: data, as: UTF8.self))
        } else {
            result = .bulk(data)
        }
    case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
        let n = try count()
        if n < 0 { result = .null; break }
        guard let items = try aggregate(n) else { return nil }
        result = type == UInt8(ascii: "*") ? .array(items) : type == UInt8(ascii: "~") ? .set(items) : .push(items)
    case UInt8(ascii: "%"), UInt8(ascii: "|"):
        let n = try count()
        guard let items = try aggregate(n * 2) else { return nil }
        var pairs: [(RESPValue, RESPValue)] = []
        var i = 0
        while i < items.count { pairs.append((items[i], items[i + 1])); i += 2 }
        if type == UInt8(ascii: "|") {
            // An attribute precedes the real reply: skip it.
            pos = p
            return try parseValue(buf, &pos, depth: depth, maxDepth: maxDepth)
        }
        result = .map(pairs)
    case UInt8(ascii: "_"): result = .null
    case UInt8(ascii: ","): result = .double(line)
    case UInt8(ascii: "#"): result = .boolean(line == "t")
    case UInt8(ascii: "("): result = .bigNumber(line)
    default:
        throw RESPParseError(description: "unknown RESP type byte \(type)")
    }
    pos = p
    return result
}
