// The background fsync of `appendfsync everysec` (Redis's bio AOF fsync job): the engine thread
// hands over an fd once a second and never waits for the disk. An fsync still running when the
// next one is due is reported as delayed (INFO aof_delayed_fsync) rather than queued twice.

#if canImport(Glibc)
import Glibc
#endif
import Engine

final class AofFsync: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var job: Int32 = -1
    private var busy = false
    private var started = false
    /// Last fsync failure (errno), read on the engine thread.
    private var lastErrno: Int32 = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    private func start() {
        started = startThread { self.run() }
    }

    /// True while a previous fsync hasn't finished.
    var inProgress: Bool {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return busy || job >= 0
    }

    /// Queues an fsync of `fd` (a dup the thread closes, so the engine may close its own).
    /// Returns false when one is still running.
    func submit(_ fd: Int32) -> Bool {
        if !started { start() }
        guard started else { _ = fdatasync(fd); return true }
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        if busy || job >= 0 { return false }
        let copy = dup(fd)
        if copy < 0 { return true }
        job = copy
        pthread_cond_signal(&cond)
        return true
    }

    /// Waits for the running fsync (before closing or rotating files).
    func drain() {
        pthread_mutex_lock(&mutex)
        while busy || job >= 0 { pthread_mutex_unlock(&mutex); usleep(1000); pthread_mutex_lock(&mutex) }
        pthread_mutex_unlock(&mutex)
    }

    func takeError() -> Int32 {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        let e = lastErrno
        lastErrno = 0
        return e
    }

    private func run() {
        while true {
            pthread_mutex_lock(&mutex)
            while job < 0 { pthread_cond_wait(&cond, &mutex) }
            let fd = job
            job = -1
            busy = true
            pthread_mutex_unlock(&mutex)
            let rc = fdatasync(fd)
            let err = rc == 0 ? 0 : errno
            close(fd)
            pthread_mutex_lock(&mutex)
            busy = false
            if err != 0 { lastErrno = err }
            pthread_mutex_unlock(&mutex)
        }
    }
}
