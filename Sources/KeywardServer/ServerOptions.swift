// What the network side needs from the configuration, resolved once at start-up (and
// updated by CONFIG SET hooks where Redis allows it).

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
    public var configFile = ""
    public var maxBulkLen = 512 * 1024 * 1024
    public var queryBufferLimit = 1024 * 1024 * 1024
    public var requirePass: String? = nil
    public var databases = 16
    public init() {}
}
