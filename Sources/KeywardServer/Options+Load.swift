// Temporary: a minimal redis.conf reader until the ConfigStore lands.

import Engine
import RESP
#if canImport(Glibc)
import Glibc
#endif

struct ConfigError: Error, CustomStringConvertible {
    let description: String
}

func loadOptions(_ args: [String]) throws -> ServerOptions {
    var lines: [[String]] = []
    var rest = args[...]
    var o = ServerOptions()
    if let first = rest.first, !first.hasPrefix("--") {
        o.configFile = first
        rest = rest.dropFirst()
        guard let f = fopen(first, "r") else { throw ConfigError(description: "Fatal error, can't open config file '\(first)': \(String(cString: strerror(errno)))") }
        var buf = [CChar](repeating: 0, count: 65536)
        while fgets(&buf, 65536, f) != nil {
            let line = String(cString: buf)
            let bytes = Array(line.utf8)
            guard let words = bytes.withUnsafeBytes({ splitArgs($0) }), !words.isEmpty else { continue }
            if words[0].first == UInt8(ascii: "#") { continue }
            lines.append(words.map { String(decoding: $0, as: UTF8.self) })
        }
        fclose(f)
    }
    var cur: [String] = []
    for a in rest {
        if a.hasPrefix("--") {
            if !cur.isEmpty { lines.append(cur) }
            cur = [String(a.dropFirst(2))]
        } else {
            cur.append(a)
        }
    }
    if !cur.isEmpty { lines.append(cur) }
    for l in lines {
        let name = l[0].lowercased()
        let v = l.count > 1 ? l[1] : ""
        switch name {
        case "port": o.port = Int(v) ?? o.port
        case "bind": o.bind = Array(l.dropFirst())
        case "protected-mode": o.protectedMode = v == "yes"
        case "maxclients": o.maxClients = Int(v) ?? o.maxClients
        case "timeout": o.timeoutSeconds = Int(v) ?? 0
        case "hz": o.hz = Int(v) ?? 10
        case "daemonize": o.daemonize = v == "yes"
        case "pidfile": o.pidFile = v
        case "logfile": o.logFile = v
        case "loglevel": o.logLevel = LogLevel(name: v) ?? .notice
        case "requirepass": o.requirePass = v.isEmpty ? nil : v
        case "databases": o.databases = Int(v) ?? 16
        default: break
        }
    }
    return o
}
