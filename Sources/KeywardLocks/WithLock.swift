// The source notes' wrapper (seeds/000): run a task under a lock; if the lock is taken, wait and
// try again (back-off with jitter) up to N attempts; after the last one record the key and the
// task's information durably and notify the people responsible. Records go to every sink in
// `LockOptions.failureSinks`; the default writes the server record + alert (docs/locks.md).

import Admin
import Foundation
import KeywardClient

/// Where failure records go. The server sink is the default; a log, a webhook or a pager is one
/// conformance away.
public protocol LockFailureSink: Sendable {
    func deliver(_ record: LockFailureRecord, via client: LockClient) async throws
}

/// LPUSH of the record's JSON on `keyward:lock-failures` (trimmed to the newest 1000) and a
/// PUBLISH of the same JSON on `keyward:lock-alerts`, in one MULTI/EXEC.
public struct ServerFailureSink: LockFailureSink {
    public init() {}
    public func deliver(_ record: LockFailureRecord, via client: LockClient) async throws {
        let json = try AdminJSON.encode(record)
        let pool = client.pool
        try await blocking {
            try pool.with { c in
                let r = try c.pipeline([["MULTI"],
                                        ["LPUSH", LockConventions.failureKey, json],
                                        ["LTRIM", LockConventions.failureKey, "0", String(LockConventions.failureKeep - 1)],
                                        ["PUBLISH", LockConventions.alertChannel, json],
                                        ["EXEC"]])
                if case .error(let e) = r.last! { throw ClientError.server(e) }
            }
        }
    }
}

/// Calls a closure with each record (a log line, an in-process alert list, a webhook call).
public struct ClosureFailureSink: LockFailureSink {
    let body: @Sendable (LockFailureRecord) async throws -> Void
    public init(_ body: @escaping @Sendable (LockFailureRecord) async throws -> Void) { self.body = body }
    public func deliver(_ record: LockFailureRecord, via client: LockClient) async throws { try await body(record) }
}

/// Writes each record as one JSON line to standard error.
public struct LogFailureSink: LockFailureSink {
    public init() {}
    public func deliver(_ record: LockFailureRecord, via client: LockClient) async throws {
        FileHandle.standardError.write(Data(((try? AdminJSON.encode(record)) ?? "\(record)").utf8 + [10]))
    }
}

extension LockClient {
    /// Runs `body` holding `name`. Each attempt waits up to `waitPerAttempt` (zero: one try);
    /// between attempts it sleeps `retryDelay * 2^(attempt-1)`, capped at `maxDelay`, scaled by
    /// a random factor in [0.5, 1.5) so contenders spread out. After the last attempt it writes a
    /// LockFailureRecord to the sinks and throws `LockError.gaveUp`. The lock is released after
    /// `body` whether it returns or throws.
    public func withLock<T: Sendable>(_ name: String, task: TaskInfo, attempts: Int = 5,
                                      retryDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5),
                                      waitPerAttempt: Duration = .zero, leaseTime: Duration? = nil,
                                      _ body: (LockHandle) async throws -> T) async throws -> T {
        let n = max(1, attempts)
        for attempt in 1...n {
            if let h = try await tryLock(name, waitTime: waitPerAttempt, leaseTime: leaseTime) {
                let result: Result<T, Error>
                do { result = .success(try await body(h)) } catch { result = .failure(error) }
                _ = try? await h.unlock()
                return try result.get()
            }
            if attempt < n {
                try await Task.sleep(nanoseconds: UInt64(LockClient.backoffMs(attempt: attempt, base: retryDelay, cap: maxDelay)) * 1_000_000)
            }
        }
        let record = LockFailureRecord(lock: name, task: task, holders: (try? await holders(name)) ?? [],
                                       attempts: n, time: Int64(Date().timeIntervalSince1970 * 1000),
                                       clientId: clientId,
                                       message: "task '\(task.name)' gave up waiting for lock '\(name)' after \(n) attempts")
        for sink in options.failureSinks { try? await sink.deliver(record, via: self) }
        throw LockError.gaveUp(record)
    }

    /// Exponential back-off with jitter in milliseconds (public for tests and callers' own loops).
    public static func backoffMs(attempt: Int, base: Duration, cap: Duration, random: Double = Double.random(in: 0..<1)) -> Int64 {
        let exp = Double(base.milliseconds) * pow(2, Double(max(0, attempt - 1)))
        let capped = min(exp, Double(cap.milliseconds))
        return Int64(capped * (0.5 + random))
    }
}
