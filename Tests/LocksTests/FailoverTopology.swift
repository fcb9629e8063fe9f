// Master + 1 replica + 3 Sentinels (quorum 2, down-after 1 s) of one kind, and the schedule that
// loses a write in a failover (see FailoverTests.swift for why it is built this way).
import TestSupport
import Foundation
import XCTest
import KeywardClient
@testable import KeywardLocks
import RESP

final class FailoverTopology {
    static let masterName = "mymaster"
    let kind: TestServer
    let master: ServerProcess
    let replica: ServerProcess
    var sentinels: [ServerProcess] = []
    /// SIGKILL of the master to the Sentinels naming the replica and the replica being a master.
    var failoverSeconds = 0.0

    var lockServer: LockServer { .sentinel(sentinels.map(\.address), masterName: Self.masterName) }

    init(_ kind: TestServer) async throws {
        self.kind = kind
        let binary = kind == .keyward ? ServerProcess.keywardBinary : "/usr/bin/redis-server"
        master = try ServerProcess(binary: binary)
        replica = try ServerProcess(binary: binary, args: ["--replicaof", "127.0.0.1", "\(master.address.port)"])
        do {
            try await poll(30, "\(kind): replica in sync") {
                Self.info(self.replica.address, "replication")["master_link_status"] == "up"
            }
            for _ in 0..<3 {
                sentinels.append(try ServerProcess.sentinel(binary: binary, monitoring: master.address,
                                                            name: Self.masterName, quorum: 2))
            }
            // A failover needs the replica known to every Sentinel and the Sentinels known to
            // each other (hello messages every 2 s) so that the quorum and the election work.
            for s in sentinels {
                try await poll(30, "\(kind): sentinel \(s.address) sees the replica and its peers") {
                    let m = Self.sentinelMaster(s.address)
                    return m["num-slaves"] == "1" && m["num-other-sentinels"] == "2"
                }
            }
        } catch {
            stop()
            throw error
        }
    }

    func stop() {
        replica.resume()
        for p in sentinels + [master, replica] { p.stop() }
    }

    func masterConnection() throws -> Connection { try Connection(master.address, timeout: 5) }
    func newMasterConnection() throws -> Connection { try Connection(replica.address, timeout: 5) }

    /// Runs `window` while the replica cannot receive anything from the master, then crashes the
    /// master, resumes the replica and waits until every Sentinel names it as the master.
    func failover(_ window: () async throws -> Void) async throws {
        replica.pause()
        var resumed = false
        defer { if !resumed { replica.resume() } }
        let m = try masterConnection()
        XCTAssertEqual(try m.command("CLIENT", "KILL", "TYPE", "replica").int, 1, "\(kind): the replication link")
        try await poll(10, "\(kind): master has no replica") {
            Self.info(self.master.address, "replication")["connected_slaves"] == "0"
        }
        try await window()
        master.crash()
        let crashed = Date()
        replica.resume()
        resumed = true
        let want = "\(replica.address.port)"
        try await poll(40, "\(kind): the Sentinels promote the replica") {
            self.sentinels.allSatisfy { s in
                (try? Connection(s.address, timeout: 1).command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", Self.masterName))?
                    .array?.last?.string == want
            } && Self.info(self.replica.address, "replication")["role"] == "master"
        }
        failoverSeconds = Date().timeIntervalSince(crashed)
    }

    static func info(_ a: ServerAddress, _ section: String) -> [String: String] {
        guard let text = (try? Connection(a, timeout: 2).command("INFO", section))?.string else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
            guard let i = line.firstIndex(of: ":") else { continue }
            out[String(line[..<i])] = String(line[line.index(after: i)...])
        }
        return out
    }

    static func sentinelMaster(_ a: ServerAddress) -> [String: String] {
        guard let items = (try? Connection(a, timeout: 2).command("SENTINEL", "MASTER", masterName))?.array else { return [:] }
        var out: [String: String] = [:]
        var i = 0
        while i + 1 < items.count {
            if let k = items[i].string { out[k] = items[i + 1].string }
            i += 2
        }
        return out
    }
}

/// Polls `cond` every 50 ms until true; throws (not only fails) on timeout so a test stops there.
func poll(_ timeout: Double, _ what: String, _ cond: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? await cond()) == true { return }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    throw ClientError.connect("timed out waiting for: \(what)")
}
