// ADMIN HELLO / STATUS / EVENTS: one node's status document for the console and
// `keyward status --json` (docs/admin-protocol.md), and the event channel.
//
// STATUS is built from the engine's own INFO sections through the Admin module's INFO mapping
// (NodeStatus+Info.swift), the same mapping the console applies to a plain Redis node's INFO, so
// a figure means the same thing whichever way it was obtained.
//
// Events (role changes, a sentinel's own events through `publishSentinelEvent`; slot moves as
// Cluster calls `emitAdminEvent`) are published as JSON on `__keyward__:events` and kept in a
// small ring that STATUS and EVENTS return, for consoles that connect after the fact.

import Admin

extension AdminCommands {
    static let eventChannel = "__keyward__:events"
    static let protocolVersion = 1

    static func statusSpecs() -> [CommandSpec] {
        let f: CommandFlags = [.loading, .stale, .noscript]
        return [
            CommandSpec("hello", arity: 2, flags: f, group: "server", summary: "Admin protocol version, node id and mode",
                        since: "keyward", handler: hello),
            CommandSpec("status", arity: 2, flags: f, group: "server", summary: "This node's status document (JSON)",
                        since: "keyward", handler: status),
            CommandSpec("events", arity: -2, flags: f, group: "server", summary: "The newest admin events (JSON array)",
                        since: "keyward", handler: events),
        ]
    }

    static let statusHelp: [String] = [
        "HELLO",
        "    Admin protocol version, schema version, node id, mode and role (JSON).",
        "STATUS",
        "    This node's NodeStatus document (JSON, docs/admin-status.schema.json).",
        "EVENTS [<count>]",
        "    The newest admin events, oldest first (JSON array). Live events are published on",
        "    the channel __keyward__:events.",
    ]

    struct Hello: Encodable {
        var protocolVersion: Int
        var schema: Int
        var nodeId: String
        var mode: String
        var role: String
        var redisVersion: String
        var keywardVersion: String
        var eventChannel: String
        var commands: [String]
    }

    static func hello(_ c: Call) {
        let e = c.engine
        reply(c, Hello(protocolVersion: protocolVersion, schema: AdminSchema.version, nodeId: e.serverInfo.runId,
                       mode: e.mode, role: e.replication.isReplica ? "replica" : "master",
                       redisVersion: ServerIdentity.redisVersion, keywardVersion: ServerIdentity.keywardVersion,
                       eventChannel: eventChannel, commands: ["HELLO", "STATUS", "EVENTS"]))
    }

    static func status(_ c: Call) { reply(c, nodeStatus(c.engine)) }

    static func events(_ c: Call) {
        var n = c.engine.adminEvents.capacity
        if c.argv.count > 2 {
            guard c.argv.count == 3, let v = c.argv.int(2), v >= 0 else { c.error(WireError.syntax); return }
            n = Int(v)
        }
        reply(c, Array(c.engine.adminEvents.events.suffix(n)))
    }

    /// The engine's NodeStatus document.
    static func nodeStatus(_ e: Engine) -> NodeStatus {
        var fields: [String: String] = [:]
        for section in ["server", "clients", "memory", "persistence", "stats", "replication", "keyspace"] {
            var f = ServerCommands.Info.fields(e, section)
            for h in e.serverState.infoHooks[section] ?? [] { h(e, &f) }
            for (k, v) in f.items { fields[k] = v }
        }
        var s = NodeStatus(address: e.adminAddress, info: InfoText(fields: fields), source: "admin")
        s.events = e.adminEvents.events
        return s
    }
}

extension Engine {
    /// host:port this node is reached at (first bind address; wildcard binds say loopback).
    var adminAddress: String {
        let first = config.string("bind").split(separator: " ").first.map(String.init) ?? "127.0.0.1"
        let host = first == "*" || first == "0.0.0.0" || first.hasPrefix("-") ? "127.0.0.1" : first
        return "\(host):\(serverInfo.tcpPort)"
    }

    /// Records an admin event and publishes it on the event channel.
    public func emitAdminEvent(kind: String, _ message: String) {
        let ev = AdminEvent(time: now, kind: kind, node: adminAddress, message: message)
        adminEvents.append(ev)
        guard let text = try? AdminJSON.encode(ev) else { return }
        var channel = Array(AdminCommands.eventChannel.utf8)
        var payload = Array(text.utf8)
        channel.withUnsafeMutableBytes { ch in
            payload.withUnsafeMutableBytes { msg in _ = publish(channel: UnsafeRawBufferPointer(ch), message: UnsafeRawBufferPointer(msg)) }
        }
    }

    /// A sentinel event (`+sdown`, `+odown`, `+new-epoch`, `+vote-for-leader`, `+elected-leader`,
    /// `+switch-master` ...): published as Redis does, on the channel named after its type with
    /// the text as message, and also as an admin event of kind "sentinel" ("<type> <text>") so
    /// ADMIN EVENTS / STATUS and `__keyward__:events` carry the failover's steps.
    public func publishSentinelEvent(_ type: String, _ text: String) {
        var ch = Array(type.utf8), msg = Array(text.utf8)
        ch.withUnsafeMutableBytes { c in
            msg.withUnsafeMutableBytes { m in _ = publish(channel: UnsafeRawBufferPointer(c), message: UnsafeRawBufferPointer(m)) }
        }
        emitAdminEvent(kind: "sentinel", "\(type) \(text)")
    }

    /// Called where the role is switched (setReplicaMode): emits a "role" event on a change.
    func adminRoleMayHaveChanged() {
        let now = replication.isReplica ? "replica" : "master"
        let before = adminEvents.lastRole
        adminEvents.lastRole = now
        guard before != nil || now == "replica", before != now else { return }
        let detail = replication.masterHost.map { " of \($0):\(replication.masterPort)" } ?? ""
        emitAdminEvent(kind: "role", "role \(before ?? "master") -> \(now)\(detail)")
    }
}
