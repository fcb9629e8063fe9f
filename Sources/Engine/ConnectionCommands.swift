// Connection family: PING ECHO SELECT HELLO AUTH QUIT RESET.

import RESP

public enum ServerIdentity {
    /// What tools see as the Redis version we are compatible with (they gate features on it).
    public static let redisVersion = "7.0.15"
    public static let keywardVersion = "0.1.0"
}

enum ConnectionCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("ping", arity: -1, flags: [.fast, .sentinel], categories: ["connection"], group: "connection",
                        summary: "Ping the server", handler: ping),
            CommandSpec("echo", arity: 2, flags: [.fast], categories: ["connection"], group: "connection",
                        summary: "Echo the given string", handler: echo),
            CommandSpec("select", arity: 2, flags: [.loading, .stale, .fast], categories: ["connection"], group: "connection",
                        summary: "Change the selected database for the current connection", since: "2.0.0", handler: select),
            CommandSpec("hello", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .sentinel, .allowBusy],
                        categories: ["connection"], group: "connection",
                        summary: "Handshake with Redis", complexity: "O(1)", since: "6.0.0", handler: hello),
            CommandSpec("auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noAuth, .sentinel, .allowBusy],
                        categories: ["connection"], group: "connection",
                        summary: "Authenticate to the server", complexity: "O(N) where N is the number of passwords defined for the user",
                        handler: auth),
            CommandSpec("quit", arity: -1, flags: [.allowBusy, .noscript, .loading, .stale, .fast, .noAuth],
                        categories: ["connection"], group: "connection",
                        summary: "Close the connection", handler: quit),
            CommandSpec("reset", arity: 1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .sentinel, .allowBusy],
                        categories: ["connection"], group: "connection",
                        summary: "Reset the connection", since: "6.2.0", handler: reset),
        ]
    }

    static func ping(_ c: Call) {
        if c.argv.count > 2 { c.error(WireError.wrongArity("ping")); return }
        if c.client.pubsub != nil && c.proto == .v2 {
            // RESP2 subscribers can only read push-shaped replies (pubsub.c pingCommand).
            c.array(2)
            c.bulk("pong")
            if c.argv.count == 2 { c.bulk(c.argv[1]) } else { c.bulk("") }
            return
        }
        if c.argv.count == 2 { c.bulk(c.argv[1]) } else { c.simple("PONG") }
    }

    static func echo(_ c: Call) { c.bulk(c.argv[1]) }

    static func select(_ c: Call) {
        guard let n = c.argv.int(1), n >= Int64(Int32.min), n <= Int64(Int32.max) else {
            c.error("ERR value is not an integer or out of range"); return
        }
        guard n >= 0 && n < c.engine.dbs.count else { c.error(WireError.dbIndex); return }
        c.client.db = Int(n)
        c.ok()
    }

    static func checkPassword(_ e: Engine, user: String, pass: String) -> Bool {
        guard user == "default" else { return false }
        guard let required = e.requirePass else { return true }
        return pass == required
    }

    static func auth(_ c: Call) {
        if c.argv.count > 3 { c.syntaxError(); return }
        let user = c.argv.count == 3 ? c.argv.string(1) : "default"
        let pass = c.argv.string(c.argv.count - 1)
        if c.argv.count == 2 && c.engine.requirePass == nil {
            c.error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
            return
        }
        if checkPassword(c.engine, user: user, pass: pass) {
            c.client.authenticated = true
            c.client.user = user
            c.ok()
        } else {
            c.error(WireError.wrongPass)
        }
    }

    static func hello(_ c: Call) {
        let a = c.argv
        var ver = c.client.proto
        var i = 1
        if a.count >= 2 {
            guard let v = a.int(1) else {
                c.error("ERR Protocol version is not an integer or out of range"); return
            }
            guard v == 2 || v == 3 else { c.error("NOPROTO unsupported protocol version"); return }
            ver = v == 3 ? .v3 : .v2
            i = 2
        }
        var authPair: (String, String)? = nil
        var setName: Bytes? = nil
        while i < a.count {
            let more = a.count - i - 1
            if a.isEqual(i, "auth") && more >= 2 {
                authPair = (a.string(i + 1), a.string(i + 2)); i += 3
            } else if a.isEqual(i, "setname") && more >= 1 {
                setName = a.bytes(i + 1); i += 2
            } else {
                c.error("ERR Syntax error in HELLO option '\(a.string(i))'"); return
            }
        }
        if let (u, p) = authPair {
            guard checkPassword(c.engine, user: u, pass: p) else { c.error(WireError.wrongPass); return }
            c.client.authenticated = true
            c.client.user = u
        }
        if !c.client.authenticated {
            c.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
            return
        }
        if let n = setName {
            if let err = ClientNames.validate(n) { c.error(err); return }
            c.client.name = n.count == 0 ? nil : n
        }
        c.client.proto = ver
        // A sentinel has no replication role to report (hello's reply there has 6 fields).
        let sentinel = c.engine.sentinel != nil
        c.map(sentinel ? 6 : 7)
        c.bulk("server"); c.bulk("redis")
        c.bulk("version"); c.bulk(ServerIdentity.redisVersion)
        c.bulk("proto"); c.int(Int64(ver.rawValue))
        c.bulk("id"); c.int(c.client.id)
        c.bulk("mode"); c.bulk(c.engine.mode)
        if !sentinel { c.bulk("role"); c.bulk(c.engine.replication.isReplica ? "replica" : "master") }
        c.bulk("modules"); c.array(0)
    }

    static func quit(_ c: Call) {
        c.ok()
        c.client.closeAfterReply = true
    }

    static func reset(_ c: Call) {
        let cl = c.client
        c.engine.pubsubClientGone(cl)
        cl.db = 0
        cl.proto = .v2
        cl.name = nil
        cl.replyMode = .on
        cl.noEvict = false
        cl.noTouch = false
        if cl.isMonitor {
            cl.isMonitor = false
            c.engine.monitors.removeAll { $0 === cl }
        }
        if c.engine.requirePass != nil { cl.authenticated = false }
        for h in c.engine.clientResetHooks { h(cl) }
        c.simple("RESET")
    }
}

/// CLIENT SETNAME / HELLO SETNAME rules.
public enum ClientNames {
    /// nil when valid, else the error text.
    public static func validate(_ n: Bytes) -> String? {
        let bad = n.withBytes { $0.contains { $0 < 33 || $0 > 126 } }
        return bad ? "ERR Client names cannot contain spaces, newlines or special characters." : nil
    }
}

extension Engine {
    /// "standalone", "cluster" or "sentinel".
    public var mode: String { sentinel != nil ? "sentinel" : "standalone" }
    /// "master" or "replica".
    public var role: String { replication.isReplica ? "slave" : "master" }
}
