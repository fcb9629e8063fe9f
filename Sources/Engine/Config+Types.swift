// The configuration model: what a config entry is (Redis's standardConfig in config.c) and how
// one value is parsed from its arguments and printed for CONFIG GET. Values are typed; parsing
// follows Redis 7.0's rules and error texts exactly (yes/no booleans, bounded integers, memory
// sizes with k/kb/m/mb/g/gb units, percentages stored as negative numbers, enums, strings and a
// few multi-argument "special" configs).

#if canImport(Glibc)
import Glibc
#endif
import RESP

/// A config's current value. Numbers hold Redis's `long long` bit pattern (unsigned configs such
/// as `maxmemory` may use the whole 64-bit range); percentages are negative. Enums and special
/// multi-argument configs keep their canonical CONFIG GET text.
public enum ConfigValue: Equatable, Sendable {
    case bool(Bool)
    case number(Int64)
    case text(String)

    public var boolValue: Bool {
        switch self {
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .text(let t): return t == "yes"
        }
    }
    public var numberValue: Int64 {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .number(let n): return n
        case .text(let t): return Int64(t) ?? 0
        }
    }
    public var textValue: String {
        switch self {
        case .bool(let b): return b ? "yes" : "no"
        case .number(let n): return String(n)
        case .text(let t): return t
        }
    }
}

public struct ConfigFlags: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Only settable from the config file / command line.
    public static let immutable   = ConfigFlags(rawValue: 1 << 0)
    /// CONFIG SET needs `enable-protected-configs` (yes, or local for local clients).
    public static let protected   = ConfigFlags(rawValue: 1 << 1)
    /// Value is redacted from SLOWLOG / MONITOR.
    public static let sensitive   = ConfigFlags(rawValue: 1 << 2)
    /// Only matched by exact name in CONFIG GET, never by a pattern.
    public static let hidden      = ConfigFlags(rawValue: 1 << 3)
    /// Takes several arguments (file) or a space-separated value (CONFIG SET).
    public static let multiArg    = ConfigFlags(rawValue: 1 << 4)
    public static let denyLoading = ConfigFlags(rawValue: 1 << 5)
}

/// Integer parsing rules (Redis's numericConfigData flags and bounds).
public struct NumberRule: Sendable {
    public var min: Int64
    public var max: Int64
    /// Bounds compared as unsigned (Redis's uint, unsigned long long and size_t configs).
    public var unsigned = false
    public var memory = false
    public var percent = false
    public var octal = false
    /// Applied after a successful set (hz is capped to 1...500 rather than rejected).
    public var clamp: ClosedRange<Int64>? = nil
}

/// Extra validation of string configs, with Redis's error texts.
public enum StringCheck: Sendable {
    case none, dbFilename, aofFilename, aofDirname, hostname, procTitle

    func validate(_ s: String) -> String? {
        let isBase = !s.contains("/") && !s.contains("\\")
        switch self {
        case .none: return nil
        case .dbFilename: return isBase ? nil : "dbfilename can't be a path, just a filename"
        case .aofFilename:
            if s.isEmpty { return "appendfilename can't be empty" }
            return isBase ? nil : "appendfilename can't be a path, just a filename"
        case .aofDirname:
            if s.isEmpty { return "appenddirname can't be empty" }
            return isBase ? nil : "appenddirname can't be a path, just a dirname"
        case .hostname:
            if s.utf8.count >= 256 { return "Hostnames must be less than 256 characters" }
            let ok = s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 45 || $0 == 46 }
            return ok ? nil : "Hostnames may only contain alphanumeric characters, hyphens or dots"
        case .procTitle:
            let known = ["title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file"]
            var rest = Substring(s)
            while let open = rest.firstIndex(of: "{") {
                guard let close = rest[open...].firstIndex(of: "}"),
                      known.contains(String(rest[rest.index(after: open)..<close])) else {
                    return "template format is invalid or contains unknown variables"
                }
                rest = rest[rest.index(after: close)...]
            }
            return s.contains("}") && !s.contains("{") ? "template format is invalid or contains unknown variables" : nil
        }
    }
}

/// Configs with their own argument syntax (Redis's createSpecialConfig entries).
public enum SpecialConfig: Sendable {
    case save, bind, clientOutputBufferLimit, oomScoreAdjValues, notifyKeyspaceEvents, replicaOf, dir,
         latencyPercentiles, shutdownOnSignal
}

public enum ConfigKind: Sendable {
    case bool
    case number(NumberRule)
    /// Accepted names with their codes; several names may share a code (the first one is printed).
    case enumeration([(String, Int)])
    case string(emptyIsNull: Bool, check: StringCheck)
    case special(SpecialConfig)
}

public struct ConfigEntry: Sendable {
    public let name: String
    public let alias: String?
    public let flags: ConfigFlags
    public let kind: ConfigKind
    public let defaultValue: ConfigValue

    public init(_ name: String, alias: String? = nil, flags: ConfigFlags, kind: ConfigKind, default d: ConfigValue) {
        self.name = name
        self.alias = alias
        self.flags = flags
        self.kind = kind
        self.defaultValue = d
    }

