// Redisson's force-unlock and its key names, in the one place every user of them can reach: the
// lock library (KeywardLocks.RedissonScripts re-exports these), the console's `u` action (the
// Console target depends on Admin only, to stay pure) and `keyward lock unlock`.

public enum RedissonLockText {
    /// Redisson's forceUnlock: DEL the lock hash and, when it existed, PUBLISH the unlock message
    /// so waiters wake at once. 1 when a lock was deleted, else 0.
    /// KEYS[1] lock, KEYS[2] channel; ARGV[1] unlock message "0".
    public static let forceUnlock = "if (redis.call('del', KEYS[1]) == 1) then redis.call('publish', KEYS[2], ARGV[1]); return 1 else return 0 end"

    /// The unlock message Redisson publishes (LockPubSub.UNLOCK_MESSAGE).
    public static let unlockMessage = "0"

    /// Redisson's prefixName: `prefix:{name}`, or `prefix:name` when the name carries a hash tag.
    public static func prefixed(_ prefix: String, _ name: String) -> String {
        name.contains("{") ? "\(prefix):\(name)" : "\(prefix):{\(name)}"
    }
    public static func channel(_ name: String) -> String { prefixed("redisson_lock__channel", name) }
    public static func tokenKey(_ name: String) -> String { prefixed("redisson_lock_token", name) }

    /// The full EVAL for a force-unlock of `name`.
    public static func forceUnlockCommand(_ name: String) -> [String] {
        ["EVAL", forceUnlock, "2", name, channel(name), unlockMessage]
    }
}
