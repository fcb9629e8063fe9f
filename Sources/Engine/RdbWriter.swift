// RDB writer (Redis's rdbSave* primitives, src/rdb.c): a pure codec that appends to a byte
// buffer and, when given a sink, hands it full 64 KB blocks (a file for SAVE, a socket for a
// later replication stream), keeping the running CRC64 of everything written.
//
// Strings follow rdbSaveRawString: a canonical decimal of at most 11 bytes that fits 32 bits
// is written as an 8/16/32-bit int; otherwise, with rdbcompression on and more than 20 bytes,
// LZF-compressed when that saves at least 4 bytes (lzf output limit len - 4); else plain.
// Object bodies (per type) are in RdbWriter+Objects.swift.

import RESP

public final class RdbWriter {
    /// LZF's hash table, reused for every string this writer compresses.
    lazy var lzfTable = LZFTable()
    private(set) var buf: [UInt8] = []
    private var crc: UInt64 = 0
    /// Bytes already handed to the sink.
    public private(set) var flushed = 0
    let compression: Bool
    /// The sink computes the CRC64 itself (a BGSAVE's writer thread): `flush` skips it and
    /// `finish` writes EOF without the 8 checksum bytes.
    var sinkChecksums = false
    private let sink: ((UnsafeRawBufferPointer) throws -> Void)?
    private static let blockSize = 1 << 16

    /// `sink` nil keeps everything in memory (`bytes`), as DUMP does.
    public init(compression: Bool, sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil) {
        self.compression = compression
        self.sink = sink
        buf.reserveCapacity(sink == nil ? 256 : RdbWriter.blockSize + 1024)
    }

    /// The bytes written so far (all of them when there is no sink).
    public var bytes: [UInt8] { buf }
    /// Forgets the bytes, keeping the buffer (a writer reused per block).
    func reset() { buf.removeAll(keepingCapacity: true) }
    var count: Int { buf.count }
    func withBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try buf.withUnsafeBytes(body) }

    /// Hands the buffer to the sink once it holds a block.
    @inline(__always) func flushIfNeeded() throws {
        if sink != nil && buf.count >= RdbWriter.blockSize { try flush() }
    }

    func flush() throws {
        guard let s = sink, !buf.isEmpty else { return }
        if !sinkChecksums { crc = crc64(crc, buf) }
        try buf.withUnsafeBytes { try s($0) }
        flushed += buf.count
        buf.removeAll(keepingCapacity: true)
    }

    // MARK: primitives

    @inline(__always) func put(_ b: UInt8) { buf.append(b) }
    func put(_ raw: UnsafeRawBufferPointer) { buf.append(contentsOf: raw) }
    func put(_ a: [UInt8]) { buf.append(contentsOf: a) }

    func putLE(_ v: UInt64, _ n: Int) {
        for i in 0..<n { buf.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    /// rdbSaveLen.
    func putLen(_ len: UInt64) {
        if len < 1 << 6 {
            put(UInt8(len))
        } else if len < 1 << 14 {
            put(UInt8(len >> 8) | 0x40); put(UInt8(len & 0xff))
        } else if len <= UInt64(UInt32.max) {
            put(Rdb.len32)
            for s in stride(from: 24, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: len >> UInt64(s))) }
        } else {
            put(Rdb.len64)
            for s in stride(from: 56, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: len >> UInt64(s))) }
        }
    }
    func putLen(_ len: Int) { putLen(UInt64(len)) }

    /// rdbSaveRawString: int encoding, LZF or plain.
    func putString(_ raw: UnsafeRawBufferPointer) {
        let n = raw.count
        if n <= 11, n > 0, let v = parseInt64(raw), putEncodedInt(v) { return }
        if compression && n > 20, let z = LZF.compress(raw, limit: n - 4, table: lzfTable) {
            put((Rdb.encVal << 6) | Rdb.encLZF)
            putLen(z.count)
            putLen(n)
            put(z)
            return
        }
        putLen(n)
        if n > 0 { put(raw) }
    }
    func putString(_ a: [UInt8]) { a.withUnsafeBytes { putString($0) } }
    func putString(_ s: String) { putString(Array(s.utf8)) }

    /// rdbEncodeInteger: false when `v` needs more than 32 bits.
    func putEncodedInt(_ v: Int64) -> Bool {
        if v >= -(1 << 7) && v <= (1 << 7) - 1 {
            put((Rdb.encVal << 6) | Rdb.encInt8); putLE(UInt64(bitPattern: v), 1)
        } else if v >= -(1 << 15) && v <= (1 << 15) - 1 {
            put((Rdb.encVal << 6) | Rdb.encInt16); putLE(UInt64(bitPattern: v), 2)
        } else if v >= -(1 << 31) && v <= (1 << 31) - 1 {
            put((Rdb.encVal << 6) | Rdb.encInt32); putLE(UInt64(bitPattern: v), 4)
        } else {
            return false
        }
        return true
    }

    /// rdbSaveBinaryDoubleValue: 8 bytes, little endian.
    func putDouble(_ d: Double) { putLE(d.bitPattern, 8) }

    // MARK: file structure

    /// "REDIS0010" and the AUX fields Redis 7.0 writes.
    public func writeHeader(now: Int64, usedMemory: Int) {
        put(Array("REDIS00\(Rdb.version)".utf8))
        writeAux("redis-ver", redisVersionForRdb)
        writeAux("redis-bits", "64")
        writeAux("ctime", String(now / 1000))
        writeAux("used-mem", String(usedMemory))
        writeAux("aof-base", "0")
    }

    public func writeAux(_ key: String, _ value: String) {
        put(Rdb.opAux)
        putString(key)
        putString(value)
    }

    /// A function library (FUNCTION2 opcode: the library's code as one string).
    public func writeFunction(_ code: [UInt8]) {
        put(Rdb.opFunction2)
        putString(code)
    }

    /// SELECTDB + RESIZEDB, then every key. Empty databases are skipped, as in Redis.
    public func writeDatabase(_ db: Database) throws {
        if db.count == 0 { return }
        put(Rdb.opSelectDB)
        putLen(db.index)
        put(Rdb.opResizeDB)
        putLen(db.count)
        putLen(db.volatileCount)
        var failure: Error? = nil
        db.forEach { key, value, expire in
            guard failure == nil else { return }
            writeKey(key, value, expireAt: expire)
            do { try flushIfNeeded() } catch { failure = error }
        }
        if let f = failure { throw f }
    }

    /// One key: [EXPIRETIME_MS] type key value.
    public func writeKey(_ key: Bytes, _ value: Value, expireAt: Int64?) {
        if let at = expireAt {
            put(Rdb.opExpireTimeMs)
            putLE(UInt64(bitPattern: at), 8)
        }
        writeObjectType(value)
        key.withBytes { putString($0) }
        writeObject(value)
    }

    /// EOF and the checksum (8 zero bytes when `checksum` is off); flushes to the sink.
    public func finish(checksum: Bool) throws {
        put(Rdb.opEOF)
        if sinkChecksums {
            try flush()
            return
        }
        let sum: UInt64
        if checksum {
            crc = crc64(crc, buf)
            sum = crc
        } else {
            sum = 0
        }
        if sink != nil {
            // The CRC above already covers `buf`; hand it over without counting it twice.
            putLE(sum, 8)
            let s = sink!
            try buf.withUnsafeBytes { try s($0) }
            flushed += buf.count
            buf.removeAll()
        } else {
            putLE(sum, 8)
        }
    }
}

/// The redis-ver AUX field: the Redis version whose format we write.
let redisVersionForRdb = "7.0.15"
