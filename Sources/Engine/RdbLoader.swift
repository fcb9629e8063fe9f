// Loads a whole RDB file image (rdbLoadRioWithLoadingCtx): header, AUX, SELECTDB/RESIZEDB,
// EXPIRETIME(_MS), IDLE/FREQ, MODULE_AUX (skipped), FUNCTION2 (kept as code for the functions
// feature), keys, EOF and the CRC64 check. Keys go into the databases the caller passes —
// fresh ones for a startup load or DEBUG RELOAD, so a failure leaves the live keyspace as it
// was — and the caller swaps them in only on success.

public struct RdbLoadOptions {
    /// Verify the trailing CRC64 (rdbchecksum); a stored 0 means "saved without checksum".
    public var verifyChecksum = true
    /// Drop keys whose expire time is already past (a master loading a file does).
    public var skipExpired = true
    /// DEBUG RELOAD MERGE: a key already present is replaced instead of failing the load.
    public var allowDuplicates = false
    public var now: Int64 = 0
    public var limits = EncodingLimits()
    /// Called with the bytes read so far about every `progressInterval` bytes (the server serves
    /// clients -LOADING from it, Redis's processEventsWhileBlocked during rdbLoad).
    public var progress: ((Int) -> Void)? = nil
    public var progressInterval = 2 << 20
    /// Each AUX field as it is read (INFO's loading_rdb_used_mem comes from `used-mem`).
    public var onAux: ((String, String) -> Void)? = nil
    public init() {}
}

public struct RdbLoadInfo {
    public var version = 0
    public var keysLoaded = 0
    public var expiredSkipped = 0
    public var emptySkipped = 0
    public var aux: [(String, String)] = []
    /// FUNCTION2 payloads (library code), in file order.
    public var functions: [[UInt8]] = []
    /// Where the image ended (an AOF with an RDB preamble continues with commands there).
    public var bytesRead = 0
}

public enum RdbLoader {
    public static func load(_ data: UnsafeRawBufferPointer, into dbs: [Database], _ opt: RdbLoadOptions) throws -> RdbLoadInfo {
        var r = RdbReader(data)
        var info = RdbLoadInfo()
        let magic = try r.take(min(9, data.count))
        guard magic.count == 9, Array(magic[0..<5]) == Array("REDIS".utf8) else {
            throw RdbError("Wrong signature trying to load DB from file")
        }
        var version = 0
        for i in 5..<9 {
            guard magic[i] >= 48 && magic[i] <= 57 else { throw RdbError("Wrong signature trying to load DB from file") }
            version = version * 10 + Int(magic[i] - 48)
        }
        guard version >= 1 && version <= Rdb.version else { throw RdbError("Can't handle RDB format version \(version)") }
        info.version = version
        let objects = RdbObjectLoader(limits: opt.limits)
        var db = dbs[0]
        var expireAt: Int64? = nil
        var idle: UInt64? = nil
        var nextProgress = opt.progressInterval
        while true {
            let type = try r.u8()
            switch type {
            case Rdb.opExpireTime:
                expireAt = Int64(Int32(truncatingIfNeeded: try r.le(4))) * 1000
                continue
            case Rdb.opExpireTimeMs:
                expireAt = Int64(bitPattern: try r.le(8))
                continue
            case Rdb.opFreq:
                _ = try r.u8()
                continue
            case Rdb.opIdle:
                idle = try r.len()
                continue
            case Rdb.opEOF:
                break
            case Rdb.opSelectDB:
                let n = try r.len()
                guard n < UInt64(dbs.count) else {
                    throw RdbError("FATAL: Data file was created with a Redis server configured to handle more than \(dbs.count) databases. Exiting\n")
                }
                db = dbs[Int(n)]
                continue
            case Rdb.opResizeDB:
                _ = try r.len(); _ = try r.len()
                continue
            case Rdb.opAux:
                let k = try r.string(), v = try r.string()
                info.aux.append((String(decoding: k, as: UTF8.self), String(decoding: v, as: UTF8.self)))
                if let f = opt.onAux, let last = info.aux.last { f(last.0, last.1) }
                continue
            case Rdb.opModuleAux:
                _ = try r.len()          // module id
                let when = try r.len()   // RDB_MODULE_OPCODE_UINT
                guard when == Rdb.moduleUInt else { throw RdbError("Bad module AUX header") }
                _ = try r.len()
                try skipModuleValue(&r)
                continue
            case Rdb.opFunction2:
                info.functions.append(try r.string())
                continue
            case Rdb.opFunction:
                throw RdbError("Pre-release function format not supported.")
            default:
                let key = try r.string()
                let value = try objects.read(type, &r)
                defer { expireAt = nil; idle = nil }
                guard let v = value else { info.emptySkipped += 1; continue }
                if opt.skipExpired, let at = expireAt, at < opt.now {
                    info.expiredSkipped += 1
                    continue
                }
                try key.withUnsafeBytes { k in
                    if !db.add(k, v) {
                        guard opt.allowDuplicates else {
                            throw RdbError("RDB has duplicated key '\(String(decoding: k, as: UTF8.self))' in DB \(db.index)")
                        }
                        db.set(k, v)
                    }
                    if let at = expireAt { db.setExpire(k, at: at) }
                    if let s = idle {
                        let clock = opt.now / 1000 - Int64(min(s, UInt64(opt.now / 1000)))
                        db.touch(k, clock: UInt32(truncatingIfNeeded: clock))
                    }
                }
                info.keysLoaded += 1
                if let p = opt.progress, r.pos >= nextProgress {
                    nextProgress = r.pos + opt.progressInterval
                    p(r.pos)
                }
                continue
            }
            break
        }
        if version >= 5 {
            let covered = r.pos
            let stored = try r.le(8)
            if opt.verifyChecksum && stored != 0 {
                let expected = crc64(0, UnsafeRawBufferPointer(rebasing: data[0..<covered]))
                guard expected == stored else {
                    throw RdbError("Wrong RDB checksum expected: (\(hex(stored))) got: (\(hex(expected))). Aborting now.")
                }
            }
        }
        info.bytesRead = r.pos
        return info
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    /// rdbLoadCheckModuleValue: skips module opcodes up to their EOF.
    static func skipModuleValue(_ r: inout RdbReader) throws {
        while true {
            let op = try r.len()
            switch op {
            case Rdb.moduleEOF: return
            case Rdb.moduleSInt, Rdb.moduleUInt: _ = try r.len()
            case Rdb.moduleString: _ = try r.string()
            case Rdb.moduleFloat: _ = try r.take(4)
            case Rdb.moduleDouble: _ = try r.take(8)
            default: throw RdbError("Unknown module opcode \(op)")
            }
        }
    }
}

extension RdbLoader {
    /// One object from a DUMP body (type byte + value), as RESTORE reads it.
    public static func object(_ body: UnsafeRawBufferPointer, limits: EncodingLimits) throws -> Value? {
        var r = RdbReader(body)
        let type = try r.u8()
        let v = try RdbObjectLoader(limits: limits).read(type, &r)
        guard r.remaining == 0 else { throw RdbError("Trailing bytes after the object") }
        return v
    }
}
