import Foundation
import KeywardClient

/// Starts a real keyward-server (or redis-server) on a free loopback port for a test and stops
/// it again; Swift tests that need real processes (client, locks, console) share this one.
public final class ServerProcess {
    public let address: ServerAddress
    public let workdir: URL
    private let process: Process

    /// The keyward-server next to the test bundle (or $KEYWARD_SERVER).
    public static var keywardBinary: String {
        if let p = ProcessInfo.processInfo.environment["KEYWARD_SERVER"] { return p }
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.contains(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("keyward-server").path
    }

    /// `config` non-nil: the lines go to a config file given as the first argument (after `port`
    /// and `bind`), as a Sentinel needs (it rewrites that file); nothing else is added to `args`.
    public init(binary: String = ServerProcess.keywardBinary, args: [String] = [], config: [String]? = nil) throws {
        workdir = FileManager.default.temporaryDirectory.appendingPathComponent("kw-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        var lastError: Error = ClientError.timeout
        for _ in 0..<5 {
            let port = ServerAddress.freeLoopbackPort()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            if let lines = config {
                let conf = workdir.appendingPathComponent("server.conf")
                try (["port \(port)", "bind 127.0.0.1"] + lines).joined(separator: "\n").appending("\n")
                    .write(to: conf, atomically: true, encoding: .utf8)
                p.arguments = [conf.path] + args
            } else {
                p.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + args
            }
            p.currentDirectoryURL = workdir
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let addr = ServerAddress(host: "127.0.0.1", port: port)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline && p.isRunning {
                if let c = try? Connection(addr, timeout: 1), (try? c.command("PING")) == .simple("PONG") {
                    address = addr
                    process = p
                    return
                }
                usleep(50_000)
            }
            if p.isRunning { p.terminate(); p.waitUntilExit() }
            lastError = ClientError.connect("server on port \(port) did not start")
        }
        throw lastError
    }

    public var pid: Int32 { process.processIdentifier }

    /// A Sentinel (`--sentinel`) monitoring `master` as `name` with the given quorum and timings.
    public static func sentinel(binary: String = ServerProcess.keywardBinary, monitoring master: ServerAddress,
                                name: String = "mymaster", quorum: Int = 2, downAfterMs: Int = 1000,
                                failoverTimeoutMs: Int = 3000) throws -> ServerProcess {
        try ServerProcess(binary: binary, args: ["--sentinel"], config: [
            "sentinel monitor \(name) \(master.host) \(master.port) \(quorum)",
            "sentinel down-after-milliseconds \(name) \(downAfterMs)",
            "sentinel failover-timeout \(name) \(failoverTimeoutMs)",
        ])
    }

    /// SIGSTOP / SIGCONT: the process keeps its sockets (the kernel still accepts data for it)
    /// but runs nothing, so it neither answers nor reconnects until resumed.
    public func pause() { kill(process.processIdentifier, SIGSTOP) }
    public func resume() { kill(process.processIdentifier, SIGCONT) }

    /// SIGKILL now (a crash: nothing is flushed, no goodbye to replicas); the workdir stays
    /// until `stop()`.
    public func crash() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: workdir)
    }

    deinit { stop() }

}
