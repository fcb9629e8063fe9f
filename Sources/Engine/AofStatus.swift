// What the server's append-only file reports to INFO and how BGREWRITEAOF reaches it. The
// file work is the server's (KeywardServer/AppendOnly*.swift); the engine only knows this.

public final class AofStatus {
    public var enabled = false
    public var rewrites: Int64 = 0
    public var consecutiveFailures: Int64 = 0
    public var lastRewriteSeconds: Int64 = -1
    public var lastRewriteOK = true
    public var lastWriteOK = true
    /// strerror of the last failed write or fsync (the AOF -MISCONF text).
    public var lastWriteError = ""
    public var currentSize: Int64 = 0
    public var baseSize: Int64 = 0
    public var bufferLength: Int64 = 0
    public var pendingFsync = false
    public var delayedFsync: Int64 = 0
    /// Set by the server: starts an AOF rewrite (in the background when it can); returns an
    /// error text or nil.
    public var rewrite: (() -> String?)? = nil
    /// BGREWRITEAOF arrived while a BGSAVE ran (or inside EXEC): the cron starts it later.
    public var rewriteScheduled = false
    /// aofRewriteLimited's back-off (minutes) and the unix second it ends (0: none running).
    var limitDelayMinutes: Int64 = 0
    var limitUntil: Int64 = 0
    public init() {}

    /// Redis's aofRewriteLimited: after 3 consecutive failures a scheduled rewrite (the cron's
    /// retry of a failed one) waits 1, 2, 4 ... up to 60 minutes, so a failing disk doesn't
    /// fill the directory with small increments. BGREWRITEAOF is never limited. `log` gets
    /// Redis's warning when a new wait starts.
    public func rewriteLimited(nowSeconds: Int64, log: (String) -> Void) -> Bool {
        if consecutiveFailures < 3 {
            limitDelayMinutes = 0
            limitUntil = 0
            return false
        }
        if limitUntil != 0 {
            if nowSeconds < limitUntil { return true }
            limitUntil = 0
            return false
        }
        limitDelayMinutes = limitDelayMinutes == 0 ? 1 : min(limitDelayMinutes * 2, 60)
        limitUntil = nowSeconds + limitDelayMinutes * 60
        log("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in \(limitDelayMinutes) minutes")
        return true
    }
}

extension Engine {
    /// BGREWRITEAOF (aof.c bgrewriteaofCommand). The base (RDB preamble or commands) is a
    /// snapshot walked in the background (BackgroundSave.swift).
    static func bgrewriteaof(_ c: Call) {
        guard let rewrite = c.engine.aof.rewrite else {
            c.error("ERR Background append only file rewriting is not available")
            return
        }
        let e = c.engine
        if e.aofRewriteInProgress {
            c.error("ERR Background append only file rewriting already in progress")
            return
        }
        if e.backgroundSaveInProgress || e.executionDepth > 1 {
            e.aof.rewriteScheduled = true
            c.simple("Background append only file rewriting scheduled")
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
