import XCTest
@testable import Engine
import RESP

/// CONFIG GET/SET/RESETSTAT/REWRITE; expected bytes are redis-server 7.0.15's answers.
final class ConfigTests: XCTestCase {
    func err(_ name: String, _ text: String) -> String {
        "-ERR CONFIG SET failed (possibly related to argument '\(name)') - \(text)\r\n"
    }

    func testGetExactAndPatterns() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["CONFIG", "GET", "hz"]), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n")
        XCTAssertEqual(h.raw(["config", "get", "Hz"]), "*2\r\n$2\r\nHz\r\n$2\r\n10\r\n")
        XCTAssertEqual(h.raw(["config", "get", "hz", "HZ"]), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n")
        XCTAssertEqual(h.raw(["config", "get", "nosuch"]), "*0\r\n")
        XCTAssertEqual(h.raw(["config", "get", "save"]), "*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n")
        XCTAssertEqual(h.raw(["config", "get", "bind"]), "*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n")
        XCTAssertEqual(h.raw(["config", "get", "client-output-buffer-limit"]),
                       "*2\r\n$26\r\nclient-output-buffer-limit\r\n$67\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n")
        XCTAssertEqual(h.raw(["config", "get", "unixsocketperm"]), "*2\r\n$14\r\nunixsocketperm\r\n$1\r\n0\r\n")
        // Patterns match aliases as their own names; hidden configs only by exact name.
        let pri = h.run("config", "get", "*priority*")
        XCTAssertEqual(pri, .array([.bulk(Array("replica-priority".utf8)), .bulk(Array("100".utf8)),
                                    .bulk(Array("slave-priority".utf8)), .bulk(Array("100".utf8))]))
        XCTAssertEqual(h.run("config", "get", "*").array?.count, 2 * 192)
        XCTAssertEqual(h.run("config", "get", "watchdog-period").array?.count, 2)
        let mm = h.run("config", "get", "maxmemory*").array?.enumerated().filter { $0.offset % 2 == 0 }.compactMap { $0.element.string }
        XCTAssertEqual(Set(mm ?? []), ["maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "maxmemory-clients"])
        XCTAssertEqual(h.raw(["config", "get"]), "-ERR wrong number of arguments for 'config|get' command\r\n")
    }

    func testGetRESP3IsAMap() {
        let h = EngineHarness(proto: .v3)
        XCTAssertEqual(h.raw(["config", "get", "maxmemory", "hz"]), "%2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$2\r\nhz\r\n$2\r\n10\r\n")
    }

    func testSetErrorsMatchRedis() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["config", "set", "daemonize", "yes"]), err("daemonize", "can't set immutable config"))
        XCTAssertEqual(h.raw(["config", "set", "DAEMONIZE", "yes"]), err("DAEMONIZE", "can't set immutable config"))
        XCTAssertEqual(h.raw(["config", "set", "foo", "bar"]), "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n")
        XCTAssertEqual(h.raw(["config", "set", "foo", "bar", "daemonize", "yes"]), "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n")
        XCTAssertEqual(h.raw(["config", "set", "daemonize", "yes", "foo", "bar"]), err("daemonize", "can't set immutable config"))
        XCTAssertEqual(h.raw(["config", "set", "hz", "5", "hz", "6"]), err("hz", "duplicate parameter"))
        XCTAssertEqual(h.raw(["config", "set", "hz", "abc"]), err("hz", "argument couldn't be parsed into an integer"))
        XCTAssertEqual(h.raw(["config", "set", "HZ", "abc"]), err("hz", "argument couldn't be parsed into an integer"))
        XCTAssertEqual(h.raw(["config", "set", "hz", "+5"]), err("hz", "argument couldn't be parsed into an integer"))
        XCTAssertEqual(h.raw(["config", "set", "hz", "-1"]), err("hz", "argument must be between 0 and 2147483647 inclusive"))
        XCTAssertEqual(h.raw(["config", "set", "maxmemory", "1x"]), err("maxmemory", "argument must be a memory value"))
        XCTAssertEqual(h.raw(["config", "set", "maxmemory", "-1"]), err("maxmemory", "argument must be a memory value"))
        XCTAssertEqual(h.raw(["config", "set", "maxmemory-policy", "foo"]),
                       err("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"))
        XCTAssertEqual(h.raw(["config", "set", "protected-mode", "maybe"]), err("protected-mode", "argument must be 'yes' or 'no'"))
        XCTAssertEqual(h.raw(["config", "set", "slowlog-log-slower-than", "-2"]),
                       err("slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive"))
        XCTAssertEqual(h.raw(["config", "set", "maxmemory-clients", "200%"]), err("maxmemory-clients", "percentage argument must be less or equal to 100"))
        XCTAssertEqual(h.raw(["config", "set", "maxmemory-clients", "-5"]), err("maxmemory-clients", "argument must be a memory or percent value"))
        XCTAssertEqual(h.raw(["config", "set", "dbfilename", "x"]), err("dbfilename", "can't set protected config"))
        XCTAssertEqual(h.raw(["config", "set", "save", "1 2 3"]), err("save", "Invalid save parameters"))
        XCTAssertEqual(h.raw(["config", "set", "save", " 10 5"]), err("save", "Invalid save parameters"))
        XCTAssertEqual(h.raw(["config", "set", "client-output-buffer-limit", "normal 1 2"]),
                       err("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration."))
        XCTAssertEqual(h.raw(["config", "set", "client-output-buffer-limit", "foo 1 2 3"]),
                       err("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration."))
        XCTAssertEqual(h.raw(["config", "set", "replicaof", "a b"]), err("replicaof", "can't set immutable config"))
        XCTAssertEqual(h.raw(["config", "set", "hz", "5", "slave-priority", "x"]), err("slave-priority", "argument couldn't be parsed into an integer"))
        XCTAssertEqual(h.raw(["config", "set", "maxclients", "0"]), err("maxclients", "argument must be between 1 and 4294967295 inclusive"))
        XCTAssertEqual(h.raw(["config", "set", "proto-max-bulk-len", "1000"]),
                       err("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive"))
        XCTAssertEqual(h.raw(["config", "set", "notify-keyspace-events", "Q"]),
                       err("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
        XCTAssertEqual(h.raw(["config", "set", "oom-score-adj-values", "1 2"]), err("oom-score-adj-values", "wrong number of arguments"))
        XCTAssertEqual(h.raw(["config", "set", "oom-score-adj-values", "1 2 99999"]),
                       err("oom-score-adj-values", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."))
        XCTAssertEqual(h.raw(["config", "set", "latency-tracking-info-percentiles", "101"]),
                       err("latency-tracking-info-percentiles", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"))
        XCTAssertEqual(h.raw(["config", "set", "cluster-announce-hostname", "a_b"]),
                       err("cluster-announce-hostname", "Hostnames may only contain alphanumeric characters, hyphens or dots"))
        XCTAssertEqual(h.raw(["config", "set", "proc-title-template", "{foo}"]),
                       err("proc-title-template", "template format is invalid or contains unknown variables"))
        XCTAssertEqual(h.raw(["config", "set", "hz"]), "-ERR wrong number of arguments for 'config|set' command\r\n")
        XCTAssertEqual(h.raw(["config", "set", "hz", "5", "maxmemory"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["config", "get", "hz"]), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n", "failed sets change nothing")
    }

    func testSetValuesAndFormats() {
        let h = EngineHarness()
        func get(_ n: String) -> String? { h.run("config", "get", n).array?.last?.string }
        XCTAssertEqual(h.raw(["config", "set", "maxmemory", "1kb"]), "+OK\r\n")
        XCTAssertEqual(get("maxmemory"), "1024")
        h.run("config", "set", "maxmemory", "1K"); XCTAssertEqual(get("maxmemory"), "1000")
        h.run("config", "set", "maxmemory", "2GB"); XCTAssertEqual(h.engine.config.memory("maxmemory"), 2 << 30)
        h.run("config", "set", "maxmemory", "5B"); XCTAssertEqual(get("maxmemory"), "5")
        h.run("config", "set", "maxmemory", ""); XCTAssertEqual(get("maxmemory"), "0")
        h.run("config", "set", "maxmemory", "18446744073709551615"); XCTAssertEqual(get("maxmemory"), "18446744073709551615")
        XCTAssertEqual(h.engine.config.memory("maxmemory"), Int64.max)
        h.run("config", "set", "maxmemory-clients", "20%"); XCTAssertEqual(get("maxmemory-clients"), "20%")
        h.run("config", "set", "hz", "100000"); XCTAssertEqual(get("hz"), "500")
        h.run("config", "set", "hz", "0"); XCTAssertEqual(h.engine.config.int("hz"), 1)
        h.run("config", "set", "loglevel", "WARNING"); XCTAssertEqual(get("loglevel"), "warning")
        h.run("config", "set", "oom-score-adj", "relative"); XCTAssertEqual(get("oom-score-adj"), "yes")
        h.run("config", "set", "appendfsync", "No"); XCTAssertEqual(get("appendfsync"), "no")
        h.run("config", "set", "save", "10 +5"); XCTAssertEqual(get("save"), "10 5")
        XCTAssertEqual(h.engine.config.saveParams.map { [$0.seconds, $0.changes] }, [[10, 5]])
        h.run("config", "set", "save", ""); XCTAssertEqual(get("save"), "")
        h.run("config", "set", "bind", "127.0.0.1 -::1"); XCTAssertEqual(h.engine.config.bindAddresses, ["127.0.0.1", "-::1"])
        h.run("config", "set", "client-output-buffer-limit", "normal 1mb 2k 3 pubsub 1 1 1")
        XCTAssertEqual(get("client-output-buffer-limit"), "normal 1048576 2000 3 slave 268435456 67108864 60 pubsub 1 1 1")
        XCTAssertEqual(h.engine.config.outputBufferLimits[0], OutputBufferLimit(hard: 1 << 20, soft: 2000, softSeconds: 3))
        h.run("config", "set", "notify-keyspace-events", "KEA"); XCTAssertEqual(get("notify-keyspace-events"), "AKE")
        h.run("config", "set", "notify-keyspace-events", "Ex"); XCTAssertEqual(get("notify-keyspace-events"), "xE")
        h.run("config", "set", "notify-keyspace-events", "Kmn"); XCTAssertEqual(get("notify-keyspace-events"), "nKm")
        h.run("config", "set", "notify-keyspace-events", "An"); XCTAssertEqual(get("notify-keyspace-events"), "A")
        // Printed as "A" like Redis, but the n class is kept (Redis keeps the flag bits too).
        XCTAssertEqual(h.engine.config.keyspaceEvents, [.all, .new])
        h.run("config", "set", "latency-tracking-info-percentiles", "50.0000 99.90")
        XCTAssertEqual(get("latency-tracking-info-percentiles"), "50 99.9")
        h.run("config", "set", "slave-priority", "50")
        XCTAssertEqual(get("replica-priority"), "50")
        XCTAssertEqual(h.raw(["config", "set", "replica-priority", "1", "slave-priority", "2"]), "+OK\r\n", "an alias is its own name")
    }

    func testRequirePassFollowsConfig() {
        let h = EngineHarness()
        XCTAssertNil(h.engine.requirePass)
        h.run("config", "set", "requirepass", "s3cret")
        XCTAssertEqual(h.engine.requirePass, "s3cret")
        h.run("config", "set", "requirepass", "")
        XCTAssertNil(h.engine.requirePass)
    }

    func testApplyHookRejectionRollsEverythingBack() {
        let h = EngineHarness()
        var applied: [String] = []
        var changed: [String] = []
        h.engine.config.onApply("timeout") { applied.append("timeout=\($0.numberValue)"); return nil }
        h.engine.config.onApply("port") { v in v.numberValue == 1 ? "Unable to listen on this port. Check server logs." : nil }
        h.engine.config.onChange("timeout") { changed.append("timeout=\($0.numberValue)") }
        XCTAssertEqual(h.raw(["config", "set", "timeout", "30", "port", "1"]),
                       err("port", "Unable to listen on this port. Check server logs."))
        XCTAssertEqual(h.engine.config.int("timeout"), 0)
        XCTAssertEqual(h.engine.config.int("port"), 6379)
        XCTAssertEqual(applied, ["timeout=30", "timeout=0"], "applied, then re-applied with the old value")
        XCTAssertEqual(changed, [])
        XCTAssertEqual(h.raw(["config", "set", "timeout", "30", "port", "7000"]), "+OK\r\n")
        XCTAssertEqual(changed, ["timeout=30"])
        XCTAssertEqual(h.raw(["config", "set", "timeout", "30"]), "+OK\r\n")
        XCTAssertEqual(changed, ["timeout=30"], "no hook when the value does not change")
    }

    func testProtectedConfigsFollowEnableProtectedConfigs() {
        let h = EngineHarness()
        var dirs: [String] = []
        h.engine.config.changeDirectory = { dirs.append($0); return $0 == "/nope" ? "No such file or directory" : nil }
        h.engine.config.currentDirectory = { dirs.last ?? "/" }
        XCTAssertEqual(h.raw(["config", "set", "dir", "/tmp"]), err("dir", "can't set protected config"))
        XCTAssertNotNil(h.engine.config.set("enable-protected-configs", "local"), "immutable via CONFIG SET")
        h.engine.config.values[h.engine.config.slot("enable-protected-configs")!] = .text("local")
        h.client.addr = "10.0.0.1:5000"
        XCTAssertEqual(h.raw(["config", "set", "dir", "/tmp"]), err("dir", "can't set protected config"))
        h.client.addr = "127.0.0.1:5000"
        XCTAssertEqual(h.raw(["config", "set", "dir", "/tmp"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["config", "set", "dir", "/nope"]), err("dir", "No such file or directory"))
        XCTAssertEqual(h.engine.config.string("dir"), "/tmp")
    }

    func testResetStatAndRewriteWithoutFile() {
        let h = EngineHarness()
        h.run("SET", "k", "v")
        h.run("nosuch")
        XCTAssertGreaterThan(h.engine.stats.totalCommands, 0)
        XCTAssertEqual(h.raw(["config", "resetstat"]), "+OK\r\n")
        XCTAssertEqual(h.engine.stats.totalErrorReplies, 0)
        XCTAssertEqual(h.engine.table.lookup("set")!.stats.calls, 0)
        XCTAssertEqual(h.raw(["config", "resetstat", "x"]), "-ERR wrong number of arguments for 'config|resetstat' command\r\n")
        XCTAssertEqual(h.raw(["config", "rewrite"]), "-ERR The server is running without a config file\r\n")
        XCTAssertEqual(h.raw(["config"]), "-ERR wrong number of arguments for 'config' command\r\n")
        XCTAssertEqual(h.raw(["config", "foo"]), "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n")
        XCTAssertEqual(h.run("config", "help").array?.count, 11)
    }

    func testGlob() {
        XCTAssertTrue(ServerGlob.match("h?", "hz", nocase: true))
        XCTAssertTrue(ServerGlob.match("*max*", "maxmemory", nocase: true))
        XCTAssertTrue(ServerGlob.match("[a-c]*", "bind", nocase: true))
        XCTAssertFalse(ServerGlob.match("[^a-c]*", "bind", nocase: true))
        XCTAssertTrue(ServerGlob.match("MAX\\*", "max*", nocase: true))
        XCTAssertFalse(ServerGlob.match("max", "maxmemory", nocase: true))
        XCTAssertTrue(ServerGlob.match("conf*", "config|get", nocase: true))
        XCTAssertFalse(ServerGlob.match("a[", "ab", nocase: false))
    }
}

extension ConfigTests {
    func testSetInternalIgnoresMutability() {
        let s = ConfigStore()
        var seen: [String] = []
        s.onChange("replicaof") { seen.append($0.textValue) }
        XCTAssertNil(s.setInternal("slaveof", ["10.0.0.1", "6379"]))
        XCTAssertEqual(s.string("replicaof"), "10.0.0.1 6379")
        XCTAssertNil(s.setInternal("replicaof", ["no", "one"]))
        XCTAssertEqual(seen, ["10.0.0.1 6379", ""])
        XCTAssertEqual(s.setInternal("replicaof", ["h", "x"]), "Invalid master port")
    }
}
