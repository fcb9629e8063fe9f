// The lock client through Sentinel: a real redis-server in sentinel mode names the master.
// (The failover double grant is FailoverTests.swift; this proves discovery.)
import TestSupport
import Foundation
import XCTest
import KeywardClient
@testable import KeywardLocks
import RESP

final class SentinelDiscoveryTests: XCTestCase {
    func testLockClientFindsTheMasterThroughSentinel() async throws {
        try await onBothServers { master, kind in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kw-sentinel-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let conf = dir.appendingPathComponent("sentinel.conf")
            try "sentinel monitor lockmaster 127.0.0.1 \(master.address.port) 1\n".write(to: conf, atomically: true, encoding: .utf8)
            let port = ServerAddress.freeLoopbackPort()
            let sentinel = Process()
            sentinel.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            sentinel.arguments = [conf.path, "--sentinel", "--port", "\(port)", "--bind", "127.0.0.1", "--dir", dir.path]
            sentinel.standardOutput = FileHandle.nullDevice
            sentinel.standardError = FileHandle.nullDevice
            try sentinel.run()
            defer { kill(sentinel.processIdentifier, SIGKILL); sentinel.waitUntilExit() }
            let sAddr = ServerAddress(host: "127.0.0.1", port: port)
            try await eventually(15, "sentinel answers") {
                (try? Connection(sAddr, timeout: 1).command("PING")) == .simple("PONG")
            }
            let unreachable = ServerAddress(host: "127.0.0.1", port: ServerAddress.freeLoopbackPort())
            let locks = LockClient(server: .sentinel([unreachable, sAddr], masterName: "lockmaster"))
            let h = try await locks.lock("via-sentinel", leaseTime: .seconds(30), threadId: 1)
            let direct = try Connection(master.address)
            XCTAssertEqual(try direct.command("HGET", "via-sentinel", "\(locks.clientId):1").string, "1", "\(kind): written on the master")
            let freed = try await h.unlock()
            XCTAssertTrue(freed)
            let missing = LockClient(server: .sentinel([sAddr], masterName: "nosuch"))
            do { _ = try await missing.tryLock("x"); XCTFail("unknown master name") } catch let e as ClientError {
                guard case .connect = e else { return XCTFail("\(e)") }
            }
        }
    }
}
