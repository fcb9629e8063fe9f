#if canImport(Glibc)
import Glibc
#endif

// Errors the client raises. A server's `-ERR ...` reply is data, not an error, unless the caller
// asks for it to be thrown (`call`), so callers can show Redis's exact text.

public enum ClientError: Error, Equatable, CustomStringConvertible {
    case badAddress(String)
    case connect(String)
    case timeout
    case closed
    case protocolError(String)
    case server(String)

    public var description: String {
        switch self {
        case .badAddress(let s): return "bad address '\(s)' (expected host:port)"
        case .connect(let s): return "cannot connect: \(s)"
        case .timeout: return "timed out"
        case .closed: return "connection closed by server"
        case .protocolError(let s): return "protocol error: \(s)"
        case .server(let s): return s
        }
    }
}

/// `host:port`, `[v6]:port` or a bare port; the console and the lock tools take addresses this way.
public struct ServerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) { self.host = host; self.port = port }

    public init(parsing s: String, defaultHost: String = "127.0.0.1") throws {
        var text = Substring(s)
        if let p = Int(text), (1...65535).contains(p) { self.init(host: defaultHost, port: p); return }
        guard let colon = text.lastIndex(of: ":") else { throw ClientError.badAddress(s) }
        var host = text[..<colon]
        text = text[text.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, let port = Int(text), (1...65535).contains(port) else {
            throw ClientError.badAddress(s)
        }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension ServerAddress {
    /// A loopback port the kernel considers free right now (bind to 0 and read it back); another
    /// process may take it before it is used, so callers starting servers retry. `keyward up`
    /// and the Swift tests both pick ports this way.
    public static func freeLoopbackPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }
}
