// The lock client's connections: idle ones are reused, broken ones dropped. Each one is named
// `keyward-lock:<clientId>` (CLIENT SETNAME) so the server's ADMIN LOCKS can tell whether a lock
// owner's client is still connected (docs/locks.md).

import Admin
import KeywardClient
import RESP

/// Where the lock server is: a fixed address, or the master a set of Sentinels names.
public enum LockServer: Sendable {
    case address(ServerAddress)
    /// Asks each Sentinel in turn (`SENTINEL GET-MASTER-ADDR-BY-NAME`); re-asked after a
    /// connection failure or a READONLY reply (the master failed over).
    case sentinel([ServerAddress], masterName: String)
}

final class ConnectionPool: @unchecked Sendable {
    let server: LockServer
    let clientId: String
    let timeout: Double
    private let idle = Locked<[Connection]>([])
    private let master = Locked<ServerAddress?>(nil)
    /// SHA1 of each script text as the server reported it (SCRIPT LOAD), for EVALSHA.
    private let shas = Locked<[String: String]>([:])

    init(server: LockServer, clientId: String, timeout: Double) {
        self.server = server
        self.clientId = clientId
        self.timeout = timeout
    }

    /// The server's address now (Sentinel mode: the cached master, resolved when unknown).
    func address() throws -> ServerAddress {
        switch server {
        case .address(let a): return a
        case .sentinel(let sentinels, let name):
            if let m = master.get { return m }
            var last: Error = ClientError.connect("no sentinel answered for master '\(name)'")
            for s in sentinels {
                do {
                    let c = try Connection(s, timeout: timeout)
                    defer { c.close() }
                    let r = try c.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)
                    guard let hp = r.array, hp.count == 2, let h = hp[0].string, let p = hp[1].string.flatMap({ Int($0) }) else {
                        last = ClientError.connect("sentinel \(s) does not know master '\(name)': \(r)")
                        continue
                    }
                    let a = ServerAddress(host: h, port: p)
                    master.with { $0 = a }
                    return a
                } catch { last = error }
            }
            throw last
        }
    }

    /// Forgets the master and the pooled connections to it (failover, unreachable master).
    func invalidate() {
        guard case .sentinel = server else { return }
        master.with { $0 = nil }
        closeAll()
    }

    func open() throws -> Connection {
        if let c = idle.with({ $0.popLast() }) { return c }
        return try connect()
    }

    private func connect() throws -> Connection {
        let c: Connection
        do { c = try Connection(try address(), timeout: timeout) } catch {
            guard case .sentinel = server else { throw error }
            invalidate()
            c = try Connection(try address(), timeout: timeout)
        }
        _ = try c.command("CLIENT", "SETNAME", LockConventions.clientNamePrefix + clientId)
        return c
    }

    /// A fresh connection for a subscription (never pooled: it ends in subscribed mode).
    func openSubscriber() throws -> Connection {
        try connect()
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
            if case .server(let text) = e {
                if text.hasPrefix("READONLY") { c.close(); invalidate() } else { put(c) }
            } else {
                c.close()
                if case .sentinel = server { invalidate() }
            }
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
