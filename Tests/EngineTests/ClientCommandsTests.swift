import XCTest
@testable import Engine
import RESP

/// CLIENT subcommands; texts as redis-server 7.0.15 answers them (SETINFO/NO-TOUCH as 7.2).
final class ClientCommandsTests: XCTestCase {
    func harness(_ proto: RESPVersion = .v2) -> EngineHarness {
        let h = EngineHarness(proto: proto)
        h.engine.now = 1_000_000
        h.client.addr = "127.0.0.1:47564"
        h.client.laddr = "127.0.0.1:6379"
        h.client.fd = 8
        h.client.createdAt = 995_000
        h.client.lastInteraction = 999_000
        h.client.queryBufferSize = 26
        h.client.queryBufferFree = 20448
        h.client.argvMem = 10
        return h
    }

    func add(_ h: EngineHarness, _ id: Int64, _ addr: String) -> ClientState {
        let c = ClientState(id: id)
        c.addr = addr
        c.laddr = "127.0.0.1:6379"
        h.engine.clients[id] = c
        return c
    }

    func testInfoLineFormat() {
        let h = harness()
        let line = h.run("CLIENT", "INFO").string ?? ""
        XCTAssertEqual(line, "id=1 addr=127.0.0.1:47564 laddr=127.0.0.1:6379 fd=8 name= age=5 idle=1 flags=N db=0 sub=0 psub=0 ssub=0 "
                       + "multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=\(h.client.out.capacity) rbp=0 obl=0 oll=0 omem=0 "
                       + "tot-mem=\(1024 + 26 + 20448 + 10 + h.client.out.capacity) events=r cmd=client|info user=default redir=-1 resp=2\n")
        let h3 = harness(.v3)
        XCTAssertTrue(h3.raw(["client", "info"]).hasPrefix("=\(h3.run("client", "info").string!.utf8.count + 4)\r\ntxt:id=1 "))
    }

    func testListFiltersAndFlags() {
        let h = harness()
        let m = add(h, 7, "127.0.0.1:6000")
        m.isMonitor = true
        let r = add(h, 9, "10.0.0.2:7000")
        r.isReplica = true
        let u = add(h, 3, "/tmp/k.sock:0")
        u.name = "sock"
        u.noEvict = true
        h.engine.serverState.clientHooks.append { c, d in
            if c.id == 3 { d.flags.insert("P"); d.sub = 2; d.isPubSub = true }
        }
        let all = h.run("client", "list").string!.split(separator: "\n").map(String.init)
        XCTAssertEqual(all.map { $0.split(separator: " ")[0] }, ["id=1", "id=3", "id=7", "id=9"])
        XCTAssertTrue(all[1].contains(" name=sock ") && all[1].contains(" flags=PUe ") && all[1].contains(" sub=2 "), all[1])
        XCTAssertTrue(all[2].contains(" flags=O "), all[2])
        XCTAssertTrue(all[3].contains(" flags=S "), all[3])
        func ids(_ args: String...) -> [String] {
            (h.value(["client", "list"] + args).string ?? "").split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        }
        XCTAssertEqual(ids("TYPE", "Normal"), ["id=1", "id=7"])
        XCTAssertEqual(ids("type", "replica"), ["id=9"])
        XCTAssertEqual(ids("type", "slave"), ["id=9"])
        XCTAssertEqual(ids("type", "pubsub"), ["id=3"])
        XCTAssertEqual(ids("type", "master"), [])
        XCTAssertEqual(ids("id", "9", "1", "999"), ["id=1", "id=9"])
        XCTAssertEqual(h.raw(["client", "list", "type", "foo"]), "-ERR Unknown client type 'foo'\r\n")
        XCTAssertEqual(h.raw(["client", "list", "id", "1", "2", "x"]), "-ERR Invalid client ID\r\n")
        XCTAssertEqual(h.raw(["client", "list", "id", "1", "type", "normal"]), "-ERR Invalid client ID\r\n")
        XCTAssertEqual(h.raw(["client", "list", "id"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "list", "id", "999"]), "$0\r\n\r\n")
    }

