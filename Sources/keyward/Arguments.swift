// Hand-rolled argument parsing for `keyward` (a handful of flags; no package dependency).

import Foundation

struct Arguments {
    var command = "console"
    var flags: [String: String] = [:]
    var switches: Set<String> = []
    /// Words after the command (only `lock` takes any: `lock unlock NAME`).
    var positional: [String] = []

    static let usage = """
    usage: keyward [console] [--seed host:port] [--password PW] [--read-only] [--refresh SECONDS]
                   [--theme default|light|high-contrast|monochrome] [--ascii] [--no-color]
           keyward status [--json] [--watch [SECONDS]] [--seed host:port] [--password PW] [--timeout SECONDS]
           keyward up [--replicas N] [--sentinels N] [--dir DIR] [--port BASE] [--no-console]
           keyward down [--dir DIR]
           keyward lock list [--pattern P] [--json] [--seed host:port] [--password PW]
           keyward lock show NAME [--json] [--seed host:port] [--password PW]
           keyward lock unlock NAME [--yes] [--seed host:port] [--password PW]

    status exit codes: 0 healthy, 1 degraded, 2 unreachable (docs/admin-protocol.md).
    lock: list needs Keyward (ADMIN LOCKS); show and unlock also work on plain Redis. unlock is
    Redisson's forceUnlock (DEL + PUBLISH, waiters wake) on the seed's master; without --yes it
    asks to type the lock name on a terminal and refuses when stdin is not one (docs/locks.md).
    lock exit codes: 0 done, 1 lock not held, 2 connection/server error, 3 unlock refused
    (not confirmed), 64 usage.
    The default seed is the topology `keyward up` last started, else 127.0.0.1:6379.
    """

    /// Flags that take a value; `--watch` takes an optional one.
    static let valued: Set<String> = ["--seed", "--password", "--refresh", "--theme", "--timeout", "--replicas",
                                      "--sentinels", "--dir", "--port", "--watch", "--pattern"]

    init(_ argv: [String]) throws {
        var i = 0
        if let first = argv.first, !first.hasPrefix("-") {
            command = first
            i = 1
        }
        while i < argv.count {
            var a = argv[i]
            var value: String?
            if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
                value = String(a[a.index(after: eq)...])
                a = String(a[..<eq])
            }
            if Arguments.valued.contains(a) {
                if value == nil, i + 1 < argv.count, !argv[i + 1].hasPrefix("--") {
                    value = argv[i + 1]
                    i += 1
                }
                if value == nil {
                    guard a == "--watch" else { throw UsageError("\(a) needs a value") }
                    value = "1"
                }
                flags[a] = value
            } else if a.hasPrefix("--") || a == "-h" {
                switches.insert(a)
            } else if command == "lock" {
                positional.append(a)
            } else {
                throw UsageError("unexpected argument '\(a)'")
            }
            i += 1
        }
    }

    func int(_ name: String, _ def: Int) throws -> Int {
        guard let v = flags[name] else { return def }
        guard let n = Int(v), n >= 0 else { throw UsageError("\(name) wants a number, not '\(v)'") }
        return n
    }

    func double(_ name: String, _ def: Double) throws -> Double {
        guard let v = flags[name] else { return def }
        guard let n = Double(v), n > 0 else { throw UsageError("\(name) wants a positive number, not '\(v)'") }
        return n
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}

/// Writes a line to stdout unbuffered (JSON lines must reach a pipe as they are made).
func say(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

/// A failure at run time (not a usage mistake): printed without the usage text.
struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}
