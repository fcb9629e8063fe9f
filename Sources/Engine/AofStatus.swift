// What the server's append-only file reports to INFO and how BGREWRITEAOF reaches it. The
// file work is the server's (KeywardServer/AppendOnly*.swift); the engine only knows this.

public final class AofStatus {
    public var enabled = false
    public var rewrites: Int64 = 0
    public var consecutiveFailures: Int64 = 0
    public var lastRewriteSeconds: Int64 = -1
    public var lastRewriteOK = true
    public var lastWriteOK = true
    public var currentSize: Int64 = 0
    public var baseSize: Int64 = 0
    public var bufferLength: Int64 = 0
    public var pendingFsync = false
    public var delayedFsync: Int64 = 0
    /// Set by the server: rewrites the AOF now; returns an error text or nil.
    public var rewrite: (() -> String?)? = nil
    public init() {}
}

extension Engine {
    /// BGREWRITEAOF. The rewrite runs on the engine thread until copy-on-write snapshots land
    /// (docs/persistence.md), so the reply comes after it finished.
    static func bgrewriteaof(_ c: Call) {
        guard let rewrite = c.engine.aof.rewrite else {
            c.error("ERR Background append only file rewriting is not available")
            return
        }
        if let err = rewrite() { c.error(err); return }
        c.simple("Background append only file rewriting started")
    }
}

public enum AofCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("bgrewriteaof", arity: 1, flags: [.admin, .noAsyncLoading, .noscript],
                        categories: ["admin", "slow", "dangerous"], group: "server",
                        summary: "Asynchronously rewrite the append-only file", complexity: "O(1)", since: "1.0.0",
                        handler: Engine.bgrewriteaof),
        ]
    }
}
