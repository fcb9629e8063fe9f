// TCP listening sockets (one per bind address) and the accept path.

#if canImport(Glibc)
import Glibc
#endif
import CSystem

final class Listener: FileEventHandler {
    let fd: Int32
    let address: String
    // unowned(unsafe): the server outlives every connection; plain unowned costs a check per access.
    unowned(unsafe) let server: Server

    init(fd: Int32, address: String, server: Server) {
        self.fd = fd
        self.address = address
        self.server = server
    }

    /// Opens a non-blocking listening socket on `host:port`.
    static func open(host: String, port: Int, backlog: Int32) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var res: UnsafeMutablePointer<addrinfo>? = nil
        let h = (host == "*") ? "0.0.0.0" : (host == "::*" ? "::" : host)
        let rc = getaddrinfo(h, String(port), &hints, &res)
        guard rc == 0, let ai = res else {
            throw ListenError("\(host):\(port): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(res) }
        let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw ListenError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if ai.pointee.ai_family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if bind(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 {
            let e = errno
            close(fd)
            throw ListenError("Could not create server TCP listening socket \(host):\(port): bind: \(String(cString: strerror(e)))", errno: e)
        }
        if listen(fd, backlog) != 0 {
            let e = errno
            close(fd)
            throw ListenError("Could not create server TCP listening socket \(host):\(port): listen: \(String(cString: strerror(e)))", errno: e)
        }
        return fd
    }

    func readable() {
        // Up to 1000 accepts per event, as Redis's MAX_ACCEPTS_PER_CALL.
        for _ in 0..<1000 {
            var addr = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let cfd = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    kw_accept4(fd, $0, &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if cfd < 0 {
                if errno != EAGAIN && errno != EINTR && errno != ECONNABORTED {
                    server.log(.warning, "Accepting client connection: \(String(cString: strerror(errno)))")
                }
                return
            }
            server.accepted(cfd, peer: describe(&addr))
        }
    }

    func writable() {}
}

struct ListenError: Error, CustomStringConvertible {
    let description: String
    var errno: Int32 = 0
    init(_ d: String, errno: Int32 = 0) { description = d; self.errno = errno }
}

/// "ip:port" of a socket address (IPv6 without brackets, as Redis prints it).
func describe(_ addr: inout sockaddr_storage) -> (ip: String, port: Int) {
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getnameinfo($0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count),
                        &serv, socklen_t(serv.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
    }
    if rc != 0 { return ("?", 0) }
    return (String(cString: host), Int(String(cString: serv)) ?? 0)
}

/// The local address of a connected socket.
func localAddress(_ fd: Int32) -> (ip: String, port: Int) {
    var addr = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return describe(&addr)
}
