import XCTest
@testable import Engine
import RESP

/// Config file loading, command-line options and CONFIG REWRITE, checked against what
/// redis-server 7.0.15 prints / writes for the same input.
final class ConfigFileTests: XCTestCase {
    func store() -> ConfigStore {
        let s = ConfigStore()
        s.changeDirectory = { $0 == "/nonexistent" ? "No such file or directory" : nil }
        s.currentDirectory = { "/data" }
        return s
    }

    func load(_ text: String, into s: ConfigStore? = nil, files: [String: String] = [:]) throws -> ConfigStore {
        let st = s ?? store()
        try ConfigFile.apply(text, into: st, include: { p in
            guard let f = files[p] else {
                throw ConfigFileError(line: nil, text: nil, message: "Fatal error, can't open config file '\(p)': No such file or directory", plain: true)
            }
            return [f]
        })
        return st
    }

    func fatal(_ text: String) -> String {
        do { _ = try load(text); return "no error" } catch { return "\(error)" }
    }

    func testValuesQuotesCommentsAndLaterLinesWin() throws {
        let s = try load("""
            # comment
              port 7000\r
            maxmemory 2mb
            maxmemory 3MB
            requirepass "s3cr et"
            logfile 'a\\'b'
            save 100 10
            save 200 20
            bind 127.0.0.1 ::1
            slaveof 10.0.0.1 6380
            list-max-ziplist-entries 5
            client-output-buffer-limit pubsub 64mb 16mb 90 replica 1 2 3
            """)
        XCTAssertEqual(s.int("port"), 7000)
        XCTAssertEqual(s.memory("maxmemory"), 3 << 20)
        XCTAssertEqual(s.string("requirepass"), "s3cr et")
        XCTAssertEqual(s.string("logfile"), "a'b")
        XCTAssertEqual(s.string("save"), "100 10 200 20", "the first save line replaces the defaults, later ones add")
        XCTAssertEqual(s.bindAddresses, ["127.0.0.1", "::1"])
        XCTAssertEqual(s.string("replicaof"), "10.0.0.1 6380")
        XCTAssertEqual(s.string("client-output-buffer-limit"), "normal 0 0 0 slave 1 2 3 pubsub 67108864 16777216 90")
    }

    func testSaveEmptyThenValues() throws {
        XCTAssertEqual(try load("save \"\"\nsave 60 1").string("save"), "60 1")
        XCTAssertEqual(try load("save 60 1\nsave \"\"").string("save"), "60 1")
        XCTAssertEqual(try load("save \"\"").string("save"), "")
        XCTAssertEqual(try load("hz 5").string("save"), "3600 1 300 100 60 10000")
    }

