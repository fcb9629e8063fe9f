import XCTest
@testable import Engine
import RESP

final class ConnectionCommandsTests: XCTestCase {
    func testPingEchoSelect() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["PING"]), "+PONG\r\n")
        XCTAssertEqual(h.raw(["ping", "hi"]), "$2\r\nhi\r\n")
        XCTAssertEqual(h.raw(["ECHO", "x"]), "$1\r\nx\r\n")
        XCTAssertEqual(h.raw(["select", "16"]), "-ERR DB index is out of range\r\n")
        XCTAssertEqual(h.raw(["select", "x"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["select", "3"]), "+OK\r\n")
        XCTAssertEqual(h.client.db, 3)
    }

    func testUnknownCommandAndArity() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["nosuch", "a", "b"]), "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n")
        XCTAssertEqual(h.raw(["get"]), "-ERR wrong number of arguments for 'get' command\r\n")
    }

    func testHelloSwitchesProtocol() {
        let h = EngineHarness()
        let v = h.run("HELLO", "3")
        guard case .map(let pairs) = v else { return XCTFail("\(v)") }
        XCTAssertTrue(pairs.contains { $0.0 == .bulk(Array("proto".utf8)) && $0.1 == .integer(3) })
        XCTAssertEqual(h.raw(["GET", "missing"]), "_\r\n")
        XCTAssertEqual(h.raw(["HELLO", "4"]), "-NOPROTO unsupported protocol version\r\n")
    }
}
