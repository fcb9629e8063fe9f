// The configs with their own syntax (config.c's createSpecialConfig entries): save,
// bind, client-output-buffer-limit, oom-score-adj-values, notify-keyspace-events, replicaof,
// dir and latency-tracking-info-percentiles. Each keeps its CONFIG GET text as its value;
// typed views (`saveParams`, `outputBufferLimits`, `keyspaceEventFlags`) parse it back.

#if canImport(Glibc)
import Glibc
#endif

/// One client class's output buffer limits (client-output-buffer-limit).
public struct OutputBufferLimit: Equatable, Sendable {
    public var hard: UInt64
    public var soft: UInt64
    public var softSeconds: Int64
}

enum ConfigSpecial {
    static let bufferClasses = ["normal", "slave", "pubsub"]

    static func parse(_ s: SpecialConfig, _ args: [String], previous: ConfigValue, appending: Bool,
                      store: ConfigStore) -> Result<ConfigValue, ConfigError> {
        switch s {
        case .save: return save(args, previous: previous, appending: appending)
        case .shutdownOnSignal: return shutdownFlags(args)
        case .bind:
            if args.count > 16 { return .failure(ConfigError("Too many bind addresses specified.")) }
            if args.count == 1 && args[0].isEmpty { return .success(.text("")) }
            return .success(.text(args.joined(separator: " ")))
        case .clientOutputBufferLimit: return outputBufferLimits(args, previous: previous)
        case .oomScoreAdjValues:
            guard args.count == 3 else { return .failure(ConfigError("wrong number of arguments")) }
            var vals: [Int64] = []
            for a in args {
                guard let v = ConfigParse.cLong(a), v >= -2000, v <= 2000 else {
                    return .failure(ConfigError("Invalid oom-score-adj-values, elements must be between -2000 and 2000."))
                }
                vals.append(v)
            }
            return .success(.text(vals.map(String.init).joined(separator: " ")))
        case .notifyKeyspaceEvents:
            guard args.count == 1 else { return .failure(ConfigError("wrong number of arguments")) }
            guard let f = KeyspaceEventFlags(parsing: args[0]) else {
                return .failure(ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
            }
            return .success(.number(Int64(f.rawValue)))
        case .replicaOf:
            guard args.count == 2 else { return .failure(ConfigError("wrong number of arguments")) }
            if args[0].lowercased() == "no" && args[1].lowercased() == "one" { return .success(.text("")) }
            guard let port = ConfigParse.cLong(args[1]), port >= 0, port <= 65535 else {
                return .failure(ConfigError("Invalid master port"))
            }
            return .success(.text("\(args[0]) \(port)"))
        case .dir:
            guard args.count == 1 else { return .failure(ConfigError("wrong number of arguments")) }
            if let err = store.changeDirectory(args[0]) { return .failure(ConfigError(err)) }
            return .success(.text(store.currentDirectory()))
        case .latencyPercentiles:
            if args.count == 1 && args[0].isEmpty { return .success(.text("")) }
            var out: [String] = []
            for a in args {
                guard let d = strictDouble(a) else {
                    return .failure(ConfigError("Invalid latency-tracking-info-percentiles parameters"))
                }
                if d > 100 || d < 0 {
                    return .failure(ConfigError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"))
                }
                out.append(trimmedDouble(d))
            }
            return .success(.text(out.joined(separator: " ")))
        }
    }

    /// shutdown-on-sigint/sigterm: a set of flags printed in table order, "default" when none.
    static func shutdownFlags(_ args: [String]) -> Result<ConfigValue, ConfigError> {
        let names = ["save", "nosave", "now", "force"]
        var set = Set<String>()
        for a in args {
            let l = a.lowercased()
            guard l == "default" || names.contains(l) else {
                return .failure(ConfigError("argument(s) must be one of the following: default, save, nosave, now, force"))
            }
            if l != "default" { set.insert(l) }
        }
        if args.isEmpty { return .failure(ConfigError("argument(s) must be one of the following: default, save, nosave, now, force")) }
        if set.contains("save") && set.contains("nosave") {
            return .failure(ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously"))
        }
        let out = names.filter(set.contains)
        return .success(.text(out.isEmpty ? "default" : out.joined(separator: " ")))
    }

    /// `save <seconds> <changes> ...`; a single "" means no save points. Reading a file, the
    /// first save line replaces the defaults and later ones add to it.
    static func save(_ args: [String], previous: ConfigValue, appending: Bool) -> Result<ConfigValue, ConfigError> {
        var args = args
        if args.count == 1 && args[0].isEmpty { args = [] }
        if args.count % 2 == 1 { return .failure(ConfigError("Invalid save parameters")) }
        var nums: [Int64] = []
        for (j, a) in args.enumerated() {
            guard let v = ConfigParse.cLong(a), (j % 2 == 0 ? v >= 1 : v >= 0) else {
                return .failure(ConfigError("Invalid save parameters"))
            }
            nums.append(j % 2 == 0 ? v : Int64(Int32(truncatingIfNeeded: v)))
        }
        var text = nums.map(String.init).joined(separator: " ")
        if appending && !previous.textValue.isEmpty && !text.isEmpty { text = previous.textValue + " " + text }
        else if appending && text.isEmpty { text = previous.textValue }
        return .success(.text(text))
    }

    static func outputBufferLimits(_ args: [String], previous: ConfigValue) -> Result<ConfigValue, ConfigError> {
        if args.count % 4 != 0 {
            return .failure(ConfigError("Wrong number of arguments in buffer limit configuration."))
        }
        var limits = parseLimits(previous.textValue)
        var j = 0
        while j < args.count {
            let name = args[j].lowercased()
            let cls: Int
            switch name {
            case "normal": cls = 0
            case "slave", "replica": cls = 1
            case "pubsub": cls = 2
            default: return .failure(ConfigError("Invalid client class specified in buffer limit configuration."))
            }
            guard let hard = ConfigParse.memory(args[j + 1]), let soft = ConfigParse.memory(args[j + 2]),
                  let secs = ConfigParse.cLong(args[j + 3]), secs >= 0 else {
                return .failure(ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration."))
            }
            limits[cls] = OutputBufferLimit(hard: hard, soft: soft, softSeconds: secs)
            j += 4
        }
        return .success(.text(formatLimits(limits)))
    }

    static func parseLimits(_ text: String) -> [OutputBufferLimit] {
        let w = text.split(separator: " ")
        var out = [OutputBufferLimit](repeating: OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0), count: 3)
        var j = 0
        while j + 3 < w.count {
            if let i = bufferClasses.firstIndex(of: String(w[j])) {
                out[i] = OutputBufferLimit(hard: UInt64(w[j + 1]) ?? 0, soft: UInt64(w[j + 2]) ?? 0, softSeconds: Int64(w[j + 3]) ?? 0)
            }
            j += 4
        }
        return out
    }

    static func formatLimits(_ l: [OutputBufferLimit]) -> String {
        (0..<3).map { "\(bufferClasses[$0]) \(l[$0].hard) \(l[$0].soft) \(l[$0].softSeconds)" }.joined(separator: " ")
    }

    /// Redis's string2d: a whole-string strtod, no spaces, not NaN.
    static func strictDouble(_ s: String) -> Double? {
        guard let f = s.utf8.first, f != 32, f != 9, let l = s.utf8.last, l != 32 else { return nil }
        return s.withCString { p -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let d = strtod(p, &end)
            guard end?.pointee == 0, errno == 0, !d.isNaN else { return nil }
            return d
        }
    }

    /// "%f" with trailing zeros (and a bare point) removed: 50 -> "50", 99.9 -> "99.9".
    static func trimmedDouble(_ d: Double) -> String {
        var s = cFormat("%f", d)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
}

/// notify-keyspace-events classes (notify.c), parsed from and printed as Redis does.
public struct KeyspaceEventFlags: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let keyspace = KeyspaceEventFlags(rawValue: 1 << 0)   // K
    public static let keyevent = KeyspaceEventFlags(rawValue: 1 << 1)   // E
    public static let generic  = KeyspaceEventFlags(rawValue: 1 << 2)   // g
    public static let string   = KeyspaceEventFlags(rawValue: 1 << 3)   // $
    public static let list     = KeyspaceEventFlags(rawValue: 1 << 4)   // l
    public static let set      = KeyspaceEventFlags(rawValue: 1 << 5)   // s
    public static let hash     = KeyspaceEventFlags(rawValue: 1 << 6)   // h
    public static let zset     = KeyspaceEventFlags(rawValue: 1 << 7)   // z
    public static let expired  = KeyspaceEventFlags(rawValue: 1 << 8)   // x
    public static let evicted  = KeyspaceEventFlags(rawValue: 1 << 9)   // e
    public static let stream   = KeyspaceEventFlags(rawValue: 1 << 10)  // t
    public static let keyMiss  = KeyspaceEventFlags(rawValue: 1 << 11)  // m
    public static let module   = KeyspaceEventFlags(rawValue: 1 << 12)  // d
    public static let new      = KeyspaceEventFlags(rawValue: 1 << 13)  // n
    /// 'A': every class except key-miss and new.
    public static let all: KeyspaceEventFlags = [.generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module]

    static let classes: [(Character, KeyspaceEventFlags)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset),
        ("x", .expired), ("e", .evicted), ("t", .stream), ("d", .module), ("n", .new),
    ]

    /// nil for an unknown class character.
    public init?(parsing s: String) {
        var f: KeyspaceEventFlags = []
        for ch in s {
            switch ch {
            case "A": f.formUnion(.all)
            case "K": f.insert(.keyspace)
            case "E": f.insert(.keyevent)
            case "m": f.insert(.keyMiss)
            default:
                guard let c = KeyspaceEventFlags.classes.first(where: { $0.0 == ch }) else { return nil }
                f.insert(c.1)
            }
        }
        self = f
    }

    public var description: String {
        var s = ""
        if isSuperset(of: .all) { s = "A" } else {
            for (ch, f) in KeyspaceEventFlags.classes where contains(f) { s.append(ch) }
        }
        if contains(.keyspace) { s += "K" }
        if contains(.keyevent) { s += "E" }
        if contains(.keyMiss) { s += "m" }
        return s
    }
}
