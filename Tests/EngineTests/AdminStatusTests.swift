import XCTest
import Admin
@testable import Engine
import RESP

final class AdminStatusTests: XCTestCase {
    func json(_ h: EngineHarness, _ args: String...) -> String {
        guard case .bulk(let b) = h.value(args) else { XCTFail("not a bulk: \(h.value(args))"); return "" }
        return String(decoding: b, as: UTF8.self)
    }

    func testHelloAndStatusDocuments() {
        let h = EngineHarness()
        h.engine.serverInfo.tcpPort = 7000
        let hello = json(h, "ADMIN", "HELLO")
        XCTAssertTrue(hello.hasPrefix(#"{"protocolVersion":1,"schema":1,"nodeId":""#), hello)
        XCTAssertTrue(hello.contains(#""role":"master""#) && hello.contains(#""eventChannel":"__keyward__:events""#), hello)
        h.run("SET", "a", "1")
        h.run("PEXPIRE", "a", "100000")
        let status = json(h, "ADMIN", "STATUS")
        XCTAssertTrue(status.hasPrefix(#"{"schema":1,"address":"127.0.0.1:7000","source":"admin","reachable":true,"role":"master","#), status)
        XCTAssertTrue(status.contains(#""keyspace":[{"db":0,"keys":1,"expires":1}]"#), status)
        XCTAssertTrue(status.contains(#""keywardVersion":"#), status)
        XCTAssertTrue(status.contains(#""replication":{"replid":"#), status)
        XCTAssertEqual(h.raw(["ADMIN", "STATUS", "x"]), "-ERR wrong number of arguments for 'admin|status' command\r\n")
    }

    func testRoleChangesAreEventsOnTheChannelAndInTheRing() {
        let h = EngineHarness()
        let sub = EngineHarness(engine: h.engine, id: 2)
        sub.run("SUBSCRIBE", "__keyward__:events")
        h.engine.setReplicaMode(false)   // a master staying master: no event
        XCTAssertEqual(json(h, "ADMIN", "EVENTS"), "[]")
        h.run("REPLICAOF", "127.0.0.1", "1")
        let events = json(h, "ADMIN", "EVENTS")
        XCTAssertTrue(events.contains(#""kind":"role""#) && events.contains("role master -> replica of 127.0.0.1:1"), events)
        let pushed = String(decoding: sub.client.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(pushed.contains("__keyward__:events") && pushed.contains("role master -> replica"), pushed)
        h.run("REPLICAOF", "NO", "ONE")
        XCTAssertTrue(json(h, "ADMIN", "EVENTS", "1").contains("role replica -> master"))
        XCTAssertEqual(h.raw(["ADMIN", "EVENTS", "x"]), "-ERR syntax error\r\n")
    }

    func testSentinelEventsGoToTheirChannelAndAreAdminEvents() {
        let h = EngineHarness()
        h.engine.now = 1_796_000_000_123
        let redisStyle = EngineHarness(engine: h.engine, id: 2)
        redisStyle.run("SUBSCRIBE", "+switch-master")
        let admin = EngineHarness(engine: h.engine, id: 3)
        admin.run("SUBSCRIBE", "__keyward__:events")
        redisStyle.client.out.clear()
        admin.client.out.clear()
        h.engine.publishSentinelEvent("+switch-master", "mymaster 127.0.0.1 7000 127.0.0.1 7001")
        // Redis's channel and message are unchanged.
        XCTAssertEqual(String(decoding: redisStyle.client.out.readableBytes, as: UTF8.self),
                       "*3\r\n$7\r\nmessage\r\n$14\r\n+switch-master\r\n$38\r\nmymaster 127.0.0.1 7000 127.0.0.1 7001\r\n")
        let pushed = String(decoding: admin.client.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(pushed.contains(#""kind":"sentinel""#) && pushed.contains("+switch-master mymaster 127.0.0.1 7000"), pushed)
        let events = json(h, "ADMIN", "EVENTS")
        XCTAssertTrue(events.contains(#"{"time":1796000000123,"kind":"sentinel","#), events)
        XCTAssertTrue(events.contains(#""message":"+switch-master mymaster 127.0.0.1 7000 127.0.0.1 7001"}"#), events)
    }
}
