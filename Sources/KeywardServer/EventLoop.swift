// The poller seam: a minimal epoll reactor in the spirit of Redis's ae.c. One thread; file
// events call their handler, timers fire from the same loop, `beforeSleep` hooks run before each
// wait (that is where replies are flushed, one write per batch of commands).
// Why hand-written and not SwiftNIO: measured on this machine kind, a bare epoll loop needs half
// of Redis's user CPU per request while NIO's pipeline adds 2-2.5 µs per read (docs/architecture.md).

#if canImport(Glibc)
import Glibc
#endif
import CSystem

public protocol FileEventHandler: AnyObject {
    func readable()
    func writable()
}

public final class EventLoop {
    let epfd: Int32
    var handlers: [FileEventHandler?] = []
    var masks: [UInt32] = []
    var events: UnsafeMutablePointer<epoll_event>
    let nestedEvents: UnsafeMutablePointer<epoll_event>
    let maxEvents = 1024
    public private(set) var stopped = false

    struct Timer {
        var id: Int
        var due: Int64          // monotonic µs
        var interval: Int64     // µs, 0 = once
        var body: () -> Void
    }
    var timers: [Timer] = []
    var nextTimerID = 1
    public var beforeSleep: [() -> Void] = []
    /// Microseconds until something outside the timers needs the loop (blocked clients'
    /// deadlines, a paced BGSAVE walk); nil = nothing.
    public var wakeupHint: (() -> Int64?)? = nil
    /// How long the last iteration spent on its events (µs): what its clients waited anyway.
    public private(set) var lastDispatchMicros: Int64 = 0
    /// epoll_pwait2 (Linux 5.11) sleeps to the microsecond; false once it said ENOSYS.
    private var finerSleep = true

    public init() throws {
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        if epfd < 0 { throw SystemError("epoll_create1") }
        events = .allocate(capacity: maxEvents)
        nestedEvents = .allocate(capacity: maxEvents)
    }

    deinit {
        close(epfd)
        events.deallocate()
        nestedEvents.deallocate()
    }

    public enum Interest { case read, write }

    /// Registers `fd` for readability (and optionally writability).
    public func add(_ fd: Int32, _ h: FileEventHandler, write: Bool = false) throws {
        let i = Int(fd)
        if i >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: i - handlers.count + 64))
            masks.append(contentsOf: repeatElement(0, count: i - masks.count + 64))
        }
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue | (write ? EPOLLOUT.rawValue : 0)
        ev.data.fd = fd
        if epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0 { throw SystemError("epoll_ctl ADD") }
        handlers[i] = h
        masks[i] = ev.events
    }

    /// Turns write interest on or off (write back-pressure: on only while output is pending).
    public func setWritable(_ fd: Int32, _ on: Bool) {
        let i = Int(fd)
        guard i < masks.count, handlers[i] != nil else { return }
        let m = EPOLLIN.rawValue | (on ? EPOLLOUT.rawValue : 0)
        if masks[i] == m { return }
        var ev = epoll_event()
        ev.events = m
        ev.data.fd = fd
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev)
        masks[i] = m
    }

    /// Turns read interest off/on (CLIENT PAUSE, output back-pressure on a reader).
    public func setReadable(_ fd: Int32, _ on: Bool) {
        let i = Int(fd)
        guard i < masks.count, handlers[i] != nil else { return }
        var m = masks[i] & ~EPOLLIN.rawValue
        if on { m |= EPOLLIN.rawValue }
        if masks[i] == m { return }
        var ev = epoll_event()
        ev.events = m
        ev.data.fd = fd
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev)
        masks[i] = m
    }

    public func remove(_ fd: Int32) {
        let i = Int(fd)
        guard i < handlers.count, handlers[i] != nil else { return }
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
        handlers[i] = nil
        masks[i] = 0
    }

    /// Adds a timer firing after `ms` milliseconds, repeating every `ms` if `repeats`.
    @discardableResult
    public func addTimer(ms: Int, repeats: Bool, _ body: @escaping () -> Void) -> Int {
        let id = nextTimerID
        nextTimerID += 1
        let us = Int64(ms) * 1000
        timers.append(Timer(id: id, due: monotonicMicrosNow() + us, interval: repeats ? us : 0, body: body))
        return id
    }

    public func cancelTimer(_ id: Int) { timers.removeAll { $0.id == id } }

    public func stop() { stopped = true }

    /// True when a socket has something to do: the epoll fd itself polls readable then. Long
    /// work on the loop's thread (the snapshot walk) asks this to step aside for clients.
    public func hasReadyEvents() -> Bool {
        var p = pollfd(fd: epfd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    public func run() {
        while !stopped {
            for hook in beforeSleep { hook() }
            if stopped { break }
            var timeout: Int64 = 1_000_000
            if let next = timers.map(\.due).min() { timeout = min(timeout, max(0, next - monotonicMicrosNow())) }
            if let hint = wakeupHint?() { timeout = min(timeout, max(0, hint)) }
            let n = wait(micros: timeout)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            let woke = n > 0 ? monotonicMicrosNow() : 0
            dispatch(Int(n))
            lastDispatchMicros = n > 0 ? monotonicMicrosNow() - woke : 0
            runTimers()
        }
    }

    /// Waits for events up to `micros`. A paced BGSAVE walk rests for well under a millisecond
    /// (WalkPace), which epoll_wait's millisecond timeout can't express.
    private func wait(micros: Int64) -> Int32 {
        if finerSleep && micros > 0 && micros % 1000 != 0 {
            var ts = timespec(tv_sec: Int(micros / 1_000_000), tv_nsec: Int(micros % 1_000_000) * 1000)
            let n = epoll_pwait2(epfd, events, Int32(maxEvents), &ts, nil)
            if n >= 0 || errno != ENOSYS { return n }
            finerSleep = false
        }
        return epoll_wait(epfd, events, Int32(maxEvents), Int32(clamping: (micros + 999) / 1000))
    }

    /// Handles the socket events ready now, without timers or before-sleep hooks (Redis's
    /// processEventsWhileBlocked, used while a script is busy). Re-entrant: its buffer is
    /// separate from the one `run` is iterating.
    public func pollOnce() {
        let n = epoll_wait(epfd, nestedEvents, Int32(maxEvents), 0)
        if n <= 0 { return }
        dispatch(Int(n), nestedEvents)
    }

    private func dispatch(_ n: Int, _ list: UnsafeMutablePointer<epoll_event>? = nil) {
        let evs = list ?? events
        for k in 0..<n {
            let ev = evs[k]
            let fd = Int(ev.data.fd)
            let e = ev.events
            if e & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
                if fd < handlers.count, let h = handlers[fd] { h.readable() }
            }
            if e & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
                if fd < handlers.count, let h = handlers[fd] { h.writable() }
            }
        }
    }

    func runTimers() {
        guard !timers.isEmpty else { return }
        let now = monotonicMicrosNow()
        var i = 0
        while i < timers.count {
            if timers[i].due <= now {
                let t = timers[i]
                if t.interval > 0 {
                    timers[i].due = now + t.interval
                    i += 1
                } else {
                    timers.remove(at: i)
                }
                t.body()
            } else {
                i += 1
            }
        }
    }
}

@inline(__always) func monotonicMicrosNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// A failed system call, rendered with its errno text.
public struct SystemError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public init(_ call: String, code: Int32 = errno) { self.call = call; self.code = code }
    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}
