// Connection work is blocking socket I/O (KeywardClient.Connection). It never runs on the Swift
// concurrency pool's few threads: every call goes to `BlockingPool`, a cached pool of dedicated
// threads (a thread per concurrent blocking call, idle threads reused, retired after 30 s), and
// the awaiting task is resumed from there. A waiter parked on pub/sub holds one such thread.

import Foundation

final class BlockingPool: @unchecked Sendable {
    static let shared = BlockingPool()
    private let cond = NSCondition()
    private var jobs: [() -> Void] = []
    private var idle = 0
    private var running = 0

    /// Jobs running now (tests use it to see waiters parked).
    var busy: Int { cond.lock(); defer { cond.unlock() }; return running }

    func run(_ job: @escaping () -> Void) {
        cond.lock()
        jobs.append(job)
        if jobs.count > idle {
            let t = Thread { [unowned self] in self.work() }
            t.stackSize = 1 << 20
            t.start()
        } else {
            cond.signal()
        }
        cond.unlock()
    }

    private func work() {
        while true {
            cond.lock()
            while jobs.isEmpty {
                idle += 1
                let signalled = cond.wait(until: Date().addingTimeInterval(30))
                idle -= 1
                if !signalled && jobs.isEmpty { cond.unlock(); return }
            }
            let job = jobs.removeFirst()
            running += 1
            cond.unlock()
            job()
            cond.lock()
            running -= 1
            cond.unlock()
        }
    }
}

/// Runs `body` on a dedicated thread and awaits its result.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { cont in
        BlockingPool.shared.run { cont.resume(with: Result { try body() }) }
    }
}

/// A value shared between threads under a lock.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func with<R>(_ body: (inout T) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var get: T { with { $0 } }
}

func monotonicMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

extension Duration {
    var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
