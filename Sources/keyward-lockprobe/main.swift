// keyward-lockprobe: one lock contender as a separate process, for the multi-process lock tests
// and bench/locks.py. Prints one JSON object per line on stdout.
//
//   keyward-lockprobe contend --addr H:P --name L [--counter K] [--iterations N] [--tasks M] [--no-fencing]
//       M tasks each lock L N times; under the lock: GET K, SET K value+1 (unprotected on purpose).
//       Prints {"event":"done","acquired":..,"tokens":[..],"lat_us":[..],"elapsed_ms":..}
//       --no-lock skips the lock (a control run: the counter then loses updates).
//   keyward-lockprobe hold --addr H:P --name L [--lease-ms X] [--client-id ID]
//       Locks L (watchdog lease when no --lease-ms), prints {"event":"acquired",...}, then sleeps
//       until killed.

import Admin
import Foundation
import KeywardClient
import KeywardLocks

func arg(_ name: String) -> String? {
    let a = CommandLine.arguments
    guard let i = a.firstIndex(of: name), i + 1 < a.count else { return nil }
    return a[i + 1]
}

func emit(_ fields: [(String, JSONValue)]) {
    FileHandle.standardOutput.write(Data((JSONValue.object(fields).text + "\n").utf8))
}

func nowUs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

@main
struct Probe {
    static func main() async {
        let mode = CommandLine.arguments.dropFirst().first ?? ""
        do {
            let addr = try ServerAddress(parsing: arg("--addr") ?? "127.0.0.1:6379")
            let name = arg("--name") ?? "probe-lock"
            var options = LockOptions()
            options.fencing = !CommandLine.arguments.contains("--no-fencing")
            if let w = arg("--watchdog-ms").flatMap(Int64.init) { options.watchdogLease = .milliseconds(w) }
            let client = arg("--client-id").map { LockClient(address: addr, clientId: $0, options: options) }
                ?? LockClient(address: addr, options: options)
            switch mode {
            case "contend": try await contend(client, name)
            case "hold": try await hold(client, name)
            default:
                FileHandle.standardError.write(Data("usage: keyward-lockprobe contend|hold --addr H:P --name L ...\n".utf8))
                exit(2)
            }
        } catch {
            emit([("event", .string("error")), ("error", .string("\(error)"))])
            exit(1)
        }
    }

    static func contend(_ client: LockClient, _ name: String) async throws {
        let counter = arg("--counter") ?? "probe-counter"
        let iterations = Int(arg("--iterations") ?? "100") ?? 100
        let tasks = Int(arg("--tasks") ?? "1") ?? 1
        let lease = arg("--lease-ms").flatMap(Int64.init).map { Duration.milliseconds($0) }
        let noLock = CommandLine.arguments.contains("--no-lock")
        let start = nowUs()
        let results = try await withThrowingTaskGroup(of: ([Int64], [Int64]).self) { group in
            for t in 0..<tasks {
                group.addTask {
                    try await LockIdentity.$threadId.withValue(UInt64(getpid()) * 1000 + UInt64(t) + 1) {
                        var tokens: [Int64] = [], lat: [Int64] = []
                        for _ in 0..<iterations {
                            let t0 = nowUs()
                            let h = noLock ? nil : try await client.lock(name, leaseTime: lease)
                            lat.append(nowUs() - t0)
                            if let tok = h?.token { tokens.append(tok) }
                            let v = Int(try await client.command(["GET", counter]).string ?? "0") ?? 0
                            _ = try await client.command(["SET", counter, String(v + 1)])
                            try await h?.unlock()
                        }
                        return (tokens, lat)
                    }
                }
            }
            var all: [([Int64], [Int64])] = []
            for try await r in group { all.append(r) }
            return all
        }
        emit([("event", .string("done")),
              ("acquired", .int(Int64(results.reduce(0) { $0 + $1.1.count }))),
              ("tokens", .array(results.map { .array($0.0.map { .int($0) }) })),
              ("lat_us", .array(results.flatMap { $0.1 }.map { .int($0) })),
              ("elapsed_ms", .int((nowUs() - start) / 1000))])
    }

    static func hold(_ client: LockClient, _ name: String) async throws {
        let lease = arg("--lease-ms").flatMap(Int64.init).map { Duration.milliseconds($0) }
        let h = try await client.lock(name, leaseTime: lease)
        emit([("event", .string("acquired")), ("field", .string(h.field)), ("token", h.token.map { .int($0) } ?? .null),
              ("pid", .int(Int64(getpid())))])
        while true { try await Task.sleep(nanoseconds: 3_600_000_000_000); _ = h }
    }
}