    func testErrorsUseRedisFatalFormat() {
        let head = "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n"
        let cases: [(String, String)] = [
            ("foo bar", "Bad directive or wrong number of arguments"),
            ("hz abc", "argument couldn't be parsed into an integer"),
            ("hz 1 2", "wrong number of arguments"),
            ("save 1", "Invalid save parameters"),
            ("protected-mode maybe", "argument must be 'yes' or 'no'"),
            ("maxmemory-policy foo", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
            ("bind \"a", "Unbalanced quotes in configuration line"),
            ("databases 0", "argument must be between 1 and 2147483647 inclusive"),
            ("daemonize", "wrong number of arguments"),
            ("dir /nonexistent", "No such file or directory"),
            ("notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
            ("client-output-buffer-limit normal 1", "Wrong number of arguments in buffer limit configuration."),
            ("loglevel", "wrong number of arguments"),
            ("user", "Bad directive or wrong number of arguments"),
            ("sentinel monitor a b c d", "sentinel directive while not in sentinel mode"),
            ("replicaof a", "wrong number of arguments"),
            ("requirepass a b", "wrong number of arguments"),
        ]
        for (line, msg) in cases {
            XCTAssertEqual(fatal("# c\n\n\(line)\n"), head + ">>> '\(line)'\n" + msg, line)
        }
        XCTAssertEqual(fatal("cluster-enabled yes\nreplicaof 1.2.3.4 5"),
                       "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode")
        XCTAssertEqual(fatal("include /nonexistent/x.conf"),
                       "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory")
    }

    func testIncludeAndExtraDirectives() throws {
        let s = try load("hz 5\ninclude /etc/inc.conf\nrename-command FLUSHALL \"\"\nuser alice on >pw\nmy.module 1",
                         files: ["/etc/inc.conf": "hz 11\ntimeout 7\n"])
        XCTAssertEqual(s.int("hz"), 11)
        XCTAssertEqual(s.int("timeout"), 7)
        XCTAssertEqual(s.extraDirectives.map(\.name), ["rename-command", "user", "my.module"])
        XCTAssertEqual(s.extraDirectives[0].args, ["FLUSHALL", ""])
        XCTAssertEqual(s.extraDirectives[1].line, 4)
        // An error inside an included file reports that file's line.
        XCTAssertThrowsError(try load("include /i.conf", files: ["/i.conf": "\n\nnope 1"])) { e in
            XCTAssertEqual((e as? ConfigFileError)?.line, 3)
        }
        let sentinel = store()
        sentinel.sentinelMode = true
        _ = try load("sentinel monitor m 127.0.0.1 6379 2\nsentinel", into: sentinel)
        XCTAssertEqual(sentinel.extraDirectives.first?.args, ["monitor", "m", "127.0.0.1", "6379", "2"])
    }

    func testLoadFiresChangeHooksAndSyncsEngine() throws {
        let e = Engine()
        var seen: [Int64] = []
        e.config.onChange("hz") { seen.append($0.numberValue) }
        e.config.changeDirectory = { _ in nil }
        try ConfigFile.load(arguments: ["--hz", "20", "--requirepass", "pw", "--databases", "4"], into: e.config,
                            readFiles: { _ in [] }, readStdin: { "" })
        XCTAssertEqual(seen, [20])
        XCTAssertEqual(e.requirePass, "pw")
        XCTAssertEqual(e.dbs.count, 4)
        XCTAssertNil(e.config.configFile)
    }

    func testCommandLineArguments() throws {
        var (path, stdin, opts) = ConfigFile.parseArguments(["/etc/redis.conf", "--port", "7000", "--save", "--appendonly", "yes"])
        XCTAssertEqual(path, "/etc/redis.conf")
        XCTAssertFalse(stdin)
        XCTAssertEqual(opts, "port \"7000\" \nsave \"\"\nappendonly \"yes\" ")
        (path, stdin, opts) = ConfigFile.parseArguments(["--save", "60", "1", "--bind", "a b", "--sentinel", "--port", "1", "-"])
        XCTAssertNil(path)
        XCTAssertTrue(stdin)
        XCTAssertEqual(opts, "save \"60\" \"1\" \nbind \"a b\" \nsentinel \nport \"1\" ")
        (path, _, opts) = ConfigFile.parseArguments(["--port 7001", "--save"])
        XCTAssertEqual(opts, "port 7001 \nsave \"\"")

        // Options come after the file: they win, and their errors count lines past the file.
        let s = store()
        try ConfigFile.load(arguments: ["r.conf", "--port", "7002", "--save", ""], into: s,
                            readFiles: { _ in ["port 7001\nsave 10 1\n"] }, readStdin: { "" })
        XCTAssertEqual(s.int("port"), 7002)
        XCTAssertEqual(s.string("save"), "10 1")
        XCTAssertEqual(s.configFile, "/data/r.conf")
        XCTAssertThrowsError(try ConfigFile.load(arguments: ["r.conf", "--hz", "x"], into: store(),
                                                 readFiles: { _ in ["port 1\n"] }, readStdin: { "" })) { e in
            XCTAssertEqual("\(e)", "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'hz \"x\"'\nargument couldn't be parsed into an integer")
        }
    }

    /// The same file and changes redis-server 7.0.15 rewrote (appended lines may come in another order).
    func testRewriteKeepsLayoutLikeRedis() throws {
        let original = """
            # top comment
            port 33301
            daemonize yes
            save ""
            appendonly no
            include /tmp/srvtest/rw/inc.conf
            rename-command FLUSHALL ""


            # another comment
            slave-priority 50
            slaveof 127.0.0.1 1
            maxmemory 2mb
            maxmemory 3mb
            lua-time-limit 4000
            requirepass "s3cr et"
            logfile "/tmp/srvtest/rw/log"
            pidfile /tmp/srvtest/rw/p.pid
            dir /tmp/srvtest/rw
            client-output-buffer-limit pubsub 64mb 16mb 90
            notify-keyspace-events Ex

            """
        let s = store()
        s.currentDirectory = { "/tmp/srvtest/rw" }
        _ = try load(original, into: s, files: ["/tmp/srvtest/rw/inc.conf": "hz 11\n"])
        for (k, v) in [("maxmemory", "5000"), ("timeout", "30"), ("bind", "127.0.0.1"), ("loglevel", "warning"), ("save", "100 10 200 20")] {
            XCTAssertNil(s.set(k, v))
        }
        let out = s.rewrittenConfig(old: original)
        let expectedHead = """
            # top comment
            port 33301
            daemonize yes
            save 100 10
            appendonly no
            include /tmp/srvtest/rw/inc.conf
            rename-command FLUSHALL ""

            # another comment
            replica-priority 50
            replicaof 127.0.0.1 1
            maxmemory 5000

            busy-reply-threshold 4000
            requirepass "s3cr et"
            logfile "/tmp/srvtest/rw/log"
            pidfile "/tmp/srvtest/rw/p.pid"
            dir "/tmp/srvtest/rw"
            client-output-buffer-limit normal 0 0 0
            notify-keyspace-events "xE"

            # Generated by CONFIG REWRITE

            """
        XCTAssertTrue(out.hasPrefix(expectedHead), out)
        let appended = out.dropFirst(expectedHead.count).split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(appended), ["latency-tracking-info-percentiles 50 99 99.9", "client-output-buffer-limit pubsub 64mb 16mb 90",
                                       "hz 11", "loglevel warning", "bind 127.0.0.1", "save 200 20", "timeout 30"])
        // Reading the rewritten file back gives the running configuration.
        let back = try load(out, files: ["/tmp/srvtest/rw/inc.conf": "hz 11\n"])
        for name in ["maxmemory", "timeout", "bind", "loglevel", "save", "client-output-buffer-limit", "busy-reply-threshold",
                     "requirepass", "notify-keyspace-events", "replicaof", "replica-priority"] {
            XCTAssertEqual(back.string(name), s.string(name), name)
        }
        // Unknown lines are kept as comments.
        XCTAssertTrue(s.rewrittenConfig(old: "bogus-directive 1\n").hasPrefix("# ??? bogus-directive 1\n"))
    }

    func testRewriteFileOnDisk() throws {
        let dir = "/tmp/keyward-cfgtest-\(getpid())"
        mkdir(dir, 0o755)
        let path = dir + "/k.conf"
        defer { unlink(path); rmdir(dir) }
        let f = fopen(path, "w")!
        fputs("# mine\nhz 12\n", f)
        fclose(f)
        let e = Engine()
        e.config.currentDirectory = { dir }
        e.config.changeDirectory = { _ in nil }
        try ConfigFile.load(arguments: [path], into: e.config)
        XCTAssertEqual(e.config.configFile, path)
        let h = EngineHarness(engine: e)
        h.run("config", "set", "timeout", "9")
        XCTAssertEqual(h.raw(["config", "rewrite"]), "+OK\r\n")
        let text = try ConfigFile.readFiles(path).first!
        XCTAssertTrue(text.hasPrefix("# mine\nhz 12\n"), text)
        XCTAssertTrue(text.contains("\ntimeout 9\n"), text)
        XCTAssertTrue(text.contains("\ndir \"\(dir)\"\n"), text)
    }
}
