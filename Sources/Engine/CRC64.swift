// CRC-64/Jones as Redis computes it (src/crc64.c: reflected polynomial 0xad93d23594c935a9,
// init 0, no final xor). It closes RDB files, DUMP payloads and FUNCTION DUMP payloads; a
// real Redis rejects a payload whose trailer doesn't match.

/// Eight 256-entry tables for slicing-by-8 (RDB files are checksummed end to end, so the
/// per-byte loop would be the slowest part of a save).
private let crc64Tables: [[UInt64]] = {
    let poly: UInt64 = 0x95ac9329ac4bc9b5   // 0xad93d23594c935a9 bit-reversed
    var t = [[UInt64]](repeating: [UInt64](repeating: 0, count: 256), count: 8)
    for i in 0..<256 {
        var c = UInt64(i)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ poly : c >> 1 }
        t[0][i] = c
    }
    for i in 0..<256 {
        for k in 1..<8 { t[k][i] = (t[k - 1][i] >> 8) ^ t[0][Int(t[k - 1][i] & 0xff)] }
    }
    return t
}()

/// Continues `crc` over `bytes` (start with 0).
public func crc64(_ crc: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var c = crc
    var i = 0
    let n = bytes.count
    crc64Tables.withUnsafeBufferPointer { t in
        let t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7]
        while n - i >= 8 {
            let w = c ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            c = t7[Int(w & 0xff)] ^ t6[Int((w >> 8) & 0xff)] ^ t5[Int((w >> 16) & 0xff)]
                ^ t4[Int((w >> 24) & 0xff)] ^ t3[Int((w >> 32) & 0xff)] ^ t2[Int((w >> 40) & 0xff)]
                ^ t1[Int((w >> 48) & 0xff)] ^ t0[Int(w >> 56)]
            i += 8
        }
        while i < n {
            c = t0[Int((c ^ UInt64(bytes[i])) & 0xff)] ^ (c >> 8)
            i += 1
        }
    }
    return c
}

public func crc64(_ crc: UInt64, _ bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBytes { crc64(crc, $0) }
}

/// The RDB version DUMP payloads carry (Redis 7.0 writes 10 and refuses anything newer).
public let dumpRdbVersion: UInt16 = 10

/// DUMP / FUNCTION DUMP framing: body, 2-byte RDB version (LE), CRC64 of both (LE).
public func dumpPayload(_ body: [UInt8]) -> [UInt8] {
    var out = body
    out.append(UInt8(dumpRdbVersion & 0xff))
    out.append(UInt8(dumpRdbVersion >> 8))
    let crc = crc64(0, out)
    for k in 0..<8 { out.append(UInt8((crc >> (8 * UInt64(k))) & 0xff)) }
    return out
}

/// The body of a DUMP-framed payload, or nil when it is too short, its version is newer than
/// ours or its checksum doesn't match (Redis: "DUMP payload version or checksum are wrong").
public func dumpPayloadBody(_ payload: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
    let n = payload.count
    guard n >= 10 else { return nil }
    let version = UInt16(payload[n - 10]) | UInt16(payload[n - 9]) << 8
    guard version <= dumpRdbVersion else { return nil }
    var stored: UInt64 = 0
    for k in 0..<8 { stored |= UInt64(payload[n - 8 + k]) << (8 * UInt64(k)) }
    let covered = UnsafeRawBufferPointer(rebasing: payload[0..<(n - 8)])
    guard crc64(0, covered) == stored else { return nil }
    return UnsafeRawBufferPointer(rebasing: payload[0..<(n - 10)])
}
