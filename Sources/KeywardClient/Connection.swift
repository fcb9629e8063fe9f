#if canImport(Glibc)
import Glibc
#endif
import RESP

/// One blocking RESP connection with deadlines: the console polls nodes with it from worker
/// threads (a hung node costs a timeout, never the UI), and the lock library and tools build
/// on it. Not thread-safe: one owner at a time.
public final class Connection {
    public let address: ServerAddress
    /// Upper bound for each read or write; connect uses it too.
    public var timeout: Double
    private var fd: Int32
    private var inbox: [UInt8] = []
    private var start = 0
    /// One read buffer for the connection's life, not 64 KB allocated per read.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    public init(_ address: ServerAddress, timeout: Double = 2.0) throws {
        self.address = address
        self.timeout = timeout
        self.fd = try Connection.open(address, timeout: timeout)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public var isOpen: Bool { fd >= 0 }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    // MARK: commands

    /// Sends one command and returns its reply (error replies come back as `.error`).
    public func command(_ args: [String]) throws -> RESPValue {
        try command(args.map { Array($0.utf8) })
    }

    public func command(_ args: String...) throws -> RESPValue { try command(args) }

    public func command(_ args: [[UInt8]]) throws -> RESPValue {
        try send(args)
        return try readReply()
    }

    /// Like `command` but an error reply is thrown as `ClientError.server(text)`.
    @discardableResult
    public func call(_ args: String...) throws -> RESPValue {
        let r = try command(args)
        if case .error(let e) = r { throw ClientError.server(e) }
        return r
    }

    /// Sends all commands in one write, then reads one reply per command.
    public func pipeline(_ commands: [[String]]) throws -> [RESPValue] {
        var out: [UInt8] = []
        for c in commands { Connection.encode(c.map { Array($0.utf8) }, into: &out) }
        try write(out)
        return try commands.map { _ in try readReply() }
    }

    public func send(_ args: [[UInt8]]) throws {
        var out: [UInt8] = []
        Connection.encode(args, into: &out)
        try write(out)
    }

    /// Reads the next reply; with `wait` it waits at most that long and returns nil on timeout
    /// (pub/sub listeners use this to stay responsive), otherwise a timeout throws.
    public func readReply(wait: Double? = nil) throws -> RESPValue {
        guard let v = try nextReply(wait: wait ?? timeout) else { throw ClientError.timeout }
        return v
    }

    public func nextReply(wait: Double) throws -> RESPValue? {
        let deadline = monotonicSeconds() + wait
        while true {
            if start < inbox.count {
                let parsed: (RESPValue, Int)?
                do {
                    parsed = try inbox.withUnsafeBytes {
                        try parseRESPValue(UnsafeRawBufferPointer(rebasing: $0[start...]))
                    }
                } catch {
                    close()
                    throw ClientError.protocolError("\(error)")
                }
                if let (v, used) = parsed {
                    start += used
                    if start == inbox.count { inbox.removeAll(keepingCapacity: true); start = 0 }
                    return v
                }
            }
            let left = deadline - monotonicSeconds()
            if left <= 0 { return nil }
            guard try fill(waiting: left) else { return nil }
        }
    }

    // MARK: socket

    private func fill(waiting seconds: Double) throws -> Bool {
        guard fd >= 0 else { throw ClientError.closed }
        guard try Connection.waitFor(fd, events: Int16(POLLIN), seconds: seconds) else { return false }
        if start > 0 && start > inbox.count / 2 { inbox.removeFirst(start); start = 0 }
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { close(); throw ClientError.closed }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return true }
            let msg = String(cString: strerror(errno))
            close()
            throw ClientError.connect(msg)
        }
        inbox.append(contentsOf: chunk[0..<n])
        return true
    }

    private func write(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw ClientError.closed }
        var off = 0
        let deadline = monotonicSeconds() + timeout
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n > 0 { off += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) {
                let left = deadline - monotonicSeconds()
                guard left > 0, try Connection.waitFor(fd, events: Int16(POLLOUT), seconds: left) else {
                    throw ClientError.timeout
                }
                continue
            }
            close()
            throw ClientError.closed
        }
    }

    static func encode(_ args: [[UInt8]], into out: inout [UInt8]) {
        out.append(contentsOf: "*\(args.count)\r\n".utf8)
        for a in args {
            out.append(contentsOf: "$\(a.count)\r\n".utf8)
            out.append(contentsOf: a)
            out.append(contentsOf: "\r\n".utf8)
        }
    }

    private static func waitFor(_ fd: Int32, events: Int16, seconds: Double) throws -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        let ms = Int32(max(0, min(seconds * 1000, 86_400_000)).rounded(.up))
        while true {
            let rc = poll(&p, 1, ms)
            if rc > 0 { return true }
            if rc == 0 { return false }
            if errno != EINTR { throw ClientError.connect(String(cString: strerror(errno))) }
        }
    }

    private static func open(_ a: ServerAddress, timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(a.host, String(a.port), &hints, &res)
        guard rc == 0, let first = res else {
            throw ClientError.connect("\(a): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let cur = ai {
            ai = cur.pointee.ai_next
            let fd = socket(cur.pointee.ai_family,
                            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            if Glibc.connect(fd, cur.pointee.ai_addr, cur.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                if (try? waitFor(fd, events: Int16(POLLOUT), seconds: timeout)) == true {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    if err == 0 {
                        var one: Int32 = 1
                        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        return fd
                    }
                    lastError = String(cString: strerror(err))
                } else {
                    lastError = "timed out after \(timeout) s"
                }
            } else {
                lastError = String(cString: strerror(errno))
            }
            Glibc.close(fd)
        }
        throw ClientError.connect("\(a): \(lastError)")
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
