// The config table: every config redis-server 7.0.15 knows (config.c's static_configs, TLS
// included), with Redis's names, aliases, bounds, defaults and mutability, so CONFIG GET *
// answers as Redis does and config files written for Redis load unchanged. Most entries only
// store their value; the ones Keyward acts on are read by the server (typed getters) or
// watched with `onChange`.

private let imm: ConfigFlags = .immutable
private let mod: ConfigFlags = []
private let intMax = Int64(Int32.max), intMin = Int64(Int32.min), longMax = Int64.max
private let uintMax = Int64(UInt32.max), ullMax = Int64(bitPattern: UInt64.max)

private func b(_ n: String, a alias: String? = nil, _ f: ConfigFlags, _ d: Bool) -> ConfigEntry {
    ConfigEntry(n, alias: alias, flags: f, kind: .bool, default: .bool(d))
}
private func i(_ n: String, a alias: String? = nil, _ f: ConfigFlags, _ lo: Int64, _ hi: Int64, _ d: Int64,
               unsigned: Bool = false, clamp: ClosedRange<Int64>? = nil) -> ConfigEntry {
    ConfigEntry(n, alias: alias, flags: f, kind: .number(NumberRule(min: lo, max: hi, unsigned: unsigned, clamp: clamp)), default: .number(d))
}
private func m(_ n: String, a alias: String? = nil, _ f: ConfigFlags, _ lo: Int64, _ hi: Int64, _ d: Int64,
               unsigned: Bool = false, percent: Bool = false) -> ConfigEntry {
    ConfigEntry(n, alias: alias, flags: f, kind: .number(NumberRule(min: lo, max: hi, unsigned: unsigned, memory: true, percent: percent)),
                default: .number(d))
}
private func s(_ n: String, a alias: String? = nil, _ f: ConfigFlags, _ d: String, null: Bool = false,
               check: StringCheck = .none) -> ConfigEntry {
    ConfigEntry(n, alias: alias, flags: f, kind: .string(emptyIsNull: null, check: check), default: .text(d))
}
private func e(_ n: String, _ f: ConfigFlags, _ names: [String], _ d: String) -> ConfigEntry {
    ConfigEntry(n, flags: f, kind: .enumeration(names.enumerated().map { ($0.element, $0.offset) }), default: .text(d))
}
private func x(_ n: String, a alias: String? = nil, _ f: ConfigFlags, _ k: SpecialConfig, _ d: String) -> ConfigEntry {
    ConfigEntry(n, alias: alias, flags: f, kind: .special(k), default: .text(d))
}

private let protectedAction = ["no", "yes", "local"]

