import XCTest
@testable import RESP

final class RESPEncoderTests: XCTestCase {
    func encode(_ body: (inout ByteBuffer) -> Void) -> String {
        var b = ByteBuffer(capacity: 16)
        body(&b)
        return String(decoding: b.readableBytes, as: UTF8.self)
    }

    func testTypesPerProtocol() {
        XCTAssertEqual(encode { $0.writeNull(.v2) }, "$-1\r\n")
        XCTAssertEqual(encode { $0.writeNull(.v3) }, "_\r\n")
        XCTAssertEqual(encode { $0.writeNullArray(.v2) }, "*-1\r\n")
        XCTAssertEqual(encode { $0.writeMapHeader(2, .v2) }, "*4\r\n")
        XCTAssertEqual(encode { $0.writeMapHeader(2, .v3) }, "%2\r\n")
        XCTAssertEqual(encode { $0.writeSetHeader(3, .v3) }, "~3\r\n")
        XCTAssertEqual(encode { $0.writeBool(true, .v2) }, ":1\r\n")
        XCTAssertEqual(encode { $0.writeBool(false, .v3) }, "#f\r\n")
        XCTAssertEqual(encode { $0.writeDouble("1.5", .v2) }, "$3\r\n1.5\r\n")
        XCTAssertEqual(encode { $0.writeDouble("1.5", .v3) }, ",1.5\r\n")
        XCTAssertEqual(encode { $0.writeVerbatim("hi", .v3) }, "=6\r\ntxt:hi\r\n")
        XCTAssertEqual(encode { $0.writeVerbatim("hi", .v2) }, "$2\r\nhi\r\n")
        XCTAssertEqual(encode { $0.writeInt(Int64.min) }, ":-9223372036854775808\r\n")
        XCTAssertEqual(encode { $0.writeBulkDecimal(-42) }, "$3\r\n-42\r\n")
        XCTAssertEqual(encode { $0.writeError("ERR a\r\nb") }, "-ERR a  b\r\n")
    }

    func testDeferredHeaderAndGrowth() {
        let s = encode { b in
            let t = b.beginDeferred()
            for i in 0..<1000 { b.writeInt(i) }
            b.fillDeferredArray(t, 1000)
        }
        XCTAssertTrue(s.hasPrefix("*1000\r\n:0\r\n:1\r\n"))
        guard let (v, used) = try? parseRESPValue(Array(s.utf8)) else { return XCTFail() }
        XCTAssertEqual(used, s.utf8.count)
        XCTAssertEqual(v.array?.count, 1000)
    }

    func testReplyParserRoundTripAndIncomplete() throws {
        let s = Array("%1\r\n$1\r\na\r\n*2\r\n:1\r\n,2.5\r\n".utf8)
        for cut in 0..<s.count { XCTAssertNil(try parseRESPValue(Array(s[0..<cut]))) }
        let (v, _) = try XCTUnwrap(try parseRESPValue(s))
        XCTAssertEqual(v, .map([(.bulk([97]), .array([.integer(1), .double("2.5")]))]))
    }
}
