// RDB file format constants (Redis 7.0, RDB version 10; src/rdb.h) and the codec's error.
//
// File: "REDIS" + 4-digit version, then opcodes: AUX fields, per database SELECTDB + RESIZEDB
// and its keys ([EXPIRETIME_MS t] [IDLE s | FREQ f] <type> <key> <value>), then EOF and an
// 8-byte little-endian CRC64 of everything before it (0 when rdbchecksum is off).
// Lengths: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits, big endian), 0x80 + 4 bytes and
// 0x81 + 8 bytes (big endian); 11xxxxxx marks a specially encoded string: an 8/16/32-bit int
// (little endian) or an LZF-compressed blob (compressed length, original length, data).

enum Rdb {
    static let version = 10

    // Value types.
    static let typeString: UInt8 = 0
    static let typeList: UInt8 = 1
    static let typeSet: UInt8 = 2
    static let typeZset: UInt8 = 3
    static let typeHash: UInt8 = 4
    static let typeZset2: UInt8 = 5
    static let typeModule: UInt8 = 6
    static let typeModule2: UInt8 = 7
    static let typeHashZipmap: UInt8 = 9
    static let typeListZiplist: UInt8 = 10
    static let typeSetIntset: UInt8 = 11
    static let typeZsetZiplist: UInt8 = 12
    static let typeHashZiplist: UInt8 = 13
    static let typeListQuicklist: UInt8 = 14
    static let typeStreamListpacks: UInt8 = 15
    static let typeHashListpack: UInt8 = 16
    static let typeZsetListpack: UInt8 = 17
    static let typeListQuicklist2: UInt8 = 18
    static let typeStreamListpacks2: UInt8 = 19

    // Opcodes.
    static let opFunction2: UInt8 = 245
    static let opFunction: UInt8 = 246
    static let opModuleAux: UInt8 = 247
    static let opIdle: UInt8 = 248
    static let opFreq: UInt8 = 249
    static let opAux: UInt8 = 250
    static let opResizeDB: UInt8 = 251
    static let opExpireTimeMs: UInt8 = 252
    static let opExpireTime: UInt8 = 253
    static let opSelectDB: UInt8 = 254
    static let opEOF: UInt8 = 255

    // Length encodings.
    static let len6: UInt8 = 0
    static let len14: UInt8 = 1
    static let len32: UInt8 = 0x80
    static let len64: UInt8 = 0x81
    static let encVal: UInt8 = 3
    static let encInt8: UInt8 = 0
    static let encInt16: UInt8 = 1
    static let encInt32: UInt8 = 2
    static let encLZF: UInt8 = 3

    // Quicklist node containers (QUICKLIST_2).
    static let containerPlain: UInt64 = 1
    static let containerPacked: UInt64 = 2

    // Module value opcodes (RDB_MODULE_OPCODE_*).
    static let moduleEOF: UInt64 = 0
    static let moduleSInt: UInt64 = 1
    static let moduleUInt: UInt64 = 2
    static let moduleFloat: UInt64 = 3
    static let moduleDouble: UInt64 = 4
    static let moduleString: UInt64 = 5

    /// Redis's module-type id: nine characters of a 64-symbol alphabet (6 bits each) then a
    /// 10-bit encoding version (moduleTypeEncodeId).
    static let moduleCharset = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func moduleId(_ name: String, encver: Int) -> UInt64 {
        var id: UInt64 = 0
        for ch in name.utf8 {
            id = (id << 6) | UInt64(moduleCharset.firstIndex(of: ch) ?? 0)
        }
        return (id << 10) | UInt64(encver & 1023)
    }

    static func moduleName(_ id: UInt64) -> String {
        var chars: [UInt8] = []
        var v = id >> 10
        for _ in 0..<9 { chars.append(moduleCharset[Int(v & 63)]); v >>= 6 }
        return String(decoding: chars.reversed(), as: UTF8.self)
    }
}

/// A malformed or unsupported RDB input (or a failed write). The text is what the log shows.
public struct RdbError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
