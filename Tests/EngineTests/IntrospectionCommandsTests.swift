import XCTest
@testable import Engine
import RESP

/// COMMAND and subcommands; expected bytes are redis-server 7.0.15's for the same commands.
final class IntrospectionCommandsTests: XCTestCase {
    static let getSpecRESP2 = "*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n"
    static let getInfoRESP2 = "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n" + getSpecRESP2 + "*0\r\n"

    func testInfoMatchesRedisBytes() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["command", "info", "get"]), "*1\r\n" + Self.getInfoRESP2)
        XCTAssertEqual(h.raw(["COMMAND", "INFO", "nosuch", "GET"]), "*2\r\n$-1\r\n" + Self.getInfoRESP2)
        let config = "*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*5\r\n*10\r\n$14\r\nconfig|rewrite\r\n:2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n*10\r\n$10\r\nconfig|set\r\n:-4\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*2\r\n$24\r\nrequest_policy:all_nodes\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n*10\r\n$16\r\nconfig|resetstat\r\n:2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n*10\r\n$11\r\nconfig|help\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n"
        XCTAssertEqual(h.raw(["command", "info", "config"]), config)
        XCTAssertEqual(h.raw(["command", "info", "config|get"]), "*1\r\n" + "*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n")
        XCTAssertEqual(h.raw(["command", "info", "time"]), "*1\r\n*10\r\n$4\r\ntime\r\n:1\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@fast\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n")
        XCTAssertEqual(h.raw(["command", "info", "lastsave"]), "*1\r\n*10\r\n$8\r\nlastsave\r\n:1\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@fast\r\n+@dangerous\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n")
    }

    func testInfoRESP3() {
        let h = EngineHarness(proto: .v3)
        XCTAssertEqual(h.raw(["command", "info", "get"]), "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n")
        XCTAssertEqual(h.raw(["command", "info", "nosuch"]), "*1\r\n_\r\n")
        XCTAssertEqual(h.raw(["command", "docs", "nosuch"]), "%0\r\n")
    }

    func testEveryCommandIsListedConsistently() {
        let h = EngineHarness()
        let table = h.engine.table
        XCTAssertEqual(h.raw(["command", "count"]), ":\(table.commands.count)\r\n")
        guard let all = h.run("COMMAND").array else { return XCTFail() }
        XCTAssertEqual(all.count, table.commands.count)
        for (entry, spec) in zip(all, table.commands) {
            let e = entry.array!
            XCTAssertEqual(e.count, 10)
            XCTAssertEqual(e[0].string, spec.fullName)
            XCTAssertEqual(e[1].int, Int64(spec.arity))
            if spec.subcommands.isEmpty {
                XCTAssertEqual(e[3].int, Int64(spec.firstKey), spec.name)
                XCTAssertEqual(e[4].int, Int64(spec.lastKey), spec.name)
                XCTAssertEqual(e[5].int, Int64(spec.step), spec.name)
                XCTAssertEqual(e[8].array?.isEmpty, spec.firstKey == 0 && !spec.flags.contains(.movableKeys), spec.name)
            } else {
                XCTAssertEqual(e[9].array?.count, spec.subcommands.count)
            }
            let cats = e[6].array!.compactMap(\.string)
            XCTAssertTrue(cats.contains("@fast") != cats.contains("@slow"), spec.name)
        }
        let names = h.run("command", "list").array!.compactMap(\.string)
        XCTAssertEqual(names.count, table.commands.reduce(0) { $0 + 1 + $1.subcommands.count })
        XCTAssertEqual(h.run("command", "list", "filterby", "pattern", "conf*").array?.compactMap(\.string),
                       ["config", "config|rewrite", "config|set", "config|get", "config|resetstat", "config|help"])
        let conn = h.run("command", "list", "FILTERBY", "aclcat", "connection").array!.compactMap(\.string)
        XCTAssertTrue(conn.contains("ping") && conn.contains("client|kill") && !conn.contains("get"))
        XCTAssertEqual(h.raw(["command", "list", "filterby", "aclcat", "nosuch"]), "*0\r\n")
        XCTAssertEqual(h.raw(["command", "list", "filterby", "module", "x"]), "*0\r\n")
        XCTAssertEqual(h.raw(["command", "list", "filterby", "foo", "x"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["command", "list", "foo"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.run("command", "help").array?.count, 21)
    }

    func testDocs() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["command", "docs", "nosuch"]), "*0\r\n")
        XCTAssertEqual(h.raw(["command", "docs", "monitor"]),
                       "*2\r\n$7\r\nmonitor\r\n*6\r\n$7\r\nsummary\r\n$59\r\nListen for all requests received by the server in real time\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n")
        XCTAssertEqual(h.raw(["command", "docs", "config|resetstat"]),
                       "*2\r\n$16\r\nconfig|resetstat\r\n*8\r\n$7\r\nsummary\r\n$32\r\nReset the stats returned by INFO\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n")
        guard case .map(let top)? = Optional(EngineHarness(proto: .v3).run("command", "docs", "config")), top.count == 1,
              case .map(let doc) = top[0].1 else { return XCTFail() }
        XCTAssertEqual(doc.map { $0.0.string! }, ["summary", "since", "group", "complexity", "subcommands"])
        guard case .map(let subs) = doc[4].1 else { return XCTFail() }
        XCTAssertEqual(subs.map { $0.0.string! }, ["config|rewrite", "config|set", "config|get", "config|resetstat", "config|help"])
    }

    func testGetKeys() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["command", "getkeys", "set", "a", "b"]), "*1\r\n$1\r\na\r\n")
        XCTAssertEqual(h.raw(["command", "getkeys", "get"]), "-ERR wrong number of arguments for 'command|getkeys' command\r\n")
        XCTAssertEqual(h.raw(["command", "getkeys", "nosuch", "a"]), "-ERR Invalid command specified\r\n")
        XCTAssertEqual(h.raw(["command", "getkeys", "config", "get", "x"]), "-ERR The command has no key arguments\r\n")
        XCTAssertEqual(h.raw(["command", "getkeys", "config", "nosuch", "x"]), "-ERR Invalid command specified\r\n")
        XCTAssertEqual(h.raw(["command", "getkeys", "set", "a"]), "-ERR Invalid number of arguments specified for command\r\n")
        XCTAssertEqual(h.raw(["command", "getkeysandflags", "set", "a", "b"]), "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n")
        XCTAssertEqual(h.raw(["command", "getkeysandflags", "set", "a", "b", "GET"]), "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n")
        XCTAssertEqual(h.raw(["command", "getkeysandflags", "get", "k"]), "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n")
    }

    func testKeySpecsDeriveWhenTheReferenceDisagrees() {
        let mget = CommandSpec("mget", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "string") { _ in }
        let meta = KeySpecs.meta(for: mget)
        XCTAssertEqual(meta.tips, ["request_policy:multi_shard"])
        XCTAssertEqual(meta.specs.first?.findArgs, [-1, 1, 0])
        // Positions Keyward's spec gives differently from Redis: derived from first/last/step.
        let odd = CommandSpec("mget", arity: -3, flags: [.write], keys: (2, 5, 3), group: "string") { _ in }
        let d = KeySpecs.meta(for: odd).specs
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d[0].flags, ["RW", "update"])
        XCTAssertEqual(d[0].beginArgs, [2])
        XCTAssertEqual(d[0].findArgs, [3, 3, 0])
        let none = CommandSpec("newcmd", arity: 1, group: "server") { _ in }
        XCTAssertTrue(KeySpecs.meta(for: none).specs.isEmpty)
        XCTAssertEqual(IntrospectionCommands.aclCategories(none), ["slow"])
        XCTAssertEqual(IntrospectionCommands.aclCategories(odd), ["write", "slow"])
        XCTAssertEqual(KeySpecs.reference.count, 366)
    }
}
