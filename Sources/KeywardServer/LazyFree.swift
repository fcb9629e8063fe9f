// The lazy-free thread (Redis's bio lazy free): large keyspaces detached by FLUSHALL ASYNC are
// released here so the engine thread never spends seconds in deallocation. Only detached,
// engine-unreachable storage crosses over (DetachedKeyspace is Sendable for that reason).

#if canImport(Glibc)
import Glibc
#endif
import Engine

final class LazyFree: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var queue: [DetachedKeyspace] = []
    private var running = false
    /// Keys still waiting to be freed (INFO lazyfree_pending_objects).
    private(set) var pending = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    func start() {
        running = startThread { self.run() }
    }

    /// Called on the engine thread.
    func submit(_ d: DetachedKeyspace) {
        guard running else { d.release(); return }
        pthread_mutex_lock(&mutex)
        queue.append(d)
        pending += d.count
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    private func run() {
        while true {
            pthread_mutex_lock(&mutex)
            while queue.isEmpty { pthread_cond_wait(&cond, &mutex) }
            let d = queue.removeFirst()
            pthread_mutex_unlock(&mutex)
            let n = d.count
            d.release()
            pthread_mutex_lock(&mutex)
            pending -= n
            pthread_mutex_unlock(&mutex)
        }
    }
}
