import TestSupport
import Foundation
import XCTest
import Admin
import KeywardClient
@testable import KeywardLocks
import RESP

/// Both servers every lock test runs against: our keyward-server and the real redis-server 7.0.
enum TestServer: String, CaseIterable {
    case keyward, redis
    func start() throws -> ServerProcess {
        switch self {
        case .keyward: return try ServerProcess()
        case .redis: return try ServerProcess(binary: "/usr/bin/redis-server")
        }
    }
}

func onBothServers(_ body: (ServerProcess, TestServer) async throws -> Void) async throws {
    for s in TestServer.allCases {
        let server = try s.start()
        defer { server.stop() }
        do { try await body(server, s) } catch {
            XCTFail("\(s): \(error)")
            throw error
        }
    }
}

/// Polls `cond` every 10 ms until true or `timeout` seconds pass (machine is shared and slow).
func eventually(_ timeout: Double = 10, _ what: String, _ cond: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await cond() { return }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
    XCTFail("timed out waiting for: \(what)")
}

func nowMs() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

/// The binaries next to the test bundle (keyward-lockprobe is built with the tests).
func siblingBinary(_ name: String) -> String {
    URL(fileURLWithPath: ServerProcess.keywardBinary).deletingLastPathComponent().appendingPathComponent(name).path
}

/// A child process whose stdout is read line by line.
final class Child {
    let process = Process()
    private let out = Pipe()
    private let input = Pipe()
    private var buffer = Data()

    init(_ path: String, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        process.standardOutput = out
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// The next stdout line, waiting up to `timeout` seconds.
    func line(timeout: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let nl = buffer.firstIndex(of: 10) {
                let l = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                return l
            }
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { if !process.isRunning { return nil }; usleep(5000) } else { buffer.append(chunk) }
        }
        return nil
    }

    func send(_ s: String) { input.fileHandleForWriting.write(Data((s + "\n").utf8)) }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { kill9() }
}

func json(_ s: String?) -> JSONValue? { s.flatMap { JSONValue(parsing: $0) } }

extension JSONValue {
    var intValue: Int64? { if case .int(let i) = self { return i }; return nil }
    var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
}
