// keyward-server start-up: configuration, daemonizing, pid file, listening, running.
// Errors end the process with a one-line message and exit code 1, never a stack trace.

#if canImport(Glibc)
import Glibc
#endif
import Engine

public enum Startup {
    /// Runs the server; returns the process exit code.
    public static func main(_ arguments: [String]) -> Int32 {
        let args = Array(arguments.dropFirst())
        if args.first == "--version" || args.first == "-v" {
            print("Keyward server v=\(ServerIdentity.keywardVersion) (Redis \(ServerIdentity.redisVersion) compatible)")
            return 0
        }
        if args.first == "--help" || args.first == "-h" {
            print("Usage: keyward-server [/path/to/keyward.conf] [--name value ...]\n       keyward-server --version")
            return 0
        }
        let engine = Engine()
        let sentinel = isSentinel(arguments)
        if sentinel { prepareSentinelConfig(engine.config) }
        do {
            try ConfigFile.load(arguments: args, into: engine.config)
            if sentinel, let err = enableSentinel(engine) { printError(err); return 1 }
        } catch {
            printError("\n\(error)")
            return 1
        }
        let options = ServerOptions(engine.config)
        if options.daemonize { daemonize() }
        let server: Server
        do {
            server = try Server(engine: engine, options: options)
            if sentinel { server.logger.role = "X" }
            // Listening first: clients connecting during the load get -LOADING (Loading.swift).
            try server.listen()
            if !sentinel {
                server.installLoadingHook()
                try server.loadData()
            }
        } catch {
            let l = Logger()
            l.path = options.logFile
            l.log(.warning, "\(error)")
            if options.daemonize || !options.logFile.isEmpty { printError("\(error)") }
            return 1
        }
        engine.serverInfo.tcpPort = server.port
        engine.serverInfo.executable = absoluteExecutable(arguments.first ?? "keyward-server")
        engine.serverInfo.configFile = engine.config.configFile ?? ""
        if !options.pidFile.isEmpty, let f = fopen(options.pidFile, "w") {
            fputs("\(getpid())\n", f)
            fclose(f)
        }
        server.log(.notice, "Keyward \(ServerIdentity.keywardVersion) started, pid=\(getpid()), port=\(server.port)")
        guard sentinel || loadDataFromDisk(engine, server) else { return 1 }
        do {
            try server.run()
        } catch {
            server.log(.warning, "\(error)")
            return 1
        }
        return 0
    }

    /// Redis's loadDataFromDisk: the RDB file in `dir`, if any. A file that fails to load stops
    /// the server (one log line, exit code 1) rather than starting with partial or no data.
    static func loadDataFromDisk(_ engine: Engine, _ server: Server) -> Bool {
        if engine.config.bool("appendonly") { return true }   // no AOF yet: nothing to load from
        let file = engine.config.string("dbfilename")
        // A replica keeps expired keys from its file too (its master deletes them).
        if !engine.config.string("replicaof").isEmpty { engine.setReplicaMode(true) }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        engine.now = unixMillis()
        do {
            var st = stat()
            let size = stat(file, &st) == 0 ? Int(st.st_size) : 0
            guard let info = try engine.withLoading(totalBytes: size, { try engine.loadRdbFile(file) }) else { return true }
            var end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &end)
            let secs = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
            if let v = info.aux.first(where: { $0.0 == "redis-ver" }) { server.log(.notice, "Loading RDB produced by version \(v.1)") }
            server.log(.notice, "Done loading RDB, keys loaded: \(info.keysLoaded), keys expired: \(info.expiredSkipped).")
            server.log(.notice, "DB loaded from disk: \(cFormat("%.3f", secs)) seconds")
            if !engine.config.string("replicaof").isEmpty && engine.restoreReplicationInfo(info.aux) {
                server.log(.notice, "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.")
            }
            return true
        } catch {
            server.log(.warning, "Fatal error loading the DB (\(file)): \(error). Exiting.")
            if !server.options.logFile.isEmpty { printError("Fatal error loading the DB (\(file)): \(error). Exiting.") }
            return false
        }
    }

    static func daemonize() {
        let pid = fork()
        if pid < 0 { return }
        if pid > 0 { exit(0) }
        setsid()
        let fd = open("/dev/null", O_RDWR)
        if fd >= 0 {
            dup2(fd, 0); dup2(fd, 1); dup2(fd, 2)
            if fd > 2 { close(fd) }
        }
    }
}

/// One line on standard error.
func printError(_ s: String) {
    var l = s + "\n"
    l.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// The executable's absolute path (INFO server `executable`).
func absoluteExecutable(_ argv0: String) -> String {
    if argv0.hasPrefix("/") { return argv0 }
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, 4095)
    return n > 0 ? String(cString: buf) : argv0
}
