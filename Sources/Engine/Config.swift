// ConfigStore: the live configuration (Redis's `configs` dict). Names and aliases are looked
// up case-insensitively; an alias is its own registered name (CONFIG GET prints it, CONFIG SET
// errors name it) sharing the value of its primary. CONFIG SET is all-or-nothing: every value
// is parsed and set, then the apply hooks run; any failure restores every old value.
//
// Hooks: `onApply` may reject a new value (e.g. the server cannot bind the new port); `onChange`
// is told about values that took effect, including those read from the config file.

#if canImport(Glibc)
import Glibc
#endif

public final class ConfigStore {
    public let entries: [ConfigEntry]
    var values: [ConfigValue]
    /// Lowercase name or alias -> entry index.
    let index: [String: Int]
    /// Registered names in table order (each name, then its alias), for CONFIG GET patterns.
    let registered: [(String, Int)]
    var changeHooks: [Int: [(ConfigValue) -> Void]] = [:]
    var applyHooks: [Int: [(ConfigValue) -> String?]] = [:]

    /// Absolute path of the config file that was loaded (CONFIG REWRITE's target); nil without one.
    public var configFile: String? = nil
    /// Directives that are not configs (user, rename-command, loadmodule, sentinel ...), in file
    /// order, kept for the subsystems that own them.
    public var extraDirectives: [ConfigDirective] = []
    /// Set before loading a sentinel's config: `sentinel ...` lines are then kept, not refused.
    public var sentinelMode = false
    /// Lets the sentinel (or ACL) code rewrite its own directives during CONFIG REWRITE.
    public var rewriteHook: ((ConfigRewriter) -> Void)? = nil
    /// Redis resets the default save points at the first `save` line of a file only.
    var saveLoadedFromFile = false
    /// `dir` changes the process's working directory, as in Redis; tests replace these.
    public var changeDirectory: (String) -> String? = { path in
        chdir(path) == 0 ? nil : String(cString: strerror(errno))
    }
    public var currentDirectory: () -> String = {
        var buf = [CChar](repeating: 0, count: 4096)
        return getcwd(&buf, buf.count) != nil ? buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : ""
    }

    public init() {
        entries = ConfigStore.standardEntries
        var idx: [String: Int] = [:]
        var reg: [(String, Int)] = []
        for (i, e) in entries.enumerated() {
            idx[e.name] = i
            reg.append((e.name, i))
            if let a = e.alias { idx[a] = i; reg.append((a, i)) }
        }
        index = idx
        registered = reg
        values = entries.map(\.defaultValue)
        if let d = idx["dir"] { values[d] = .text(currentDirectory()) }
    }

    // MARK: lookup and typed getters

    func slot(_ name: String) -> Int? { index[name.lowercased()] }

    public func entry(_ name: String) -> ConfigEntry? { slot(name).map { entries[$0] } }
    public func value(_ name: String) -> ConfigValue? { slot(name).map { values[$0] } }

    public func int(_ name: String) -> Int64 {
        assert(slot(name) != nil, "unknown config \(name)")
        return value(name)?.numberValue ?? 0
    }
    public func bool(_ name: String) -> Bool {
        assert(slot(name) != nil, "unknown config \(name)")
        return value(name)?.boolValue ?? false
    }
    /// The CONFIG GET text of a config ("" when unknown).
    public func string(_ name: String) -> String {
        assert(slot(name) != nil, "unknown config \(name)")
        guard let i = slot(name) else { return "" }
        return entries[i].format(values[i])
    }
    /// A byte count; unsigned values beyond Int64 saturate.
    public func memory(_ name: String) -> Int64 {
        let v = int(name)
        return v < 0 && !isPercent(name) ? Int64.max : v
    }
    func isPercent(_ name: String) -> Bool {
        if case .number(let r)? = entry(name)?.kind { return r.percent }
        return false
    }

    /// `save` as (seconds, changes) pairs.
    public var saveParams: [(seconds: Int64, changes: Int64)] {
        let n = string("save").split(separator: " ").compactMap { Int64($0) }
        return stride(from: 0, to: n.count - 1, by: 2).map { (n[$0], n[$0 + 1]) }
    }
    /// client-output-buffer-limit for the normal, replica and pubsub classes.
    public var outputBufferLimits: [OutputBufferLimit] { ConfigSpecial.parseLimits(string("client-output-buffer-limit")) }
    public var keyspaceEvents: KeyspaceEventFlags {
        KeyspaceEventFlags(rawValue: Int(value("notify-keyspace-events")?.numberValue ?? 0))
    }
    public var bindAddresses: [String] { string("bind").split(separator: " ").map(String.init) }

