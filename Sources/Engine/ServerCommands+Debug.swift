// DEBUG (debug.c), the cheap subset: HELP, SLEEP, SET-ACTIVE-EXPIRE, OBJECT, LOG, ERROR,
// POPULATE, CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD. Allowed only as `enable-debug-command`
// says (no by default; "local" admits loopback and unix-socket clients).

#if canImport(Glibc)
import Glibc
#endif
import RESP

extension ServerCommands {
    static let debugNotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."

    static func debug(_ c: Call) {
        guard c.engine.config.allows("enable-debug-command", localClient: c.client.isLocal) else {
            c.error(debugNotAllowed); return
        }
        let a = c.argv
        let sub = a.string(1).lowercased()
        switch (sub, a.count) {
        case ("help", 2):
            debugHelp(c)
        case ("sleep", 3):
            let secs = strtod(a.string(2), nil)
            if secs > 0 { usleep(UInt32(min(secs * 1_000_000, Double(UInt32.max)))) }
            c.ok()
        case ("set-active-expire", 3):
            c.engine.serverState.activeExpireEnabled = atoi(a.string(2)) != 0
            c.ok()
        case ("quicklist-packed-threshold", 3), ("log", 3):
            c.ok()
        case ("error", 3):
            // Like addReplyError: a leading "-" supplies the code, otherwise it is ERR.
            let text = a.string(2)
            c.error(text.hasPrefix("-") ? String(text.dropFirst()) : "ERR " + text)
        case ("change-repl-id", 2):
            c.engine.replication.replid = randomHex(40)
            c.ok()
        case ("object", 3):
            debugObject(c)
        case ("populate", 3...5):
            debugPopulate(c)
        case ("reload", _):
            PersistenceCommands.debugReload(c)
        default:
            c.error("ERR unknown subcommand or wrong number of arguments for '\(WireError.truncated(a.string(1), 128))'. Try DEBUG HELP.")
        }
    }

    /// "Value at:<addr> refcount:1 encoding:<enc> serializedlength:<n> lru:<clock> lru_seconds_idle:<s>".
    static func debugObject(_ c: Call) {
        guard let v = c.engine.lookup(db: c.client.db, c.argv[2], touch: false) else { c.error(WireError.noSuchKey); return }
        // A key never read has no access clock yet: it counts as created now.
        var clock = Int64(c.db.accessClock(c.argv[2]) ?? 0)
        if clock == 0 { clock = c.now / 1000 }
        let idle = max(0, c.now / 1000 - clock)
        let addr = "0x" + String(UInt(bitPattern: c.argv.bytes(2).hashValue) & 0x7fff_ffff_ffff, radix: 16)
        c.simple("Value at:\(addr) refcount:1 encoding:\(v.encodingName) serializedlength:\(serializedLength(v, compression: c.engine.config.bool("rdbcompression"))) "
                 + "lru:\(clock & 0xFFFFFF) lru_seconds_idle:\(idle)")
    }

    /// rdbSavedObjectLen: the size of the value's RDB body as SAVE would write it.
    static func serializedLength(_ v: Value, compression: Bool = true) -> Int {
        let w = RdbWriter(compression: compression)
        w.writeObject(v)
        return w.bytes.count
    }

    /// DEBUG POPULATE <count> [prefix] [size]: string keys prefix:N = "value:N" (zero-padded to size).
    static func debugPopulate(_ c: Call) {
        let a = c.argv
        guard let count = a.int(2), count >= 0 else { c.error("ERR value is out of range, must be positive"); return }
        let prefix = a.count > 3 ? a.string(3) : "key"
        var size: Int64 = 0
        if a.count > 4 {
            guard let s = a.int(4), s >= 0 else { c.error("ERR value is out of range, must be positive"); return }
            size = s
        }
        let db = c.db
        for j in 0..<count {
            let key = Array("\(prefix):\(j)".utf8)
            let exists = key.withUnsafeBytes { db.find($0) != nil }
            if exists { continue }
            var val = Array("value:\(j)".utf8)
            if size > 0 { val = Array((val + [UInt8](repeating: 0, count: Int(size))).prefix(Int(size))) }
            key.withUnsafeBytes { k in val.withUnsafeBytes { v in _ = db.add(k, Value.string(v)) } }
        }
        c.ok()
    }

    static func debugHelp(_ c: Call) {
        ConfigCommands.helpReply(c, "DEBUG", [
            "CHANGE-REPL-ID",
            "    Change the replication IDs of the instance.",
            "    Dangerous: should be used only for testing the replication subsystem.",
            "ERROR <string>",
            "    Return a Redis protocol error with <string> as message. Useful for clients",
            "    unit tests to simulate Redis errors.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num>. If <prefix> is specified then",
            "    it is used instead of the 'key' prefix. These are not propagated to",
            "    replicas. Cluster slots are not respected so keys not belonging to the",
            "    current node can be created in cluster mode.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Available options:",
            "    * MERGE: Merge the content of the RDB with the current data.",
            "    * NOFLUSH: Don't flush the current data before loading the RDB.",
            "    * NOSAVE: Don't save the RDB on disk before reloading it back.",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    Sets the threshold for elements to be inserted as plain vs packed nodes",
            "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
        ])
    }
}