    /// Parses `args` (one argument unless multi-arg) into a new value; `previous` matters for
    /// configs that update part of their value (client-output-buffer-limit) or append while a
    /// file is read (save). Returns the value or Redis's error text.
    func parse(_ args: [String], previous: ConfigValue, appending: Bool, store: ConfigStore) -> Result<ConfigValue, ConfigError> {
        switch kind {
        case .bool:
            switch args[0].lowercased() {
            case "yes": return .success(.bool(true))
            case "no": return .success(.bool(false))
            default: return .failure(ConfigError("argument must be 'yes' or 'no'"))
            }
        case .number(let rule):
            return ConfigParse.number(args[0], rule).map { .number($0) }
        case .enumeration(let names):
            let lower = args[0].lowercased()
            guard let hit = names.first(where: { $0.0 == lower }) else {
                return .failure(ConfigError("argument(s) must be one of the following: " + names.map(\.0).joined(separator: ", ")))
            }
            return .success(.text(names.first { $0.1 == hit.1 }!.0))
        case .string(_, let check):
            if let err = check.validate(args[0]) { return .failure(ConfigError(err)) }
            return .success(.text(args[0]))
        case .special(let s):
            return ConfigSpecial.parse(s, args, previous: previous, appending: appending, store: store)
        }
    }

    /// The CONFIG GET text of `v`.
    func format(_ v: ConfigValue) -> String {
        switch (kind, v) {
        case (.number(let rule), .number(let n)):
            if rule.percent && n < 0 { return String(-n) + "%" }
            if rule.memory { return String(UInt64(bitPattern: n)) }
            if rule.octal { return String(n, radix: 8) }
            return String(n)
        case (.special(.notifyKeyspaceEvents), .number(let flags)):
            // Kept as flags: Redis prints "A" for all classes and then omits n, which a text
            // value would lose on the round trip.
            return KeyspaceEventFlags(rawValue: Int(flags)).description
        default:
            return v.textValue
        }
    }
}

/// A config error: the text after "CONFIG SET failed (...) - " or after a FATAL CONFIG header.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

enum ConfigParse {
    /// Redis's memtoull: digits with an optional unit (b, k, kb, m, mb, g, gb; case-insensitive;
    /// k = 1000, kb = 1024). Overflow saturates like strtoull and then wraps like the C multiply.
    static func memory(_ s: String) -> UInt64? {
        let bytes = Array(s.utf8)
        if bytes.first == 45 { return nil }
        var i = 0
        while i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 { i += 1 }
        let unit = String(decoding: bytes[i...], as: UTF8.self).lowercased()
        let mul: UInt64
        switch unit {
        case "", "b": mul = 1
        case "k": mul = 1000
        case "kb": mul = 1024
        case "m": mul = 1_000_000
        case "mb": mul = 1 << 20
        case "g": mul = 1_000_000_000
        case "gb": mul = 1 << 30
        default: return nil
        }
        if i >= 128 { return nil }
        var v: UInt64 = 0
        for d in bytes[0..<i] {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d - 48))
            if o1 || o2 { v = UInt64.max; break }
            v = a
        }
        return v &* mul
    }

    /// Redis's string2ll (strict: no spaces, no '+', no leading zeros).
    static func strictInt(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parseInt64(UnsafeRawBufferPointer($0)) }
    }

    /// C strtoll over the whole string (leading spaces and a sign allowed), nil when anything
    /// is left over — the checks Redis's special configs use.
    static func cLong(_ s: String, base: Int32 = 10) -> Int64? {
        if s.isEmpty { return 0 }
        return s.withCString { p -> Int64? in
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let v = strtoll(p, &end, base)
            guard let e = end, e.pointee == 0 else { return nil }
            return Int64(v)
        }
    }

    static func number(_ s: String, _ rule: NumberRule) -> Result<Int64, ConfigError> {
        var parsed: Int64? = nil
        if rule.memory, let m = memory(s) { parsed = Int64(bitPattern: m) }
        if parsed == nil && rule.percent, s.utf8.count > 1, s.hasSuffix("%"),
           let p = strictInt(String(s.dropLast())), p >= 0 {
            parsed = -p
        }
        if parsed == nil && rule.octal {
            let ok = s.withCString { p -> Int64? in
                var end: UnsafeMutablePointer<CChar>? = nil
                errno = 0
                let v = strtoll(p, &end, 8)
                return errno == 0 && end?.pointee == 0 ? Int64(v) : nil
            }
            parsed = ok
        }
        if parsed == nil && !rule.memory && !rule.percent && !rule.octal { parsed = strictInt(s) }
        guard var v = parsed else {
            if rule.memory && rule.percent { return .failure(ConfigError("argument must be a memory or percent value")) }
            if rule.memory { return .failure(ConfigError("argument must be a memory value")) }
            if rule.octal { return .failure(ConfigError("argument couldn't be parsed as an octal number")) }
            return .failure(ConfigError("argument couldn't be parsed into an integer"))
        }
        if rule.unsigned {
            let u = UInt64(bitPattern: v), lo = UInt64(bitPattern: rule.min), hi = UInt64(bitPattern: rule.max)
            if u > hi || u < lo {
                let r = rule.octal ? "argument must be between \(String(lo, radix: 8)) and \(String(hi, radix: 8)) inclusive"
                                   : "argument must be between \(lo) and \(hi) inclusive"
                return .failure(ConfigError(r))
            }
        } else if rule.percent && v < 0 {
            if v < rule.min { return .failure(ConfigError("percentage argument must be less or equal to \(-rule.min)")) }
        } else if v > rule.max || v < rule.min {
            return .failure(ConfigError("argument must be between \(rule.min) and \(rule.max) inclusive"))
        }
        if let c = rule.clamp { v = Swift.min(Swift.max(v, c.lowerBound), c.upperBound) }
        return .success(v)
    }
}
