// The lock client's connections: idle ones are reused, broken ones dropped. Each one is named
// `keyward-lock:<clientId>` (CLIENT SETNAME) so the server's ADMIN LOCKS can tell whether a lock
// owner's client is still connected (docs/locks.md).

import Admin
import KeywardClient
import RESP

final class ConnectionPool: @unchecked Sendable {
    let address: ServerAddress
    let clientId: String
    let timeout: Double
    private let idle = Locked<[Connection]>([])
    /// SHA1 of each script text as the server reported it (SCRIPT LOAD), for EVALSHA.
    private let shas = Locked<[String: String]>([:])

    init(address: ServerAddress, clientId: String, timeout: Double) {
        self.address = address
        self.clientId = clientId
        self.timeout = timeout
    }

    func open() throws -> Connection {
        if let c = idle.with({ $0.popLast() }) { return c }
        let c = try Connection(address, timeout: timeout)
        _ = try c.command("CLIENT", "SETNAME", LockConventions.clientNamePrefix + clientId)
        return c
    }

    /// A fresh connection for a subscription (never pooled: it ends in subscribed mode).
    func openSubscriber() throws -> Connection {
        let c = try Connection(address, timeout: timeout)
        _ = try c.command("CLIENT", "SETNAME", LockConventions.clientNamePrefix + clientId)
        return c
    }

    func put(_ c: Connection) {
        guard c.isOpen else { return }
        idle.with { if $0.count < 64 { $0.append(c) } }
    }

    /// Runs `body` on a pooled connection; a connection that failed is closed, not reused.
    func with<T>(_ body: (Connection) throws -> T) throws -> T {
        let c = try open()
        do {
            let r = try body(c)
            put(c)
            return r
        } catch let e as ClientError {
            if case .server = e { put(c) } else { c.close() }
            throw e
        } catch {
            c.close()
            throw error
        }
    }

    func closeAll() { idle.with { for c in $0 { c.close() }; $0.removeAll() } }

    /// EVALSHA, falling back to EVAL on NOSCRIPT (Redisson's way; the server then caches it).
    func eval(_ c: Connection, _ script: String, keys: [String], args: [String]) throws -> RESPValue {
        let tail = [String(keys.count)] + keys + args
        if let sha = shas.with({ $0[script] }) {
            let r = try c.command(["EVALSHA", sha] + tail)
            if case .error(let e) = r, e.hasPrefix("NOSCRIPT") {
                return try check(c.command(["EVAL", script] + tail))
            }
            return try check(r)
        }
        let r = try check(c.command(["EVAL", script] + tail))
        if let sha = try? c.command("SCRIPT", "LOAD", script).string { shas.with { $0[script] = sha } }
        return r
    }

    private func check(_ r: RESPValue) throws -> RESPValue {
        if case .error(let e) = r { throw ClientError.server(e) }
        return r
    }
}
