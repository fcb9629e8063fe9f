// Starting the few background threads (lazy free, AOF fsync, snapshot writer): pthreads with
// a Swift closure as the body, detached. One place for the retain/release dance across the C
// entry point.

#if canImport(Glibc)
import Glibc
#endif

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Runs `body` on a new detached thread; false when the thread could not be created.
public func startThread(_ body: @escaping () -> Void) -> Bool {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var t = pthread_t()
    let rc = pthread_create(&t, nil, { arg in
        // SIGTERM/SIGINT belong to the engine thread's signalfd (graceful shutdown). A thread
        // started before the server blocked them (the lazy-free one) would otherwise take the
        // signal with its default action and kill the process mid-write.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue().run()
        return nil
    }, box)
    if rc != 0 {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        return false
    }
    pthread_detach(t)
    return true
}

/// Lowers the calling thread's CPU priority (Linux per-thread nice). A background save's
/// writer thread runs at nice 10 so the engine thread and the clients on the same cores win the
/// CPU when they wake: the save takes longer on a busy machine, commands don't wait for it.
public func lowerThreadPriority(nice: Int32 = 10) {
    // who = 0 is the calling task: on Linux the nice value is per thread.
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
}