extension ConfigStore {
    static let standardEntries: [ConfigEntry] = [
        // Bool configs
        b("rdbchecksum", imm, true),
        b("daemonize", imm, false),
        b("io-threads-do-reads", imm, false),
        b("always-show-logo", imm, false),
        b("protected-mode", mod, true),
        b("rdbcompression", mod, true),
        b("rdb-del-sync-files", mod, false),
        b("activerehashing", mod, true),
        b("stop-writes-on-bgsave-error", mod, true),
        b("set-proc-title", imm, true),
        b("dynamic-hz", mod, true),
        b("lazyfree-lazy-eviction", mod, false),
        b("lazyfree-lazy-expire", mod, false),
        b("lazyfree-lazy-server-del", mod, false),
        b("lazyfree-lazy-user-del", mod, false),
        b("lazyfree-lazy-user-flush", mod, false),
        b("repl-disable-tcp-nodelay", mod, false),
        b("repl-diskless-sync", mod, true),
        b("aof-rewrite-incremental-fsync", mod, true),
        b("no-appendfsync-on-rewrite", mod, false),
        b("cluster-require-full-coverage", mod, true),
        b("rdb-save-incremental-fsync", mod, true),
        b("aof-load-truncated", mod, true),
        b("aof-use-rdb-preamble", mod, true),
        b("aof-timestamp-enabled", mod, false),
        b("cluster-replica-no-failover", a: "cluster-slave-no-failover", mod, false),
        b("replica-lazy-flush", a: "slave-lazy-flush", mod, false),
        b("replica-serve-stale-data", a: "slave-serve-stale-data", mod, true),
        b("replica-read-only", a: "slave-read-only", mod, true),
        b("replica-ignore-maxmemory", a: "slave-ignore-maxmemory", mod, true),
        b("jemalloc-bg-thread", mod, true),
        b("activedefrag", mod, false),
        b("syslog-enabled", imm, false),
        b("cluster-enabled", imm, false),
        b("appendonly", [.denyLoading], false),
        b("cluster-allow-reads-when-down", mod, false),
        b("cluster-allow-pubsubshard-when-down", mod, true),
        b("crash-log-enabled", mod, true),
        b("crash-memcheck-enabled", mod, true),
        b("use-exit-on-panic", .hidden, false),
        b("disable-thp", imm, true),
        b("cluster-allow-replica-migration", mod, true),
        b("replica-announced", mod, true),
        b("latency-tracking", mod, true),
        b("aof-disable-auto-gc", mod, false),
        b("replica-ignore-disk-write-errors", mod, false),

        // String configs
        s("aclfile", imm, ""),
        s("unixsocket", imm, "", null: true),
        s("pidfile", imm, "", null: true),
        s("replica-announce-ip", a: "slave-announce-ip", mod, "", null: true),
        s("masteruser", [.sensitive], "", null: true),
        s("cluster-announce-ip", mod, "", null: true),
        s("cluster-config-file", imm, "nodes.conf"),
        s("cluster-announce-hostname", mod, "", null: true, check: .hostname),
        s("syslog-ident", imm, "redis"),
        s("dbfilename", [.protected], "dump.rdb", check: .dbFilename),
        s("appendfilename", imm, "appendonly.aof", check: .aofFilename),
        s("appenddirname", imm, "appendonlydir", check: .aofDirname),
        s("server_cpulist", imm, "", null: true),
        s("bio_cpulist", imm, "", null: true),
        s("aof_rewrite_cpulist", imm, "", null: true),
        s("bgsave_cpulist", imm, "", null: true),
        s("ignore-warnings", mod, ""),
        s("proc-title-template", mod, "{title} {listen-addr} {server-mode}", check: .procTitle),
        s("bind-source-addr", mod, "", null: true),
        s("logfile", imm, ""),
        s("masterauth", [.sensitive], "", null: true),
        s("requirepass", [.sensitive], "", null: true),

        // Enum configs
        e("supervised", imm, ["upstart", "systemd", "auto", "no"], "no"),
        e("syslog-facility", imm, ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"], "local0"),
        e("repl-diskless-load", [.denyLoading], ["disabled", "on-empty-db", "swapdb"], "disabled"),
        e("loglevel", mod, ["debug", "verbose", "notice", "warning"], "notice"),
        e("maxmemory-policy", mod, ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                                    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"], "noeviction"),
        e("appendfsync", mod, ["everysec", "always", "no"], "everysec"),
        ConfigEntry("oom-score-adj", flags: mod, kind: .enumeration([("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)]),
                    default: .text("no")),
        e("acl-pubsub-default", mod, ["allchannels", "resetchannels"], "resetchannels"),
        e("sanitize-dump-payload", mod, ["no", "yes", "clients"], "no"),
        e("enable-protected-configs", imm, protectedAction, "no"),
        e("enable-debug-command", imm, protectedAction, "no"),
        e("enable-module-command", imm, protectedAction, "no"),
        e("propagation-error-behavior", mod, ["ignore", "panic", "panic-on-replicas"], "ignore"),
        e("cluster-preferred-endpoint-type", mod, ["ip", "hostname", "unknown-endpoint"], "ip"),

        // Integer configs
        i("databases", imm, 1, intMax, 16),
        i("port", mod, 0, 65535, 6379),
        i("io-threads", imm, 1, 128, 1),
        i("auto-aof-rewrite-percentage", mod, 0, intMax, 100),
        i("cluster-replica-validity-factor", a: "cluster-slave-validity-factor", mod, 0, intMax, 10),
        i("list-max-listpack-size", a: "list-max-ziplist-size", mod, intMin, intMax, -2),
        i("tcp-keepalive", mod, 0, intMax, 300),
        i("cluster-migration-barrier", mod, 0, intMax, 1),
        i("active-defrag-cycle-min", mod, 1, 99, 1),
        i("active-defrag-cycle-max", mod, 1, 99, 25),
        i("active-defrag-threshold-lower", mod, 0, 1000, 10),
        i("active-defrag-threshold-upper", mod, 0, 1000, 100),
        i("lfu-log-factor", mod, 0, intMax, 10),
        i("lfu-decay-time", mod, 0, intMax, 1),
        i("replica-priority", a: "slave-priority", mod, 0, intMax, 100),
        i("repl-diskless-sync-delay", mod, 0, intMax, 5),
        i("maxmemory-samples", mod, 1, intMax, 5),
        i("maxmemory-eviction-tenacity", mod, 0, 100, 10),
        i("timeout", mod, 0, intMax, 0),
        i("replica-announce-port", a: "slave-announce-port", mod, 0, 65535, 0),
        i("tcp-backlog", imm, 0, intMax, 511),
        i("cluster-port", imm, 0, 65535, 0),
        i("cluster-announce-bus-port", mod, 0, 65535, 0),
        i("cluster-announce-port", mod, 0, 65535, 0),
        i("cluster-announce-tls-port", mod, 0, 65535, 0),
        i("repl-timeout", mod, 1, intMax, 60),
        i("repl-ping-replica-period", a: "repl-ping-slave-period", mod, 1, intMax, 10),
        i("list-compress-depth", mod, 0, intMax, 0),
        i("rdb-key-save-delay", .hidden, intMin, intMax, 0),
        i("key-load-delay", .hidden, intMin, intMax, 0),
        i("active-expire-effort", mod, 1, 10, 1),
        i("hz", mod, 0, intMax, 10, clamp: 1...500),
        i("min-replicas-to-write", a: "min-slaves-to-write", mod, 0, intMax, 0),
        i("min-replicas-max-lag", a: "min-slaves-max-lag", mod, 0, intMax, 10),
        i("watchdog-period", .hidden, 0, intMax, 0),
        i("shutdown-timeout", mod, 0, intMax, 10),
        i("repl-diskless-sync-max-replicas", mod, 0, intMax, 0),
        i("maxclients", mod, 1, uintMax, 10000, unsigned: true),
        ConfigEntry("unixsocketperm", flags: imm, kind: .number(NumberRule(min: 0, max: 0o777, unsigned: true, octal: true)),
                    default: .number(0)),
        i("socket-mark-id", imm, 0, uintMax, 0, unsigned: true),
        i("active-defrag-max-scan-fields", mod, 1, longMax, 1000),
        i("slowlog-max-len", mod, 0, longMax, 128),
        i("acllog-max-len", mod, 0, longMax, 128),
        i("busy-reply-threshold", a: "lua-time-limit", mod, 0, longMax, 5000),
        i("cluster-node-timeout", mod, 0, longMax, 15000),
        i("slowlog-log-slower-than", mod, -1, longMax, 10000),
        i("latency-monitor-threshold", mod, 0, longMax, 0),
        m("proto-max-bulk-len", mod, 1 << 20, longMax, 512 << 20),
        i("stream-node-max-entries", mod, 0, longMax, 100),
        m("repl-backlog-size", mod, 1, longMax, 1 << 20),
        m("maxmemory", mod, 0, ullMax, 0, unsigned: true),
        m("cluster-link-sendbuf-limit", mod, 0, ullMax, 0, unsigned: true),
        i("hash-max-listpack-entries", a: "hash-max-ziplist-entries", mod, 0, longMax, 512, unsigned: true),
        i("set-max-intset-entries", mod, 0, longMax, 512, unsigned: true),
        i("zset-max-listpack-entries", a: "zset-max-ziplist-entries", mod, 0, longMax, 128, unsigned: true),
        m("active-defrag-ignore-bytes", mod, 1, longMax, 100 << 20, unsigned: true),
        m("hash-max-listpack-value", a: "hash-max-ziplist-value", mod, 0, longMax, 64, unsigned: true),
        m("stream-node-max-bytes", mod, 0, longMax, 4096, unsigned: true),
        m("zset-max-listpack-value", a: "zset-max-ziplist-value", mod, 0, longMax, 64, unsigned: true),
        m("hll-sparse-max-bytes", mod, 0, longMax, 3000, unsigned: true),
        i("tracking-table-max-keys", mod, 0, longMax, 1_000_000, unsigned: true),
        m("client-query-buffer-limit", mod, 1 << 20, longMax, 1 << 30, unsigned: true),
        m("maxmemory-clients", mod, -100, longMax, 0, percent: true),
        i("repl-backlog-ttl", mod, 0, longMax, 3600),
        m("auto-aof-rewrite-min-size", mod, 0, longMax, 64 << 20),
        i("loading-process-events-interval-bytes", .hidden, 1024, intMax, 2 << 20),

        // TLS configs (stored only: Keyward serves plain TCP)
        i("tls-port", mod, 0, 65535, 0),
        i("tls-session-cache-size", mod, 0, intMax, 20 * 1024),
        i("tls-session-cache-timeout", mod, 0, intMax, 300),
        b("tls-cluster", mod, false),
        b("tls-replication", mod, false),
        e("tls-auth-clients", mod, ["no", "yes", "optional"], "yes"),
        b("tls-prefer-server-ciphers", mod, false),
        b("tls-session-caching", mod, true),
        s("tls-cert-file", mod, "", null: true),
        s("tls-key-file", mod, "", null: true),
        s("tls-key-file-pass", mod, "", null: true),
        s("tls-client-cert-file", mod, "", null: true),
        s("tls-client-key-file", mod, "", null: true),
        s("tls-client-key-file-pass", mod, "", null: true),
        s("tls-dh-params-file", mod, "", null: true),
        s("tls-ca-cert-file", mod, "", null: true),
        s("tls-ca-cert-dir", mod, "", null: true),
        s("tls-protocols", mod, "", null: true),
        s("tls-ciphers", mod, "", null: true),
        s("tls-ciphersuites", mod, "", null: true),

        // Special configs
        x("dir", [.protected, .denyLoading], .dir, ""),
        x("save", .multiArg, .save, "3600 1 300 100 60 10000"),
        x("client-output-buffer-limit", .multiArg, .clientOutputBufferLimit,
          "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
        x("oom-score-adj-values", .multiArg, .oomScoreAdjValues, "0 200 800"),
        ConfigEntry("notify-keyspace-events", alias: nil, flags: mod, kind: .special(.notifyKeyspaceEvents), default: .number(0)),
        // Keyward listens on loopback unless told otherwise (Redis 7.0 defaults to "* -::*").
        x("bind", .multiArg, .bind, "127.0.0.1 -::1"),
        x("replicaof", a: "slaveof", [.immutable, .multiArg], .replicaOf, ""),
        x("shutdown-on-sigint", .multiArg, .shutdownOnSignal, "default"),
        x("shutdown-on-sigterm", .multiArg, .shutdownOnSignal, "default"),
        x("latency-tracking-info-percentiles", .multiArg, .latencyPercentiles, "50 99 99.9"),
    ]

    /// Directives Redis accepts and ignores (deprecated configs, with their argument count).
    static let deprecatedDirectives: [String: Int] = [
        "list-max-ziplist-entries": 2, "list-max-ziplist-value": 2, "lua-replicate-commands": 2,
    ]
}
