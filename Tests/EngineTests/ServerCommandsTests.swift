import XCTest
@testable import Engine
import RESP

/// INFO, TIME, LASTSAVE, SHUTDOWN, SLOWLOG, LATENCY, MONITOR, DEBUG; byte-exact where
/// redis-server 7.0.15's answer is stable.
final class ServerCommandsTests: XCTestCase {
    func headers(_ info: String) -> [String] {
        info.split(separator: "\r\n").filter { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) }
    }

    func testInfoSectionsAndLayout() {
        let h = EngineHarness()
        h.engine.serverInfo.tcpPort = 6380
        let def = h.run("INFO").string ?? ""
        XCTAssertEqual(headers(def), ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                                      "Errorstats", "Cluster", "Keyspace"])
        XCTAssertTrue(def.hasPrefix("# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n"))
        XCTAssertTrue(def.contains("\r\ntcp_port:6380\r\n"))
        XCTAssertTrue(def.contains("\r\nkeyward_version:\(ServerIdentity.keywardVersion)\r\n"))
        XCTAssertTrue(def.contains("\r\n\r\n# Clients\r\nconnected_clients:1\r\ncluster_connections:0\r\nmaxclients:10000\r\n"))
        XCTAssertTrue(def.contains("\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:"))
        XCTAssertTrue(def.contains("\r\naof_enabled:0\r\n"))
        XCTAssertTrue(def.contains("\r\n# Modules\r\n\r\n# Errorstats\r\n"))
        XCTAssertTrue(def.hasSuffix("# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n"))
        let all = h.run("INFO", "all").string ?? ""
        XCTAssertEqual(headers(all), ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                                      "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"])
        XCTAssertEqual(headers(h.run("INFO", "everything").string ?? "").count, 13)
        XCTAssertEqual(headers(h.run("info", "CPU", "server").string ?? ""), ["Server", "CPU"])
        XCTAssertEqual(headers(h.run("info", "default", "commandstats").string ?? "").count, 12)
        XCTAssertEqual(h.raw(["info", "foo", "bar"]), "$0\r\n\r\n")
        // Every line is name:value.
        for line in all.split(separator: "\r\n") where !line.hasPrefix("#") {
            XCTAssertTrue(line.contains(":"), String(line))
        }
    }

    func testInfoKeyspaceStatsAndErrorsAreExact() {
        let h = EngineHarness()
        h.run("SET", "a", "1")
        h.run("GET", "a")
        h.run("GET", "b")
        h.run("foo")
        XCTAssertEqual(h.raw(["info", "keyspace"]), "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n")
        XCTAssertEqual(h.raw(["info", "cluster", "keyspace"]),
                       "$76\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n")
        XCTAssertEqual(h.raw(["info", "errorstats"]), "$37\r\n# Errorstats\r\nerrorstat_ERR:count=1\r\n\r\n")
        let stats = h.run("info", "stats").string ?? ""
        XCTAssertTrue(stats.contains("\r\nkeyspace_hits:1\r\nkeyspace_misses:1\r\n"))
        XCTAssertTrue(stats.contains("\r\ntotal_error_replies:1\r\n"))
        let cmd = h.run("info", "commandstats").string ?? ""
        XCTAssertTrue(cmd.contains("cmdstat_get:calls=2,usec="), cmd)
        XCTAssertTrue(cmd.contains(",rejected_calls=0,failed_calls=0\r\n"), cmd)
        h.run("config", "get", "hz")
        h.run("config")
        let cmd2 = h.run("info", "commandstats").string ?? ""
        XCTAssertTrue(cmd2.contains("cmdstat_config|get:calls=1,"), cmd2)
        XCTAssertTrue(cmd2.contains("cmdstat_config:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"), cmd2)
    }

    func testInfoRESP3IsVerbatimAndHooksEditSections() {
        let h = EngineHarness(proto: .v3)
        h.engine.serverState.infoHooks["stats", default: []].append { _, f in f["pubsub_channels"] = "3" }
        h.engine.serverState.infoHooks["replication", default: []].append { _, f in
            f["role"] = "slave"
            f.insert("master_host", "10.0.0.1", after: "role")
        }
        XCTAssertTrue(h.raw(["info", "cluster"]) == "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n")
        XCTAssertTrue(h.run("info", "stats").string!.contains("\r\npubsub_channels:3\r\n"))
        XCTAssertTrue(h.run("info", "replication").string!.hasPrefix("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nconnected_slaves:0\r\n"))
    }

    func testInstantaneousOpsFromCron() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.engine.serverCron()
        for _ in 0..<16 { h.run("PING") }
        h.engine.now += 100
        h.engine.serverCron()
        // 16 commands in 100 ms is 160/s in one of 16 samples.
        XCTAssertTrue(h.run("info", "stats").string!.contains("\r\ninstantaneous_ops_per_sec:10\r\n"))
    }

    func testTimeLastsaveShutdown() {
        let h = EngineHarness()
        h.engine.now = 1_700_000_000_123
        let t = h.run("TIME").array?.compactMap(\.string)
        XCTAssertEqual(t?.first, "1700000000")
        XCTAssertEqual((Int(t?.last ?? "") ?? 0) / 1000, 123)
        h.engine.lastSave = 1_699_999_999
        XCTAssertEqual(h.raw(["LASTSAVE"]), ":1699999999\r\n")

        XCTAssertEqual(h.raw(["shutdown", "foo"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["shutdown", "nosave", "save"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["shutdown", "abort", "now"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["shutdown", "abort"]), "-ERR No shutdown in progress.\r\n")
        XCTAssertNil(h.engine.shutdownRequest)
        XCTAssertEqual(h.raw(["SHUTDOWN", "NOSAVE", "NOW"]), "", "the server replies or exits")
        XCTAssertEqual(h.engine.shutdownRequest?.save, false)
        XCTAssertEqual(h.engine.shutdownRequest?.now, true)
        XCTAssertEqual(h.raw(["shutdown", "abort"]), "+OK\r\n")
        XCTAssertNil(h.engine.shutdownRequest)
        // The handler saves (or not) itself, so the server is told not to save again.
        h.run("config", "set", "save", "")
        h.run("shutdown")
        XCTAssertNotNil(h.engine.shutdownRequest)
        XCTAssertEqual(h.engine.shutdownRequest?.save, false)
    }

    func testSlowlogRecordsTruncatesAndRedacts() {
        let h = EngineHarness()
        h.engine.now = 1_795_993_781_000
        h.client.addr = "127.0.0.1:36460"
        h.run("config", "set", "slowlog-log-slower-than", "0")
        h.run("SET", String(repeating: "a", count: 150), "v")
        h.run("client", "setname", "myname")
        h.value(["set"] + (0..<34).map { "x\($0)" })
        h.run("config", "set", "requirepass", "secret")
        h.run("config", "set", "requirepass", "")
        guard let entries = h.run("slowlog", "get", "5").array, entries.count == 5 else { return XCTFail() }
        // Newest first: config set (x2), the 35-argument set, client setname, the long-key set.
        let long = entries[4].array!
        XCTAssertEqual(long[0], .integer(1))
        XCTAssertEqual(long[1], .integer(1_795_993_781))
        XCTAssertEqual(long[3], .array([.bulk(Array("SET".utf8)), .bulk(Array((String(repeating: "a", count: 128) + "... (22 more bytes)").utf8)),
                                       .bulk(Array("v".utf8))]))
        XCTAssertEqual(long[4], .bulk(Array("127.0.0.1:36460".utf8)))
        XCTAssertEqual(long[5], .bulk([]))
        XCTAssertEqual(entries[3].array![5], .bulk(Array("myname".utf8)))
        let many = entries[2].array![3].array!
        XCTAssertEqual(many.count, 32)
        XCTAssertEqual(many[31], .bulk(Array("... (4 more arguments)".utf8)))
        XCTAssertEqual(entries[1].array![3].array!.last, .bulk(Array("(redacted)".utf8)))
        XCTAssertEqual(h.run("slowlog", "get", "-1").array?.count, 7)
        XCTAssertEqual(h.raw(["slowlog", "get", "0"]), "*0\r\n")
        XCTAssertEqual(h.raw(["slowlog", "get", "abc"]), "-ERR count should be greater than or equal to -1\r\n")
        XCTAssertEqual(h.raw(["slowlog", "get", "-2"]), "-ERR count should be greater than or equal to -1\r\n")
        XCTAssertEqual(h.raw(["slowlog", "foo"]), "-ERR unknown subcommand 'foo'. Try SLOWLOG HELP.\r\n")
        XCTAssertEqual(h.run("slowlog", "help").array?.count, 12)
        XCTAssertEqual(h.raw(["slowlog", "reset"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["slowlog", "len"]), ":1\r\n", "the RESET itself was logged")
        h.run("config", "set", "slowlog-max-len", "2")
        for _ in 0..<5 { h.run("PING") }
        XCTAssertEqual(h.raw(["slowlog", "len"]), ":2\r\n")
        h.run("config", "set", "slowlog-log-slower-than", "-1")
        h.run("slowlog", "reset")
        h.run("PING")
        XCTAssertEqual(h.raw(["slowlog", "len"]), ":0\r\n")
    }

    func testLatencyMonitor() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["latency", "latest"]), "*0\r\n")
        XCTAssertEqual(h.raw(["latency", "history", "command"]), "*0\r\n")
        XCTAssertEqual(h.raw(["latency", "reset"]), ":0\r\n")
        XCTAssertEqual(h.raw(["latency", "graph", "command"]), "-ERR No samples available for event 'command'\r\n")
        XCTAssertEqual(h.raw(["latency", "history"]), "-ERR wrong number of arguments for 'latency|history' command\r\n")
        XCTAssertTrue(h.run("latency", "doctor").string!.hasPrefix("I'm sorry, Dave, I can't do that."))
        h.engine.latencyAddSampleIfNeeded("command", ms: 50)
        XCTAssertEqual(h.raw(["latency", "latest"]), "*0\r\n", "monitoring is off")
        h.run("config", "set", "latency-monitor-threshold", "10")
        h.engine.now = 1_000_000
        h.engine.latencyAddSampleIfNeeded("command", ms: 5)
        h.engine.latencyAddSampleIfNeeded("command", ms: 50)
        h.engine.latencyAddSampleIfNeeded("command", ms: 30)
        h.engine.now = 2_000_000
        h.engine.latencyAddSampleIfNeeded("command", ms: 20)
        XCTAssertEqual(h.raw(["latency", "latest"]), "*1\r\n*4\r\n$7\r\ncommand\r\n:2000\r\n:20\r\n:50\r\n")
        XCTAssertEqual(h.raw(["latency", "history", "command"]), "*2\r\n*2\r\n:1000\r\n:50\r\n*2\r\n:2000\r\n:20\r\n")
        XCTAssertTrue(h.run("latency", "graph", "command").string!.hasPrefix("command - high 50 ms, low 20 ms (all time high 50 ms)\n"))
        XCTAssertTrue(h.run("latency", "doctor").string!.contains("1. command: 2 latency spikes"))
        XCTAssertEqual(h.raw(["latency", "reset", "command", "nosuch"]), ":1\r\n")
        XCTAssertEqual(h.raw(["latency", "latest"]), "*0\r\n")
        XCTAssertEqual(h.run("latency", "help").array?.count, 17)
        h.run("PING")
        XCTAssertEqual(h.run("latency", "histogram", "ping"), .array([.bulk(Array("ping".utf8)),
            .array([.bulk(Array("calls".utf8)), .integer(1), .bulk(Array("histogram_usec".utf8)), .array([])])]))
    }

    func testMonitor() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["MONITOR"]), "+OK\r\n")
        XCTAssertTrue(h.client.isMonitor)
        XCTAssertEqual(h.engine.monitors.count, 1)
        XCTAssertEqual(h.raw(["MONITOR"]), "", "a monitor asking again gets nothing")
        let other = ClientState(id: 2)
        other.addr = "127.0.0.1:5000"
        h.engine.clients[2] = other
        h.client.out.clear()
        Argv.with([Array("SET".utf8), Array("k\n".utf8), Array("v".utf8)]) { h.engine.execute(other, $0) }
        let line = String(decoding: h.client.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(line.hasPrefix("+"))
        XCTAssertTrue(line.hasSuffix(" [0 127.0.0.1:5000] \"SET\" \"k\\n\" \"v\"\r\n"), line)
    }

    func testDebugIsGatedAndDoesTheCheapSubset() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["debug", "sleep", "0"]), "-" + ServerCommands.debugNotAllowed + "\r\n")
        let cfg = h.engine.config
        cfg.values[cfg.slot("enable-debug-command")!] = .text("local")
        h.client.addr = "10.1.1.1:1000"
        XCTAssertEqual(h.raw(["debug", "sleep", "0"]), "-" + ServerCommands.debugNotAllowed + "\r\n")
        h.client.addr = "127.0.0.1:1000"
        XCTAssertEqual(h.raw(["debug", "sleep", "0"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["debug", "set-active-expire", "0"]), "+OK\r\n")
        XCTAssertFalse(h.engine.serverState.activeExpireEnabled)
        XCTAssertEqual(h.raw(["debug", "set-active-expire", "1"]), "+OK\r\n")
        XCTAssertTrue(h.engine.serverState.activeExpireEnabled)
        XCTAssertEqual(h.raw(["debug", "foo"]), "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n")
        XCTAssertEqual(h.raw(["debug", "object", "nokey"]), "-ERR no such key\r\n")
        XCTAssertEqual(h.raw(["debug", "error", "oops"]), "-ERR oops\r\n")
        XCTAssertEqual(h.raw(["debug", "error", "-WRONGTYPE x"]), "-WRONGTYPE x\r\n")
        h.engine.now = 1_000_000_000
        h.run("SET", "k", "v")
        h.run("SET", "n", "12345")
        let obj = h.run("debug", "object", "k").string ?? ""
        XCTAssertTrue(obj.hasPrefix("Value at:0x"), obj)
        XCTAssertTrue(obj.hasSuffix(" refcount:1 encoding:embstr serializedlength:2 lru:\(1_000_000 & 0xFFFFFF) lru_seconds_idle:0"), obj)
        XCTAssertTrue(h.run("debug", "object", "n").string!.contains("encoding:int serializedlength:3 "))
        XCTAssertEqual(h.raw(["debug", "populate", "3", "p", "8"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["GET", "p:2"]), "$8\r\nvalue:2\0\r\n")
        XCTAssertGreaterThan(h.run("debug", "help").array?.count ?? 0, 10)
    }
}
