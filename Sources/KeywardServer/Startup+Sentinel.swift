// Sentinel mode at start-up (Redis's main with --sentinel / argv[0] redis-sentinel, and
// sentinelIsRunning): defaults set before the file is read, the `sentinel ...` directives
// turned into the core, the config file required and writable (the state lives there).

#if canImport(Glibc)
import Glibc
#endif
import Engine

extension Startup {
    static func isSentinel(_ arguments: [String]) -> Bool {
        if let a0 = arguments.first, a0.hasSuffix("keyward-sentinel") || a0.hasSuffix("redis-sentinel") { return true }
        return arguments.dropFirst().contains { $0.lowercased() == "--sentinel" }
    }

    /// initSentinelConfig: port 26379 and no protected mode (sentinels must be reachable);
    /// both may still be changed by the file. Sentinels never save an RDB.
    static func prepareSentinelConfig(_ c: ConfigStore) {
        c.sentinelMode = true
        _ = c.set("port", "26379")
        _ = c.set("protected-mode", "no")
    }

    /// Returns the error line to print, or nil once the engine runs as a sentinel.
    static func enableSentinel(_ engine: Engine) -> String? {
        let c = engine.config
        _ = c.set("save", "")
        guard let path = c.configFile else { return "Sentinel needs config file on disk to save state. Exiting..." }
        if access(path, W_OK) != 0 {
            return "Sentinel config file \(path) is not writable: \(String(cString: strerror(errno))). Exiting..."
        }
        switch SentinelMode.load(c.extraDirectives, port: Int(c.int("port")), now: unixMillis()) {
        case .failure(let e): return "\n\(e)"
        case .success(let mode): engine.enableSentinel(mode)
        }
        return nil
    }
}
