// Cluster hash slots: CRC16 of the key (or of its {hash tag}) mod 16384, exactly as Redis's
// keyHashSlot (src/cluster.c) over crc16.c (CRC16-XMODEM: poly 0x1021, init 0, no reflection,
// no final xor; check value CRC16("123456789") == 0x31C3).

/// Number of cluster hash slots.
public let clusterSlots = 16384

/// 256-entry CRC16-XMODEM table, computed once. Read-only after initialisation.
nonisolated(unsafe) let crc16Table: UnsafeMutablePointer<UInt16> = {
    let t = UnsafeMutablePointer<UInt16>.allocate(capacity: 256)
    for i in 0..<256 {
        var crc = UInt16(i) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        t[i] = crc
    }
    return t
}()

/// CRC16-XMODEM of `raw`. O(length).
@inline(__always)
public func crc16(_ raw: UnsafeRawBufferPointer) -> UInt16 {
    let t = crc16Table
    var crc: UInt16 = 0
    for b in raw { crc = (crc << 8) ^ t[Int((crc >> 8) ^ UInt16(b)) & 0xff] }
    return crc
}

/// The cluster hash slot of a key: when the key holds `{...}` with at least one byte between
/// the first `{` and the first `}` after it, only those bytes are hashed. O(length).
@inline(__always)
public func keyHashSlot(_ raw: UnsafeRawBufferPointer) -> Int {
    let n = raw.count
    guard n > 0, let base = raw.baseAddress else { return Int(crc16(raw) & 0x3FFF) }
    guard let open = memchr(base, 0x7B, n) else { return Int(crc16(raw) & 0x3FFF) }
    let s = base.distance(to: UnsafeRawPointer(open))
    guard s + 1 < n, let close = memchr(base + s + 1, 0x7D, n - s - 1) else { return Int(crc16(raw) & 0x3FFF) }
    let e = base.distance(to: UnsafeRawPointer(close))
    if e == s + 1 { return Int(crc16(raw) & 0x3FFF) }
    return Int(crc16(UnsafeRawBufferPointer(start: base + s + 1, count: e - s - 1)) & 0x3FFF)
}

extension Bytes {
    /// The cluster hash slot of this key.
    public var hashSlot: Int { withBytes { keyHashSlot($0) } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
