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
