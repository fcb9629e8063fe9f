// Redisson's RLock scripts, as Redisson sends them (the 3.x texts byte for byte, the same ones
// Tests/python/test_scripting.py runs) (RedissonLock /
// RedissonFencedLock / RedissonBaseLock, 3.x and 4.x), so a Redisson client and this library
// exclude each other on the same lock name, and the server caches one script per text.
// Layout (docs/locks.md): hash `name`, field `<clientId>:<threadId>` -> reentrancy count, lease by
// PEXPIRE, unlock message "0" on `redisson_lock__channel:{name}`, fencing counter
// `redisson_lock_token:{name}`, 4.x unlock latch `redisson_unlock_latch:{name}:<requestId>`.

import Admin

public enum RedissonScripts {
    /// RLock acquire (3.x/4.x): nil when acquired (or re-entered), else the lock's PTTL.
    /// KEYS[1] lock; ARGV[1] lease ms, ARGV[2] field.
    public static let acquire = "if ((redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; return redis.call('pttl', KEYS[1]);"

    /// RFencedLock acquire: {-1, token} when acquired (token = INCR of KEYS[2]), else {pttl, -1}.
    /// KEYS[1] lock, KEYS[2] token counter; ARGV[1] lease ms, ARGV[2] field.
    public static let acquireFenced = "if (redis.call('exists', KEYS[1]) == 0 or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then local token = redis.call('incr', KEYS[2]);redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return {-1, token}; end; return {redis.call('pttl', KEYS[1]), -1};"

    /// Watchdog renewal (3.x renewExpirationAsync): 1 when still held and extended, else 0.
    /// KEYS[1] lock; ARGV[1] lease ms, ARGV[2] field.
    public static let renew = "if (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then redis.call('pexpire', KEYS[1], ARGV[1]); return 1; end; return 0;"

    /// 3.x unlock: nil (not held), 0 (still re-entered), 1 (released and published).
    /// KEYS[1] lock, KEYS[2] channel; ARGV[1] message "0", ARGV[2] lease ms, ARGV[3] field.
    public static let unlock3 = "if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then return nil;end; local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1); if (counter > 0) then redis.call('pexpire', KEYS[1], ARGV[2]); return 0; else redis.call('del', KEYS[1]); redis.call('publish', KEYS[2], ARGV[1]); return 1; end; return nil;"

    /// 4.x unlock with the idempotency latch: a retried unlock (same request id) returns the
    /// first outcome instead of decrementing twice. Same statements as Redisson 4.x's
    /// unlockInnerAsync (its whitespace may differ: only the data layout must match). KEYS[3] latch; ARGV[4] "publish" or
    /// "spublish", ARGV[5] latch lifetime ms.
    public static let unlock = "local val = redis.call('get', KEYS[3]); if val ~= false then return tonumber(val);end; if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then return nil;end; local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1); if (counter > 0) then redis.call('pexpire', KEYS[1], ARGV[2]); redis.call('set', KEYS[3], 0, 'px', ARGV[5]); return 0; else redis.call('del', KEYS[1]); redis.call(ARGV[4], KEYS[2], ARGV[1]); redis.call('set', KEYS[3], 1, 'px', ARGV[5]); return 1; end; "

    /// forceUnlock: 1 when a lock was deleted (and the unlock message published), else 0. The
    /// text lives in Admin (RedissonLockText) so the console and `keyward lock` send the same one.
    public static let forceUnlock = RedissonLockText.forceUnlock

    /// Redisson's prefixName: `prefix:{name}`, or `prefix:name` when the name carries a hash tag.
    public static func prefixed(_ prefix: String, _ name: String) -> String { RedissonLockText.prefixed(prefix, name) }
    public static func channel(_ name: String) -> String { RedissonLockText.channel(name) }
    public static func tokenKey(_ name: String) -> String { RedissonLockText.tokenKey(name) }
    public static func latchKey(_ name: String, _ requestId: String) -> String {
        prefixed("redisson_unlock_latch", name) + ":" + requestId
    }
}
