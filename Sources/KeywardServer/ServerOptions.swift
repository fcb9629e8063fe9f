// What the network side needs from the configuration, read from the ConfigStore at start-up
// and kept current by CONFIG SET hooks (Server+Config.swift).

import Engine

public struct ServerOptions: Sendable {
    public var port = 6379
    /// Addresses to listen on; a leading "-" marks one that may be unavailable.
    public var bind = ["127.0.0.1", "-::1"]
    public var tcpBacklog: Int32 = 511
    public var protectedMode = true
    public var maxClients = 10000
    public var timeoutSeconds = 0
    public var hz = 10
    public var daemonize = false
    public var pidFile = ""
    public var logFile = ""
    public var logLevel: LogLevel = .notice
    public var maxBulkLen = 512 * 1024 * 1024
    public var queryBufferLimit = 1024 * 1024 * 1024
    public init() {}

    public init(_ c: ConfigStore) {
        port = Int(c.int("port"))
        bind = c.bindAddresses
        tcpBacklog = Int32(clamping: c.int("tcp-backlog"))
        protectedMode = c.bool("protected-mode")
        maxClients = Int(c.int("maxclients"))
        timeoutSeconds = Int(c.int("timeout"))
        hz = Int(max(1, min(500, c.int("hz"))))
        daemonize = c.bool("daemonize")
        pidFile = c.string("pidfile")
        logFile = c.string("logfile")
        logLevel = LogLevel(name: c.string("loglevel")) ?? .notice
        maxBulkLen = Int(c.memory("proto-max-bulk-len"))
        queryBufferLimit = Int(c.memory("client-query-buffer-limit"))
    }
}
