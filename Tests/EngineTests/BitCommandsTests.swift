// Bitmap family: the bit helpers against a trivially correct model (an array of Bools), and
// command behaviour the recorded transcripts (StringOracleTests) cannot show: growth, events,
// limits. Expected replies come from redis-server 7.0.15.
import XCTest
@testable import Engine
import RESP

final class BitCommandsTests: XCTestCase {
    /// Bits of `bytes`, most significant first (bit 0 is the top bit of byte 0).
    func model(_ bytes: [UInt8]) -> [Bool] { bytes.flatMap { b in (0..<8).map { b & (0x80 >> $0) != 0 } } }

    func testPopcountAndFirstBitAgainstModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let n = Int.random(in: 0..<40, using: &rng)
            let fill = [UInt8(0), 0xFF, 0x0F].randomElement(using: &rng)!
            var bytes = [UInt8](repeating: fill, count: n)
            if n > 0 && Bool.random(using: &rng) { bytes[Int.random(in: 0..<n, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let bits = model(bytes)
            // Unaligned starts exercise the word loop off its natural boundary.
            let skip = n > 0 ? Int.random(in: 0..<min(n, 3), using: &rng) : 0
            let tail = Array(bytes[skip...]), tailBits = Array(bits[(skip * 8)...])
            tail.withUnsafeBytes { p in
                XCTAssertEqual(popcount(p), Int64(tailBits.filter { $0 }.count))
                XCTAssertEqual(firstBit(p, true), Int64(tailBits.firstIndex(of: true) ?? -1))
                XCTAssertEqual(firstBit(p, false), Int64(tailBits.firstIndex(of: false) ?? tailBits.count))
            }
        }
    }

    func testBitfieldAccessorsAgainstModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var bytes = (0..<12).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let width = Int.random(in: 1...64, using: &rng)
            let offset = UInt64.random(in: 0...UInt64(96 - width), using: &rng)
            let value = UInt64.random(in: 0...UInt64.max, using: &rng)
            var bits = model(bytes)
            let read = bytes.withUnsafeBytes { getUnsignedField($0, offset, width) }
            let expected = (0..<width).reduce(UInt64(0)) { $0 << 1 | (bits[Int(offset) + $1] ? 1 : 0) }
            XCTAssertEqual(read, expected)
            bytes.withUnsafeMutableBytes { setUnsignedField($0, offset, width, value) }
            for j in 0..<width { bits[Int(offset) + j] = (value >> UInt64(width - 1 - j)) & 1 == 1 }
            XCTAssertEqual(model(bytes), bits)
            let s = signExtend(expected, width)
            XCTAssertEqual(width == 64 ? UInt64(bitPattern: s) : UInt64(bitPattern: s) & ((1 << UInt64(width)) - 1), expected)
        }
        // Reads past the end see zeros.
        [UInt8(0xFF)].withUnsafeBytes { XCTAssertEqual(getUnsignedField($0, 4, 8), 0xF0) }
    }

    func testSetbitGetbit() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["SETBIT", "b", "7", "1"]), ":0\r\n")
        XCTAssertEqual(h.raw(["GET", "b"]), "$1\r\n\u{01}\r\n")
        XCTAssertEqual(h.raw(["SETBIT", "b", "7", "0"]), ":1\r\n")
        XCTAssertEqual(h.raw(["SETBIT", "b", "100", "1"]), ":0\r\n")
        XCTAssertEqual(h.raw(["STRLEN", "b"]), ":13\r\n")
        XCTAssertEqual(h.raw(["GETBIT", "b", "100"]), ":1\r\n")
        XCTAssertEqual(h.raw(["GETBIT", "b", "1000000"]), ":0\r\n")
        XCTAssertEqual(h.encoding("b"), "raw")
        h.raw(["SET", "n", "1"])   // "1" is 0x31: bits 2, 3 and 7 set
        XCTAssertEqual(h.raw(["GETBIT", "n", "2"]), ":1\r\n")
        XCTAssertEqual(h.raw(["GETBIT", "n", "4"]), ":0\r\n")
        let offsetError = "-ERR bit offset is not an integer or out of range\r\n"
        XCTAssertEqual(h.raw(["SETBIT", "b", "4294967296", "1"]), offsetError)
        XCTAssertEqual(h.raw(["GETBIT", "b", "-1"]), offsetError)
        XCTAssertEqual(h.raw(["SETBIT", "b", "1", "2"]), "-ERR bit is not an integer or out of range\r\n")
        h.putWrongType("l")
        XCTAssertEqual(h.raw(["SETBIT", "l", "1", "1"]), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
    }

    func testSetbitEventsOnlyOnChange() {
        let h = EngineHarness()
        let log = h.recordEvents()
        h.raw(["SETBIT", "b", "0", "0"])    // creates the key: an event even though the bit is 0
        h.raw(["SETBIT", "b", "0", "0"])    // nothing changes
        h.raw(["SETBIT", "b", "0", "1"])
        h.raw(["SETBIT", "b", "20", "0"])   // grows the string
        h.raw(["BITFIELD", "nb", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"])   // creates, no event
        h.raw(["BITFIELD", "b", "SET", "u8", "0", "128"])                         // same bits
        h.raw(["BITFIELD", "b", "INCRBY", "u8", "0", "1"])
        h.raw(["SET", "x", "a"])
        h.raw(["BITOP", "NOT", "x", "missing"])   // empty result deletes the destination
        XCTAssertEqual(log.events, ["setbit b", "setbit b", "setbit b", "setbit b", "set x", "del x"])
        XCTAssertEqual(h.raw(["GET", "nb"]), "$1\r\n\0\r\n")
    }

    func testSetbitGrowsInPlace() {
        let h = EngineHarness()
        h.raw(["SETBIT", "b", "7", "1"])
        h.raw(["SETBIT", "b", "15", "1"])   // first growth: reallocated with spare room
        weak let buffer: HeapBytes? = { if case .raw(let b)? = h.stored("b") { return b } else { return nil } }()
        let capacity = buffer?.capacity ?? 0
        XCTAssertGreaterThan(capacity, 2)
        for byte in 2..<capacity { h.raw(["SETBIT", "b", "\(byte * 8 + 7)", "1"]) }
        XCTAssertNotNil(buffer, "SETBIT within capacity must not reallocate")
        XCTAssertEqual(h.raw(["BITCOUNT", "b"]), ":\(capacity)\r\n")
    }

    func testBitopAndBitcount() {
        let h = EngineHarness()
        h.raw(["SET", "a", "foobar"])
        XCTAssertEqual(h.raw(["BITCOUNT", "a"]), ":26\r\n")
        XCTAssertEqual(h.raw(["BITCOUNT", "a", "1", "1"]), ":6\r\n")
        XCTAssertEqual(h.raw(["BITCOUNT", "a", "5", "30", "BIT"]), ":17\r\n")
        XCTAssertEqual(h.raw(["BITCOUNT", "missing", "x", "y"]), ":0\r\n")   // 7.0 looks the key up first
        XCTAssertEqual(h.raw(["BITCOUNT", "a", "0"]), "-ERR syntax error\r\n")
        h.raw(["SET", "b", "abc"])
        XCTAssertEqual(h.raw(["BITOP", "XOR", "d", "a", "b"]), ":6\r\n")
        XCTAssertEqual(h.raw(["GETRANGE", "d", "3", "-1"]), "$3\r\nbar\r\n")
        XCTAssertEqual(h.raw(["BITOP", "NOT", "d", "a", "b"]), "-ERR BITOP NOT must be called with a single source key.\r\n")
        XCTAssertEqual(h.raw(["BITOP", "NAND", "d", "a"]), "-ERR syntax error\r\n")
        // Long inputs take the word path; the tail past the shorter input is zero-padded.
        h.raw(["SET", "x", String(repeating: "a", count: 90)])
        h.raw(["SET", "y", String(repeating: "b", count: 100)])
        XCTAssertEqual(h.raw(["BITOP", "OR", "d", "x", "y"]), ":100\r\n")
        XCTAssertEqual(h.raw(["GETRANGE", "d", "88", "91"]), "$4\r\nccbb\r\n")
    }

    func testBitposRanges() {
        let h = EngineHarness()
        h.raw(["SET", "z", "\u{7f}"])   // 0111 1111
        XCTAssertEqual(h.raw(["BITPOS", "z", "0"]), ":0\r\n")
        XCTAssertEqual(h.raw(["BITPOS", "z", "1"]), ":1\r\n")
        h.raw(["SETBIT", "o", "23", "1"])
        XCTAssertEqual(h.raw(["BITPOS", "o", "1"]), ":23\r\n")
        XCTAssertEqual(h.raw(["BITPOS", "o", "1", "0", "22", "BIT"]), ":-1\r\n")
        XCTAssertEqual(h.raw(["BITPOS", "o", "1", "-1", "-1", "BIT"]), ":23\r\n")
        XCTAssertEqual(h.raw(["BITPOS", "missing", "1", "x"]), ":-1\r\n")
        XCTAssertEqual(h.raw(["BITPOS", "o", "2"]), "-ERR The bit argument must be 1 or 0.\r\n")
        XCTAssertEqual(h.raw(["BITPOS", "o", "1", "0", "BIT"]), "-ERR value is not an integer or out of range\r\n")
    }

    func testBitfield() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0", "INCRBY", "i8", "0", "100"]),
                       "*3\r\n:0\r\n:100\r\n:-56\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100",
                              "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "100", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "100"]),
                       "*3\r\n:44\r\n$-1\r\n:-112\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "bf", "GET", "u8", "#1", "SET", "u8", "#1", "255", "GET", "u16", "0"]),
                       "*3\r\n:0\r\n:0\r\n:37119\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "x", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1"]),
                       "*2\r\n:0\r\n:-9223372036854775808\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "bf", "GET", "u64", "0"]),
                       "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "bf", "OVERFLOW", "BAD"]), "-ERR Invalid OVERFLOW type specified\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "bf", "GET", "u8", "#536870912"]), "-ERR bit offset is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["BITFIELD_RO", "bf", "GET", "u8", "0"]), "*1\r\n:144\r\n")
        XCTAssertEqual(h.raw(["BITFIELD_RO", "bf", "SET", "u8", "0", "1"]), "-ERR BITFIELD_RO only supports the GET subcommand\r\n")
        XCTAssertEqual(h.raw(["BITFIELD", "nokey", "GET", "u8", "0"]), "*1\r\n:0\r\n")
        XCTAssertNil(h.stored("nokey"))
    }
}
