// CLIENT subcommands (networking.c clientCommand): identity, naming, listing, killing, reply
// modes, pausing and eviction flags. The engine only records intentions on ClientState /
// ServerState (closeASAP, replyMode, pause); the server acts on them.

import RESP

enum ClientCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("client", arity: -2, group: "connection",
                        summary: "A container for client connection commands", complexity: "Depends on subcommand.", since: "2.4.0", subcommands: [
                CommandSpec("getname", arity: 2, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Get the current connection name", complexity: "O(1)", since: "2.6.9", handler: getname),
                CommandSpec("kill", arity: -3, flags: [.admin, .noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Kill the connection of a client", complexity: "O(N) where N is the number of client connections", since: "2.4.0", handler: kill),
                CommandSpec("trackinginfo", arity: 2, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Return information about server assisted client side caching for the current connection", complexity: "O(1)", since: "6.2.0", handler: trackinginfo),
                CommandSpec("caching", arity: 3, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Instruct the server about tracking or not keys in the next request", complexity: "O(1)", since: "6.0.0", handler: caching),
                CommandSpec("list", arity: -2, flags: [.admin, .noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Get the list of client connections", complexity: "O(N) where N is the number of client connections", since: "2.4.0", handler: list),
                CommandSpec("setname", arity: 3, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Set the current connection name", complexity: "O(1)", since: "2.6.9", handler: setname),
                CommandSpec("unpause", arity: 2, flags: [.admin, .noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Resume processing of clients that were paused", complexity: "O(N) Where N is the number of paused clients", since: "6.2.0", handler: unpause),
                CommandSpec("unblock", arity: -3, flags: [.admin, .noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Unblock a client blocked in a blocking command from a different connection", complexity: "O(log N) where N is the number of client connections", since: "5.0.0", handler: unblock),
                CommandSpec("getredir", arity: 2, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Get tracking notifications redirection client ID if any", complexity: "O(1)", since: "6.0.0", handler: getredir),
                CommandSpec("pause", arity: -3, flags: [.admin, .noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Stop processing commands from clients for some time", complexity: "O(1)", since: "2.9.50", handler: pause),
                CommandSpec("no-evict", arity: 3, flags: [.admin, .noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Set client eviction mode for the current connection", complexity: "O(1)", since: "7.0.0", handler: noEvict),
                CommandSpec("id", arity: 2, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Returns the client ID for the current connection", complexity: "O(1)", since: "5.0.0", handler: id),
                CommandSpec("info", arity: 2, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Returns information about the current client connection.", complexity: "O(1)", since: "6.2.0", handler: info),
                CommandSpec("reply", arity: 3, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Instruct the server whether to reply to commands", complexity: "O(1)", since: "3.2.0", handler: reply),
                CommandSpec("setinfo", arity: 4, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Set client or connection specific info", complexity: "O(1)", since: "7.2.0", handler: setinfo),
                CommandSpec("no-touch", arity: 3, flags: [.noscript, .loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.", complexity: "O(1)", since: "7.2.0", handler: noTouch),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], categories: ["connection"], group: "connection",
                            summary: "Show helpful text about the different subcommands", complexity: "O(1)", since: "5.0.0", handler: help),
            ]) { _ in },
        ]
    }

    static func id(_ c: Call) { c.int(c.client.id) }

    static func getname(_ c: Call) {
        if let n = c.client.name { c.bulk(n) } else { c.null() }
    }

    static func setname(_ c: Call) {
        let n = c.argv.bytes(2)
        if let err = ClientNames.validate(n) { c.error(err); return }
        c.client.name = n.count == 0 ? nil : n
        c.ok()
    }

    /// CLIENT SETINFO (Redis 7.2, sent by current client libraries).
    static func setinfo(_ c: Call) {
        let attr = c.argv.string(2)
        let val = c.argv.bytes(3)
        let bad = val.withBytes { $0.contains { $0 < 33 || $0 > 126 } }
        switch attr.lowercased() {
        case "lib-name", "lib-ver":
            if bad { c.error("ERR \(attr) cannot contain spaces, newlines or special characters."); return }
            if attr.lowercased() == "lib-name" { c.client.libName = val.string } else { c.client.libVersion = val.string }
            c.ok()
        default:
            c.error("ERR Unrecognized option '\(attr)'")
        }
    }

    static func info(_ c: Call) {
        c.verbatim(ClientList.line(c.engine, c.client) + "\n")
    }

    static func list(_ c: Call) {
        let a = c.argv
        var clients = c.engine.clients.values.sorted { $0.id < $1.id }
        if a.count == 4 && a.isEqual(2, "type") {
            guard let t = ClientList.ClientType(name: a.string(3)) else {
                c.error("ERR Unknown client type '\(a.string(3))'"); return
            }
            clients = clients.filter { ClientList.type(c.engine, $0) == t }
        } else if a.count >= 4 && a.isEqual(2, "id") {
            var ids = Set<Int64>()
            for j in 3..<a.count {
                guard let v = a.int(j), v > 0 else { c.error("ERR Invalid client ID"); return }
                ids.insert(v)
            }
            clients = clients.filter { ids.contains($0.id) }
        } else if a.count != 2 {
            c.syntaxError(); return
        }
        c.verbatim(clients.map { ClientList.line(c.engine, $0) + "\n" }.joined())
    }

    static func kill(_ c: Call) {
        let a = c.argv
        let e = c.engine
        if a.count == 3 {
            let addr = a.string(2)
            guard let target = e.clients.values.first(where: { $0.addr == addr && !$0.closeASAP }) else {
                c.error("ERR No such client"); return
            }
            close(target, by: c.client)
            c.ok()
            return
        }
        var id: Int64? = nil, type: ClientList.ClientType? = nil
        var addr: String? = nil, laddr: String? = nil, user: String? = nil
        var skipMe = true
        var i = 2
        while i < a.count {
            guard i + 1 < a.count else { c.syntaxError(); return }
            let v = a.string(i + 1)
            if a.isEqual(i, "id") {
                guard let n = a.int(i + 1), n >= 1 else { c.error("ERR client-id should be greater than 0"); return }
                id = n
            } else if a.isEqual(i, "type") {
                guard let t = ClientList.ClientType(name: v) else { c.error("ERR Unknown client type '\(v)'"); return }
                type = t
            } else if a.isEqual(i, "addr") {
                addr = v
            } else if a.isEqual(i, "laddr") {
                laddr = v
            } else if a.isEqual(i, "user") {
                guard v == "default" else { c.error("ERR No such user '\(v)'"); return }
                user = v
            } else if a.isEqual(i, "skipme") {
                switch v.lowercased() {
                case "yes": skipMe = true
                case "no": skipMe = false
                default: c.syntaxError(); return
                }
            } else {
                c.syntaxError(); return
            }
            i += 2
        }
        var killed = 0
        for t in e.clients.values.sorted(by: { $0.id < $1.id }) where !t.closeASAP {
            if let x = id, t.id != x { continue }
            if let x = type, ClientList.type(e, t) != x { continue }
            if let x = addr, t.addr != x { continue }
            if let x = laddr, t.laddr != x { continue }
            if let x = user, t.user != x { continue }
            if skipMe && t === c.client { continue }
            close(t, by: c.client)
            killed += 1
        }
        c.int(killed)
    }

    /// The caller itself goes after its reply; anyone else at once.
    static func close(_ target: ClientState, by caller: ClientState) {
        if target === caller { target.closeAfterReply = true } else { target.closeASAP = true }
    }

    static func reply(_ c: Call) {
        let a = c.argv
        if a.isEqual(2, "on") {
            c.client.replyMode = .on
            c.ok()
        } else if a.isEqual(2, "off") {
            c.client.replyMode = .off
        } else if a.isEqual(2, "skip") {
            if c.client.replyMode != .off { c.client.replyMode = .skipNext }
        } else {
            c.syntaxError()
        }
    }

    static func pause(_ c: Call) {
        let a = c.argv
        if a.count > 4 {
            c.error("ERR unknown subcommand or wrong number of arguments for '\(WireError.truncated(cString(c.argv.string(1)), 128))'. Try CLIENT HELP."); return
        }
        guard let ms = a.int(2) else { c.error(WireError.timeout); return }
        if ms < 0 { c.error("ERR timeout is negative"); return }
        var kind = ClientPause.Kind.all
        if a.count == 4 {
            if a.isEqual(3, "write") { kind = .write } else if a.isEqual(3, "all") { kind = .all } else {
                c.error("ERR CLIENT PAUSE mode must be WRITE or ALL"); return
            }
        }
        let (sum, overflow) = c.now.addingReportingOverflow(ms)
        let deadline = overflow ? Int64.max : sum
        let st = c.engine.serverState
        // A new pause never shortens or weakens the one in force (the most restrictive wins).
        if let old = st.pause, old.deadline > c.now {
            st.pause = ClientPause(deadline: max(old.deadline, deadline), kind: max(old.kind, kind))
        } else {
            st.pause = ClientPause(deadline: deadline, kind: kind)
        }
        c.ok()
    }

    static func unpause(_ c: Call) {
        c.engine.serverState.pause = nil
        c.ok()
    }

    static func onOff(_ c: Call, _ set: (Bool) -> Void) {
        if c.argv.isEqual(2, "on") { set(true); c.ok() } else if c.argv.isEqual(2, "off") { set(false); c.ok() } else { c.syntaxError() }
    }
    static func noEvict(_ c: Call) { onOff(c) { c.client.noEvict = $0 } }
    static func noTouch(_ c: Call) { onOff(c) { c.client.noTouch = $0 } }

    static func unblock(_ c: Call) {
        let a = c.argv
        guard let target = a.int(2) else { c.notInteger(); return }
        var asError = false
        if a.count == 4 {
            if a.isEqual(3, "timeout") { asError = false } else if a.isEqual(3, "error") { asError = true } else {
                c.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"); return
            }
        } else if a.count > 4 {
            c.error("ERR unknown subcommand or wrong number of arguments for '\(WireError.truncated(cString(c.argv.string(1)), 128))'. Try CLIENT HELP."); return
        }
        guard let t = c.engine.clients[target], let hook = c.engine.serverState.unblockClient else { c.int(0); return }
        c.int(hook(t, asError) ? 1 : 0)
    }

    // Tracking (client-side caching) is not implemented: nothing is ever tracked.
    static func caching(_ c: Call) {
        c.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
    }
    static func getredir(_ c: Call) { c.int(-1) }
    static func trackinginfo(_ c: Call) {
        c.map(3)
        c.bulk("flags"); c.set(1); c.bulk("off")
        c.bulk("redirect"); c.int(-1)
        c.bulk("prefixes"); c.array(0)
    }

    static func help(_ c: Call) {
        ConfigCommands.helpReply(c, "CLIENT", [
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
            "NO-TOUCH (ON|OFF)",
            "    Will not touch LRU/LFU stats when this mode is on.",
        ])
    }
}
