import XCTest
@testable import Engine

final class CRC64Tests: XCTestCase {
    // The check value of CRC-64/Jones (Redis's crc64Test).
    func testRedisVectors() {
        XCTAssertEqual(crc64(0, Array("123456789".utf8)), 0xe9c6d914c4b8d9ca)
    }

    /// Slicing-by-8 must agree with the byte loop at every length and split point.
    func testChunkedEqualsWhole() {
        var rng = SplitMix(7)
        let data = (0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = crc64(0, data)
        for cut in [0, 1, 7, 8, 9, 63, 150, 299, 300] {
            let a = crc64(0, Array(data[0..<cut]))
            XCTAssertEqual(crc64(a, Array(data[cut...])), whole, "cut \(cut)")
        }
    }

    /// DUMP of a string "bar" in real Redis 7.0.15: \x00\x03bar\n\x00 + CRC.
    func testDumpFramingMatchesRedis() {
        let p = dumpPayload([0, 3, 98, 97, 114])
        XCTAssertEqual(p, [0x00, 0x03, 0x62, 0x61, 0x72, 0x0a, 0x00, 0xe6, 0xbe, 0x49, 0x60, 0xee, 0x66, 0xfd, 0x17])
        p.withUnsafeBytes { raw in
            XCTAssertEqual(dumpPayloadBody(raw).map(Array.init), [0, 3, 98, 97, 114])
        }
        var bad = p; bad[2] ^= 1
        bad.withUnsafeBytes { XCTAssertNil(dumpPayloadBody($0)) }
    }
}