    func testIdNamesAndInfoAttributes() {
        let h = harness()
        XCTAssertEqual(h.raw(["client", "id"]), ":1\r\n")
        XCTAssertEqual(h.raw(["client", "getname"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["client", "setname", "a b"]), "-ERR Client names cannot contain spaces, newlines or special characters.\r\n")
        XCTAssertEqual(h.raw(["client", "setname", "foo"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["client", "getname"]), "$3\r\nfoo\r\n")
        XCTAssertEqual(h.raw(["client", "setname", ""]), "+OK\r\n")
        XCTAssertEqual(h.raw(["client", "getname"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["client", "setinfo", "LIB-NAME", "redis-py"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["client", "setinfo", "lib-ver", "8.1.0"]), "+OK\r\n")
        XCTAssertEqual(h.client.libName, "redis-py")
        XCTAssertEqual(h.client.libVersion, "8.1.0")
        XCTAssertEqual(h.raw(["client", "setinfo", "lib-name", "a b"]), "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n")
        XCTAssertEqual(h.raw(["client", "setinfo", "foo", "bar"]), "-ERR Unrecognized option 'foo'\r\n")
        XCTAssertEqual(h.raw(["client", "id", "x"]), "-ERR wrong number of arguments for 'client|id' command\r\n")
        XCTAssertEqual(h.raw(["client", "foo"]), "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n")
        XCTAssertEqual(h.raw(["client", "getredir"]), ":-1\r\n")
        XCTAssertEqual(h.raw(["client", "trackinginfo"]), "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n")
        XCTAssertEqual(h.raw(["client", "caching", "yes"]),
                       "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n")
        XCTAssertEqual(h.run("client", "help").array?.first, .simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
    }

    func testKill() {
        let h = harness()
        let a = add(h, 2, "10.0.0.1:1000")
        let b = add(h, 3, "10.0.0.2:2000")
        b.isReplica = true
        XCTAssertEqual(h.raw(["client", "kill", "1.2.3.4:5"]), "-ERR No such client\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "10.0.0.1:1000"]), "+OK\r\n")
        XCTAssertTrue(a.closeASAP)
        XCTAssertEqual(h.raw(["client", "kill", "id", "99999"]), ":0\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "id", "abc"]), "-ERR client-id should be greater than 0\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "id", "0"]), "-ERR client-id should be greater than 0\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "foo", "bar"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "id", "1", "type"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "type", "foo"]), "-ERR Unknown client type 'foo'\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "skipme", "maybe"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "user", "nobody"]), "-ERR No such user 'nobody'\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "maxage", "5"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "kill", "type", "normal"]), ":0\r\n", "skips itself, a is already closing")
        XCTAssertEqual(h.raw(["client", "kill", "type", "slave", "addr", "10.0.0.2:2000"]), ":1\r\n")
        XCTAssertTrue(b.closeASAP)
        XCTAssertEqual(h.raw(["client", "kill", "user", "default", "skipme", "no"]), ":1\r\n")
        XCTAssertTrue(h.client.closeAfterReply, "killing itself waits for the reply")
        XCTAssertFalse(h.client.closeASAP)
    }

    func testReplyModesPauseAndFlags() {
        let h = harness()
        XCTAssertEqual(h.raw(["client", "reply", "foo"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "reply", "skip"]), "")
        XCTAssertEqual(h.client.replyMode, .skipNext)
        XCTAssertEqual(h.raw(["client", "reply", "off"]), "")
        XCTAssertEqual(h.client.replyMode, .off)
        XCTAssertEqual(h.raw(["client", "reply", "skip"]), "")
        XCTAssertEqual(h.client.replyMode, .off, "SKIP does not undo OFF")
        XCTAssertEqual(h.raw(["client", "reply", "on"]), "+OK\r\n")
        XCTAssertEqual(h.client.replyMode, .on)

        XCTAssertEqual(h.raw(["client", "pause"]), "-ERR wrong number of arguments for 'client|pause' command\r\n")
        XCTAssertEqual(h.raw(["client", "pause", "abc"]), "-ERR timeout is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["client", "pause", "-1"]), "-ERR timeout is negative\r\n")
        XCTAssertEqual(h.raw(["client", "pause", "10", "foo"]), "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n")
        XCTAssertEqual(h.raw(["client", "pause", "10", "write", "x"]),
                       "-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.\r\n")
        XCTAssertEqual(h.raw(["client", "pause", "500", "write"]), "+OK\r\n")
        XCTAssertEqual(h.engine.serverState.pause, ClientPause(deadline: 1_000_500, kind: .write))
        let set = h.engine.table.lookup("set")!, get = h.engine.table.lookup("get")!
        XCTAssertTrue(h.engine.isPaused(h.client, set))
        XCTAssertFalse(h.engine.isPaused(h.client, get))
        XCTAssertEqual(h.raw(["client", "pause", "100", "all"]), "+OK\r\n")
        XCTAssertEqual(h.engine.serverState.pause, ClientPause(deadline: 1_000_500, kind: .all), "never shorter or weaker")
        XCTAssertTrue(h.engine.isPaused(h.client, get))
        h.engine.now = 1_000_600
        XCTAssertFalse(h.engine.isPaused(h.client, get))
        h.engine.serverCron()
        XCTAssertNil(h.engine.serverState.pause)
        h.run("client", "pause", "9223372036854775000")
        XCTAssertEqual(h.engine.serverState.pause?.deadline, Int64.max)
        XCTAssertEqual(h.raw(["client", "unpause"]), "+OK\r\n")
        XCTAssertNil(h.engine.serverState.pause)

        XCTAssertEqual(h.raw(["client", "no-evict", "maybe"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["client", "no-evict", "on"]), "+OK\r\n")
        XCTAssertTrue(h.client.noEvict)
        XCTAssertEqual(h.raw(["client", "no-touch", "on"]), "+OK\r\n")
        XCTAssertTrue(h.client.noTouch)
        XCTAssertTrue(h.run("client", "info").string!.contains(" flags=eT "))
        XCTAssertEqual(h.raw(["client", "no-touch", "off"]), "+OK\r\n")
        XCTAssertFalse(h.client.noTouch)
    }

    func testUnblockUsesTheBlockingHook() {
        let h = harness()
        let b = add(h, 5, "10.0.0.5:1")
        XCTAssertEqual(h.raw(["client", "unblock", "5"]), ":0\r\n")
        XCTAssertEqual(h.raw(["client", "unblock", "x"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["client", "unblock", "1", "foo"]), "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n")
        var got: (Int64, Bool)? = nil
        h.engine.serverState.unblockClient = { c, err in got = (c.id, err); return true }
        XCTAssertEqual(h.raw(["client", "unblock", "5", "error"]), ":1\r\n")
        XCTAssertEqual(got?.0, b.id)
        XCTAssertEqual(got?.1, true)
    }
}
