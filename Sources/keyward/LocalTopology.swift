// `keyward up` / `keyward down`: a local topology of keyward-server processes in a data folder.
// Each node gets its own folder with its pidfile and log; `down` stops exactly the processes
// those pidfiles name (after checking they still are keyward-server), nothing else. The last
// topology started is remembered in $KEYWARD_HOME (default ~/.keyward) as the console's seed.

import Admin
import KeywardClient
import Foundation

enum LocalTopology {
    static var home: String {
        let env = ProcessInfo.processInfo.environment
        return env["KEYWARD_HOME"] ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.keyward")
    }

    static var lastFile: String { home + "/last-topology" }

    /// Reads "key=value" lines from the folder's topology file.
    static func read(_ dir: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: dir + "/topology", encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    static func lastDir() -> String? {
        (try? String(contentsOfFile: lastFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func defaultSeed() -> String {
        if let d = lastDir(), let seed = read(d)["seed"], !pids(d).isEmpty { return seed }
        return "127.0.0.1:6379"
    }

    static func serverBinary() -> String {
        if let p = ProcessInfo.processInfo.environment["KEYWARD_SERVER"] { return p }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = (me as NSString).deletingLastPathComponent + "/keyward-server"
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "keyward-server"
    }

    /// Running keyward-server processes named by the folder's pidfiles.
    static func pids(_ dir: String) -> [(node: String, pid: Int32)] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: dir) else { return [] }
        return entries.sorted().compactMap { e in
            guard let t = try? String(contentsOfFile: "\(dir)/\(e)/server.pid", encoding: .utf8),
                  let pid = Int32(t.trimmingCharacters(in: .whitespacesAndNewlines)), isKeywardServer(pid) else { return nil }
            return (e, pid)
        }
    }

    static func isKeywardServer(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0,
              let cmd = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
        return String(decoding: cmd, as: UTF8.self).contains("keyward-server")
    }

    /// Starts the topology; on any failure stops what it started, so a failed `up` leaves nothing behind.
    static func up(_ args: Arguments) throws -> (seed: String, dir: String) {
        let dir = absolute(args.flags["--dir"] ?? home + "/local")
        if !pids(dir).isEmpty { throw ToolError("a topology is already running in \(dir); run `keyward down --dir \(dir)` first") }
        do {
            return try startAll(args)
        } catch {
            _ = stop(dir)
            throw error
        }
    }

    private static func startAll(_ args: Arguments) throws -> (seed: String, dir: String) {
        let replicas = try args.int("--replicas", 1)
        let sentinels = try args.int("--sentinels", 0)
        let dir = absolute(args.flags["--dir"] ?? home + "/local")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = try args.int("--port", 0)
        var used = Set<Int>()
        func port(_ i: Int) -> Int {
            if base > 0 { return base + i }
            var p = ServerAddress.freeLoopbackPort()
            while used.contains(p) { p = ServerAddress.freeLoopbackPort() }
            used.insert(p)
            return p
        }
        let master = port(0)
        try start(dir: dir, name: "node-\(master)", args: ["--port", "\(master)"])
        var replicaPorts: [Int] = []
        for i in 0..<replicas {
            let p = port(1 + i)
            replicaPorts.append(p)
            try start(dir: dir, name: "node-\(p)", args: ["--port", "\(p)", "--replicaof", "127.0.0.1", "\(master)"])
        }
        var sentinelPorts: [Int] = []
        for i in 0..<sentinels {
            let p = port(1 + replicas + i)
            sentinelPorts.append(p)
            let folder = "\(dir)/sentinel-\(p)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let conf = "port \(p)\nbind 127.0.0.1\nsentinel monitor keyward 127.0.0.1 \(master) \(max(1, sentinels / 2 + 1))\n"
                + "sentinel down-after-milliseconds keyward 5000\nsentinel failover-timeout keyward 30000\n"
            try conf.write(toFile: folder + "/sentinel.conf", atomically: true, encoding: .utf8)
            do {
                try start(dir: dir, name: "sentinel-\(p)", args: [folder + "/sentinel.conf", "--sentinel"])
            } catch {
                throw ToolError("sentinel-\(p) did not start: this keyward-server may not have Sentinel mode yet (see \(folder)/server.log)")
            }
        }
        // With sentinels the seed is a sentinel: through it the console finds the data nodes and
        // the other sentinels (a data node does not know its sentinels).
        let seed = "127.0.0.1:\(sentinelPorts.first ?? master)"
        let masterAddress = "127.0.0.1:\(master)"
        let topo = "seed=\(seed)\nmaster=\(master)\nreplicas=\(replicaPorts.map(String.init).joined(separator: ","))\n"
            + "sentinels=\(sentinelPorts.map(String.init).joined(separator: ","))\n"
        try topo.write(toFile: dir + "/topology", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try (dir + "\n").write(toFile: lastFile, atomically: true, encoding: .utf8)
        // Healthy = every node answers and the master lists every replica online.
        let deadline = Date().addingTimeInterval(60)
        var last: TopologyStatus?
        while Date() < deadline {
            let t = discover(seed: seed, options: PollOptions())
            last = t
            let online = t.nodes.first { $0.address == masterAddress }?.replication?.replicas.filter { $0.state == "online" }.count ?? 0
            let peers = t.sentinelView?.masters.first.map { $0.numOtherSentinels + 1 } ?? 0
            if t.health == "healthy" && online == replicas && t.sentinels.count == sentinels && (sentinels == 0 || peers == sentinels) {
                return (seed, dir)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw ToolError("topology in \(dir) not healthy after 60 s: \(last?.problems.joined(separator: "; ") ?? "")")
    }

    private static func start(dir: String, name: String, args: [String]) throws {
        let folder = "\(dir)/\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: folder + "/server.pid")
        // A config file must come first; the rest are --name value overrides as for redis-server.
        let argv = [serverBinary()] + args + ["--bind", "127.0.0.1", "--dir", folder, "--daemonize", "yes",
                                              "--pidfile", folder + "/server.pid", "--logfile", folder + "/server.log"]
        // posix_spawn + waitpid, not Foundation's Process: its waitUntilExit never returned here once
        // the daemonized grandchild kept the inherited monitoring descriptor open.
        try spawnAndWait(argv, in: folder)
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if pids(dir).contains(where: { $0.node == name }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ToolError("\(name) did not start (see \(folder)/server.log)")
    }

    static func down(_ args: Arguments) throws -> Int32 {
        guard let dir = (args.flags["--dir"].map(absolute)) ?? lastDir() else {
            throw UsageError("no topology to stop (give --dir)")
        }
        say("stopped \(stop(dir)) process(es) in \(dir)")
        return 0
    }

    /// SIGTERM to every running keyward-server named by the folder's pidfiles, SIGKILL after 15 s.
    static func stop(_ dir: String) -> Int {
        let running = pids(dir)
        for (_, pid) in running { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && running.contains(where: { isKeywardServer($0.pid) }) { Thread.sleep(forTimeInterval: 0.05) }
        for (_, pid) in running where isKeywardServer(pid) { kill(pid, SIGKILL) }
        return running.count
    }

    static func spawnAndWait(_ argv: [String], in folder: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ)
        guard rc == 0 else { throw ToolError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    static func absolute(_ p: String) -> String {
        p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
    }

}
