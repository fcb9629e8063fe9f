// Redis 7's multi-part AOF manifest (`<appendfilename>.manifest` in `appenddirname`): one line
// per file, `file <name> seq <n> type <b|h|i>`, the base first, then history, then the
// increments in order. Real Redis 7.0 and redis-check-aof read ours and we read theirs.
// Pure text in and out; the server does the file work.

import RESP

public struct AofManifest: Equatable {
    public enum FileType: String { case base = "b", history = "h", incr = "i" }
    public struct Entry: Equatable {
        public var name: String
        public var seq: Int64
        public var type: FileType
        public init(name: String, seq: Int64, type: FileType) { self.name = name; self.seq = seq; self.type = type }
    }

    public var base: Entry? = nil
    public var incrs: [Entry] = []
    public var history: [Entry] = []

    public init() {}

    /// The text Redis writes (persistAofManifest).
    public var text: String {
        var out = ""
        func line(_ e: Entry) { out += "file \(quoteIfNeeded(e.name)) seq \(e.seq) type \(e.type.rawValue)\n" }
        if let b = base { line(b) }
        history.forEach(line)
        incrs.forEach(line)
        return out
    }

    /// Parses a manifest (aofLoadManifestFromFile), with Redis's error texts.
    public static func parse(_ text: String) -> Result<AofManifest, AofManifestError> {
        var m = AofManifest()
        var maxIncrSeq: Int64 = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if l.isEmpty || l.hasPrefix("#") { continue }
            let split = Array(l.utf8).withUnsafeBytes { splitArgs($0) }
            guard let args = split?.map({ String(decoding: $0, as: UTF8.self) }), args.count >= 6, args.count % 2 == 0 else {
                return .failure(.init("Invalid AOF manifest file format"))
            }
            var name: String? = nil, seq: Int64? = nil, type: FileType? = nil
            var i = 0
            while i < args.count {
                switch args[i] {
                case "file": name = args[i + 1]
                case "seq": seq = Int64(args[i + 1])
                case "type": type = FileType(rawValue: args[i + 1])
                default: break   // unknown keys are ignored for forward compatibility
                }
                i += 2
            }
            guard let n = name, let s = seq, let t = type, !n.isEmpty, !n.contains("/") else {
                return .failure(.init("Invalid AOF manifest file format"))
            }
            let e = Entry(name: n, seq: s, type: t)
            switch t {
            case .base:
                if m.base != nil { return .failure(.init("Found duplicate base file information")) }
                m.base = e
            case .history: m.history.append(e)
            case .incr:
                if s <= maxIncrSeq { return .failure(.init("Found a non-monotonic sequence number")) }
                maxIncrSeq = s
                m.incrs.append(e)
            }
        }
        if m.base == nil && m.incrs.isEmpty && m.history.isEmpty { return .failure(.init("Found an empty AOF manifest")) }
        return .success(m)
    }

    /// Names as Redis makes them: `<prefix>.<seq>.base.rdb|aof`, `<prefix>.<seq>.incr.aof`.
    public static func baseName(_ prefix: String, seq: Int64, rdb: Bool) -> String {
        "\(prefix).\(seq).base.\(rdb ? "rdb" : "aof")"
    }
    public static func incrName(_ prefix: String, seq: Int64) -> String { "\(prefix).\(seq).incr.aof" }

    /// The next base: seq + 1, the current base and increments become history (deleted later).
    public mutating func rotate(prefix: String, rdbBase: Bool) -> (base: String, incr: String) {
        let baseSeq = (base?.seq ?? 0) + 1
        let incrSeq = (incrs.last?.seq ?? 0) + 1
        if let b = base { history.append(Entry(name: b.name, seq: b.seq, type: .history)) }
        for e in incrs { history.append(Entry(name: e.name, seq: e.seq, type: .history)) }
        let b = AofManifest.baseName(prefix, seq: baseSeq, rdb: rdbBase)
        let i = AofManifest.incrName(prefix, seq: incrSeq)
        base = Entry(name: b, seq: baseSeq, type: .base)
        incrs = [Entry(name: i, seq: incrSeq, type: .incr)]
        return (b, i)
    }
}

public struct AofManifestError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ s: String) { description = s }
}

/// Names with spaces or quotes are written quoted, as sdscatrepr would.
func quoteIfNeeded(_ s: String) -> String {
    if !s.utf8.contains(where: { $0 <= 32 || $0 == 34 || $0 == 39 || $0 == 92 || $0 > 126 }) { return s }
    let raw = Array(s.utf8)
    return raw.withUnsafeBytes { "\"" + reprEscape($0) + "\"" }
}
