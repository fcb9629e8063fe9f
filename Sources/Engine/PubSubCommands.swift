// Pub/sub family (pubsub.c): SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB and the
// sharded SSUBSCRIBE SUNSUBSCRIBE SPUBLISH. The registry and delivery live in PubSub.swift.
// Without cluster mode shard channels behave as a separate channel namespace with no patterns.

import RESP

enum PubSubCommands {
    static func specs() -> [CommandSpec] {
        let sub: CommandFlags = [.pubsub, .noscript, .loading, .stale]
        let pub: CommandFlags = [.pubsub, .loading, .stale, .fast]
        let info: CommandFlags = [.pubsub, .loading, .stale]
        return [
            CommandSpec("subscribe", arity: -2, flags: sub, group: "pubsub",
                        summary: "Listen for messages published to the given channels",
                        complexity: "O(N) where N is the number of channels to subscribe to.", since: "2.0.0", handler: subscribe),
            CommandSpec("psubscribe", arity: -2, flags: sub, group: "pubsub",
                        summary: "Listen for messages published to channels matching the given patterns",
                        complexity: "O(N) where N is the number of patterns the client is already subscribed to.", since: "2.0.0",
                        handler: psubscribe),
            CommandSpec("unsubscribe", arity: -1, flags: sub, group: "pubsub",
                        summary: "Stop listening for messages posted to the given channels",
                        complexity: "O(N) where N is the number of clients already subscribed to a channel.", since: "2.0.0",
                        handler: unsubscribe),
            CommandSpec("punsubscribe", arity: -1, flags: sub, group: "pubsub",
                        summary: "Stop listening for messages posted to channels matching the given patterns",
                        complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
                        since: "2.0.0", handler: punsubscribe),
            CommandSpec("publish", arity: 3, flags: pub, group: "pubsub", summary: "Post a message to a channel",
                        complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
                        since: "2.0.0", handler: publish),
            CommandSpec("pubsub", arity: -2, group: "pubsub", summary: "A container for Pub/Sub commands",
                        complexity: "Depends on subcommand.", since: "2.8.0", subcommands: [
                CommandSpec("numpat", arity: 2, flags: info, group: "pubsub",
                            summary: "Get the count of unique patterns pattern subscriptions", complexity: "O(1)",
                            since: "2.8.0", handler: numpat),
                CommandSpec("channels", arity: -2, flags: info, group: "pubsub", summary: "List active channels",
                            complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
                            since: "2.8.0", handler: { channels($0, sharded: false) }),
                CommandSpec("numsub", arity: -2, flags: info, group: "pubsub",
                            summary: "Get the count of subscribers for channels",
                            complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                            since: "2.8.0", handler: { numsub($0, sharded: false) }),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], group: "pubsub",
                            summary: "Show helpful text about the different subcommands", complexity: "O(1)",
                            since: "6.2.0", handler: help),
                CommandSpec("shardnumsub", arity: -2, flags: info, group: "pubsub",
                            summary: "Get the count of subscribers for shard channels",
                            complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
                            since: "7.0.0", handler: { numsub($0, sharded: true) }),
                CommandSpec("shardchannels", arity: -2, flags: info, group: "pubsub", summary: "List active shard channels",
                            complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
                            since: "7.0.0", handler: { channels($0, sharded: true) }),
            ], handler: { _ in }),
            CommandSpec("ssubscribe", arity: -2, flags: sub, keys: (1, -1, 1), group: "pubsub",
                        summary: "Listen for messages published to the given shard channels",
                        complexity: "O(N) where N is the number of shard channels to subscribe to.", since: "7.0.0",
                        handler: ssubscribe),
            CommandSpec("sunsubscribe", arity: -1, flags: sub, keys: (1, -1, 1), group: "pubsub",
                        summary: "Stop listening for messages posted to the given shard channels",
                        complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
                        since: "7.0.0", handler: sunsubscribe),
            CommandSpec("spublish", arity: 3, flags: pub, keys: (1, 1, 1), group: "pubsub",
                        summary: "Post a message to a shard channel",
                        complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
                        since: "7.0.0", handler: spublish),
        ]
    }

    // MARK: subscriptions

    static func subscribe(_ c: Call) {
        for i in 1..<c.argv.count { c.engine.subscribe(c.client, c.argv.bytes(i), .channel) }
    }

    static func psubscribe(_ c: Call) {
        for i in 1..<c.argv.count { c.engine.subscribe(c.client, c.argv.bytes(i), .pattern) }
    }

    static func ssubscribe(_ c: Call) {
        // A client that must get one reply per command (MULTI, scripts) cannot enter pub/sub
        // mode this way; 7.0 makes the MULTI exception for SUBSCRIBE/PSUBSCRIBE only.
        if c.client.denyBlocking { c.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"); return }
        for i in 1..<c.argv.count { c.engine.subscribe(c.client, c.argv.bytes(i), .shard) }
    }

    static func unsubscribe(_ c: Call) { unsubscribeCommand(c, .channel) }
    static func punsubscribe(_ c: Call) { unsubscribeCommand(c, .pattern) }
    static func sunsubscribe(_ c: Call) { unsubscribeCommand(c, .shard) }

    static func unsubscribeCommand(_ c: Call, _ kind: SubscriptionKind) {
        if c.argv.count == 1 {
            c.engine.unsubscribeAll(c.client, kind, notify: true)
        } else {
            for i in 1..<c.argv.count { c.engine.unsubscribe(c.client, c.argv.bytes(i), kind, notify: true) }
        }
        c.engine.dropPubSubIfIdle(c.client)
    }

    // MARK: publishing

    // Messages reach replicas (their subscribers see them too) but not the AOF.
    static func publish(_ c: Call) {
        c.int(c.engine.publish(channel: c.argv[1], message: c.argv[2]))
        c.forcePropagation(.repl)
    }

    static func spublish(_ c: Call) {
        c.int(c.engine.publish(channel: c.argv[1], message: c.argv[2], sharded: true))
        c.forcePropagation(.repl)
    }

    // MARK: PUBSUB introspection

    static func channels(_ c: Call, sharded: Bool) {
        guard c.argv.count <= 3 else { subcommandSyntaxError(c); return }
        let table = sharded ? c.engine.pubsub.shardChannels : c.engine.pubsub.channels
        let pattern: Bytes? = c.argv.count == 3 ? c.argv.bytes(2) : nil
        var names: [Bytes] = []
        table.forEach { name, _ in
            if let p = pattern, !globMatch(pattern: p, name) { return }
            names.append(name)
        }
        c.array(names.count)
        for n in names { c.bulk(n) }
    }

    static func numsub(_ c: Call, sharded: Bool) {
        c.array((c.argv.count - 2) * 2)
        for i in 2..<c.argv.count {
            c.bulk(c.argv[i])
            c.int(c.engine.pubsub.subscriberCount(c.argv[i], sharded: sharded))
        }
    }

    static func numpat(_ c: Call) { c.int(c.engine.pubsub.patterns.count) }

    static func help(_ c: Call) {
        ConfigCommands.helpReply(c, "PUBSUB", [
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ])
    }

    static func subcommandSyntaxError(_ c: Call) {
        c.error("ERR unknown subcommand or wrong number of arguments for '\(WireError.truncated(cString(c.argv.string(1)), 128))'. Try PUBSUB HELP.")
    }
}

extension Engine {
    /// Commands a RESP2 client may run while subscribed (server.c processCommand).
    static let allowedWhileSubscribed: Set<String> = [
        "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset",
    ]

    /// The subscribed-mode restriction for RESP2 clients: true when `cmd` was rejected.
    @inline(never)
    func rejectedInSubscribedMode(_ client: ClientState, _ cmd: CommandSpec, _ argv: Argv) -> Bool {
        guard client.proto == .v2, !Engine.allowedWhileSubscribed.contains(cmd.fullName) else { return false }
        rejectCall(client, "ERR Can't execute '\(cmd.fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd, argv)
        return true
    }
}