    /// Whether a protected action (enable-debug-command, enable-protected-configs, ...) is allowed.
    public func allows(_ name: String, localClient: Bool) -> Bool {
        switch string(name) {
        case "yes": return true
        case "local": return localClient
        default: return false
        }
    }

    // MARK: hooks

    /// Calls `body` with the new value whenever `name` changes (CONFIG SET, config file).
    public func onChange(_ name: String, _ body: @escaping (ConfigValue) -> Void) {
        guard let i = slot(name) else { preconditionFailure("unknown config \(name)") }
        changeHooks[i, default: []].append(body)
    }
    /// Like `onChange` but runs during CONFIG SET before the change is final: returning an error
    /// text rejects it and rolls every config of the call back.
    public func onApply(_ name: String, _ body: @escaping (ConfigValue) -> String?) {
        guard let i = slot(name) else { preconditionFailure("unknown config \(name)") }
        applyHooks[i, default: []].append(body)
    }

    func fireChange(_ i: Int) { for h in changeHooks[i] ?? [] { h(values[i]) } }

    // MARK: CONFIG GET

    /// CONFIG GET: exact names (echoed as given) and glob patterns over every non-hidden
    /// registered name; each config appears once, in request then table order.
    public func matching(_ patterns: [String]) -> [(String, String)] {
        var out: [(String, String)] = []
        var seen = Set<String>()
        for p in patterns {
            if !p.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
                guard let i = slot(p), !seen.contains(p.lowercased()) else { continue }
                seen.insert(p.lowercased())
                out.append((p, entries[i].format(values[i])))
                continue
            }
            for (name, i) in registered where !entries[i].flags.contains(.hidden) && !seen.contains(name) {
                if ServerGlob.match(p, name, nocase: true) {
                    seen.insert(name)
                    out.append((name, entries[i].format(values[i])))
                }
            }
        }
        return out
    }

    // MARK: CONFIG SET

    /// CONFIG SET of several pairs, all or nothing. Returns the error reply text (without "-")
    /// or nil on success. `allowProtected` says whether protected configs may change.
    public func set(pairs: [(String, String)], allowProtected: Bool = false) -> String? {
        var targets: [(name: String, slot: Int, value: String)] = []
        var unknown: String? = nil, failed: (String, String)? = nil
        for (name, val) in pairs {
            guard let i = slot(name) else {
                if unknown == nil && failed == nil { unknown = name }
                continue
            }
            if unknown != nil || failed != nil { continue }
            let e = entries[i]
            if e.flags.contains(.immutable) || (e.flags.contains(.protected) && !allowProtected) {
                failed = (name, e.flags.contains(.immutable) ? "can't set immutable config" : "can't set protected config")
                continue
            }
            if targets.contains(where: { $0.name == name.lowercased() }) {
                failed = (name, "duplicate parameter"); continue
            }
            targets.append((name.lowercased(), i, val))
        }
        if let u = unknown { return "ERR Unknown option or number of arguments for CONFIG SET - '\(u)'" }
        if let (n, err) = failed { return "ERR CONFIG SET failed (possibly related to argument '\(n)') - \(err)" }

        let old = targets.map { values[$0.slot] }
        var changed: [Int] = []
        func restore(upTo n: Int) {
            for k in 0..<n where values[targets[k].slot] != old[k] {
                if case .special(.dir) = entries[targets[k].slot].kind { _ = changeDirectory(old[k].textValue) }
                values[targets[k].slot] = old[k]
            }
        }
        for (k, t) in targets.enumerated() {
            let e = entries[t.slot]
            let args = e.flags.contains(.multiArg) ? splitSpaces(t.value) : [t.value]
            switch validate(e, e.parse(args, previous: values[t.slot], appending: false, store: self)) {
            case .failure(let err):
                restore(upTo: k)
                return "ERR CONFIG SET failed (possibly related to argument '\(t.name)') - \(err.message)"
            case .success(let v):
                if v != values[t.slot] { values[t.slot] = v; changed.append(k) }
            }
        }
        var applied: [Int] = []
        for k in changed {
            let i = targets[k].slot
            for h in applyHooks[i] ?? [] {
                if let err = h(values[i]) {
                    restore(upTo: targets.count)
                    for a in applied { for h2 in applyHooks[targets[a].slot] ?? [] { _ = h2(values[targets[a].slot]) } }
                    return "ERR CONFIG SET failed (possibly related to argument '\(targets[k].name)') - \(err)"
                }
            }
            applied.append(k)
        }
        for k in changed { fireChange(targets[k].slot) }
        return nil
    }

    /// Sets one config as CONFIG SET would (protected configs allowed); nil on success.
    @discardableResult
    public func set(_ name: String, _ value: String) -> String? { set(pairs: [(name, value)], allowProtected: true) }

    /// Checks that only Keyward cannot honour (Redis's is_valid callbacks that depend on the build).
    func validate(_ e: ConfigEntry, _ r: Result<ConfigValue, ConfigError>) -> Result<ConfigValue, ConfigError> {
        if e.name == "activedefrag", case .success(.bool(true)) = r {
            return .failure(ConfigError("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"))
        }
        return r
    }

    /// Redis's sdssplitlen(value, " "): every single space separates (empty parts kept); "" is no argument.
    func splitSpaces(_ s: String) -> [String] {
        s.isEmpty ? [] : s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    }

    /// Sets a config from its arguments regardless of mutability (the server keeping `replicaof`
    /// in step with REPLICAOF for CONFIG REWRITE, say). Fires onChange hooks; returns the error.
    @discardableResult
    public func setInternal(_ name: String, _ args: [String]) -> String? {
        guard let i = slot(name) else { return "Unknown config '\(name)'" }
        switch validate(entries[i], entries[i].parse(args, previous: values[i], appending: false, store: self)) {
        case .failure(let e): return e.message
        case .success(let v):
            if v != values[i] { values[i] = v; fireChange(i) }
            return nil
        }
    }

    /// Resets every value to its default (tests, DEBUG); hooks are not run.
    public func resetToDefaults() { values = entries.map(\.defaultValue) }

    /// The primary name of a config ("slaveof" -> "replicaof").
    public func primaryName(_ name: String) -> String? { entry(name)?.name }
}

