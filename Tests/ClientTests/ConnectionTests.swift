import TestSupport
import Foundation
import XCTest
import KeywardClient
import RESP

final class ConnectionTests: XCTestCase {
    func testCommandsPipelineAndErrorsAgainstARealServer() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let c = try Connection(server.address)
        XCTAssertEqual(try c.command("SET", "k", "v"), .simple("OK"))
        XCTAssertEqual(try c.command("GET", "k"), .bulk(Array("v".utf8)))
        XCTAssertEqual(try c.command(["GET", "missing"]), .null)
        let replies = try c.pipeline([["INCR", "n"], ["INCR", "n"], ["LPUSH", "k", "x"]])
        XCTAssertEqual(replies[0], .integer(1))
        XCTAssertEqual(replies[1], .integer(2))
        XCTAssertEqual(replies[2], .error("WRONGTYPE Operation against a key holding the wrong kind of value"))
        XCTAssertThrowsError(try c.call("LPUSH", "k", "x")) { e in
            XCTAssertEqual(e as? ClientError, .server("WRONGTYPE Operation against a key holding the wrong kind of value"))
        }
        // A value larger than one read.
        let big = [UInt8](repeating: 65, count: 300_000)
        XCTAssertEqual(try c.command([Array("SET".utf8), Array("big".utf8), big]), .simple("OK"))
        XCTAssertEqual(try c.command(["GET", "big"]), .bulk(big))
    }

    func testPubSubWaitReturnsNilOnTimeoutThenDeliversMessages() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let sub = try Connection(server.address)
        XCTAssertEqual(try sub.command("SUBSCRIBE", "ch").array?.count, 3)
        XCTAssertNil(try sub.nextReply(wait: 0.05))
        let pub = try Connection(server.address)
        XCTAssertEqual(try pub.command("PUBLISH", "ch", "hello"), .integer(1))
        let msg = try sub.readReply(wait: 5)
        XCTAssertEqual(msg.array?.map { $0.string }, ["message", "ch", "hello"])
    }

    func testUnreachableAndClosedServersFailWithClearErrors() throws {
        let port = ServerAddress.freeLoopbackPort()
        XCTAssertThrowsError(try Connection(ServerAddress(host: "127.0.0.1", port: port), timeout: 1)) { e in
            guard case .connect(let text)? = e as? ClientError else { return XCTFail("\(e)") }
            XCTAssertTrue(text.contains("127.0.0.1:\(port)"), text)
        }
        let server = try ServerProcess()
        let c = try Connection(server.address)
        server.stop()
        XCTAssertThrowsError(try c.command("PING"))
    }

    func testAddressParsing() throws {
        XCTAssertEqual(try ServerAddress(parsing: "10.0.0.1:6380"), ServerAddress(host: "10.0.0.1", port: 6380))
        XCTAssertEqual(try ServerAddress(parsing: "[::1]:7000"), ServerAddress(host: "::1", port: 7000))
        XCTAssertEqual(try ServerAddress(parsing: "6379"), ServerAddress(host: "127.0.0.1", port: 6379))
        XCTAssertEqual(ServerAddress(host: "::1", port: 7000).description, "[::1]:7000")
        for bad in ["", "host", "host:", "host:0", "host:70000", ":80"] {
            XCTAssertThrowsError(try ServerAddress(parsing: bad), bad)
        }
    }
}