/// Redis's stringmatchlen glob (`*`, `?`, `[...]` with `^` and ranges, `\` escapes), for
/// CONFIG GET and COMMAND LIST patterns. Backtracking is cut off as in Redis.
enum ServerGlob {
    static func match(_ pattern: String, _ string: String, nocase: Bool) -> Bool {
        var skip = false
        return run(Array(pattern.utf8), 0, Array(string.utf8), 0, nocase, &skip)
    }

    private static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    private static func run(_ p: [UInt8], _ pi0: Int, _ s: [UInt8], _ si0: Int, _ nocase: Bool, _ skip: inout Bool) -> Bool {
        var pi = pi0, si = si0
        func eq(_ a: UInt8, _ b: UInt8) -> Bool { nocase ? lower(a) == lower(b) : a == b }
        while pi < p.count && si < s.count {
            switch p[pi] {
            case 42: // *
                while pi + 1 < p.count && p[pi + 1] == 42 { pi += 1 }
                if pi + 1 == p.count { return true }
                while si < s.count {
                    if run(p, pi + 1, s, si, nocase, &skip) { return true }
                    if skip { return false }
                    si += 1
                }
                skip = true
                return false
            case 63: // ?
                si += 1
            case 91: // [
                pi += 1
                let negate = pi < p.count && p[pi] == 94
                if negate { pi += 1 }
                var matched = false
                while true {
                    if pi < p.count && p[pi] == 92 && p.count - pi >= 2 {
                        pi += 1
                        if p[pi] == s[si] { matched = true }
                    } else if pi >= p.count {
                        pi -= 1
                        break
                    } else if p[pi] == 93 {
                        break
                    } else if p.count - pi >= 3 && p[pi + 1] == 45 {
                        var lo = p[pi], hi = p[pi + 2], c = s[si]
                        if lo > hi { swap(&lo, &hi) }
                        if nocase { lo = lower(lo); hi = lower(hi); c = lower(c) }
                        pi += 2
                        if c >= lo && c <= hi { matched = true }
                    } else if eq(p[pi], s[si]) {
                        matched = true
                    }
                    pi += 1
                }
                if negate { matched.toggle() }
                if !matched { return false }
                si += 1
            default:
                if p[pi] == 92 && p.count - pi >= 2 { pi += 1 }
                if !eq(p[pi], s[si]) { return false }
                si += 1
            }
            pi += 1
            if si == s.count {
                while pi < p.count && p[pi] == 42 { pi += 1 }
                break
            }
        }
        return pi == p.count && si == s.count
    }
}
