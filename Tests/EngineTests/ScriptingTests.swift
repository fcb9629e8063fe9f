// EVAL/FUNCTION in-process: SHA1 vectors, conversions both ways, error suffixes, sandbox,
// BUSY/SCRIPT KILL through the whileBusy hook, and FUNCTION DUMP/RESTORE payloads.
import XCTest
@testable import Engine
import RESP

final class ScriptingTests: XCTestCase {
    func testSHA1Vectors() {
        XCTAssertEqual(SHA1.hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(SHA1.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(SHA1.hex(String(repeating: "a", count: 1_000_000)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        XCTAssertEqual(SHA1.hex("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }

    /// redis.call's argument vector is reused between calls: long vectors of numbers and
    /// strings must grow it, and EVALSHA must find scripts however the sha is cased.
    func testLongArgumentVectorsAndShaCase() {
        let h = EngineHarness()
        let nums = (1...40).map(String.init).joined(separator: ",")
        XCTAssertEqual(h.raw(["EVAL", "return redis.call('rpush', KEYS[1], \(nums))", "1", "l"]), ":40\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return redis.call('rpush', KEYS[1], 1.5, 'x', 0.1)", "1", "l"]), ":43\r\n")
        XCTAssertEqual(h.run("LRANGE", "l", "38", "-1"),
                       .array(["39", "40", "1.5", "x", "0.10000000000000001"].map { .bulk(Array($0.utf8)) }))
        let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        XCTAssertEqual(h.raw(["SCRIPT", "LOAD", "return 1"]), "$40\r\n\(sha)\r\n")
        XCTAssertEqual(h.raw(["EVALSHA", sha.uppercased(), "0"]), ":1\r\n")
        XCTAssertEqual(h.raw(["SCRIPT", "EXISTS", sha.uppercased(), "x", String(sha.dropLast()) + "0"]), "*3\r\n:1\r\n:0\r\n:0\r\n")
        XCTAssertEqual(h.raw(["EVALSHA", "x", "0"]), "-NOSCRIPT No matching script. Please use EVAL.\r\n")
    }

    func testInfoCountsScriptsAndFunctions() {
        let h = EngineHarness()
        func field(_ name: String) -> String? {
            guard case .bulk(let b) = h.run("INFO", "memory") else { return nil }
            let line = String(decoding: b, as: UTF8.self).split(separator: "\r\n").first { $0.hasPrefix(name + ":") }
            return line.map { String($0.dropFirst(name.count + 1)) }
        }
        XCTAssertEqual(field("number_of_cached_scripts"), "0")
        h.run("SCRIPT", "LOAD", "return 1")
        h.run("SCRIPT", "LOAD", "return 2")
        h.run("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        XCTAssertEqual(field("number_of_cached_scripts"), "2")
        XCTAssertEqual(field("number_of_functions"), "1")
        XCTAssertEqual(field("number_of_libraries"), "1")
        XCTAssertGreaterThan(Int(field("used_memory_lua") ?? "0") ?? 0, 0)
        h.run("SCRIPT", "FLUSH")
        XCTAssertEqual(field("number_of_cached_scripts"), "0")
    }

    func testLuaToReplyConversions() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["EVAL", "return 1", "0"]), ":1\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return nil", "0"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return {1,2,{3,'x'}}", "0"]), "*3\r\n:1\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return {1,nil,3}", "0"]), "*1\r\n:1\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return 3.99", "0"]), ":3\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return false", "0"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return true", "0"]), ":1\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return 0/0", "0"]), ":-9223372036854775808\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return redis.error_reply('MYERR x')", "0"]), "-MYERR x\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return redis.status_reply('FINE')", "0"]), "+FINE\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return {double=3.5}", "0"]), "$3\r\n3.5\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return {KEYS[1], ARGV[1]}", "1", "k", "a"]), "*2\r\n$1\r\nk\r\n$1\r\na\r\n")
    }

    func testResp3Conversions() {
        let h = EngineHarness(proto: .v3)
        XCTAssertEqual(h.raw(["EVAL", "return {double=3.5}", "0"]), ",3.5\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return {map={a=1}}", "0"]), "%1\r\n$1\r\na\r\n:1\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return {set={a=true}}", "0"]), "~1\r\n$1\r\na\r\n")
        XCTAssertEqual(h.raw(["EVAL", "redis.setresp(3); return true", "0"]), "#t\r\n")
        XCTAssertEqual(h.raw(["EVAL", "return false", "0"]), "_\r\n")
        h.raw(["HSET", "h", "f", "v"])
        XCTAssertEqual(h.raw(["EVAL", "redis.setresp(3); return redis.call('hgetall', 'h')", "0"]), "%1\r\n$1\r\nf\r\n$1\r\nv\r\n")
        XCTAssertEqual(h.raw(["EVAL", "redis.setresp(3); return type(redis.call('get', 'nokey'))", "0"]), "$3\r\nnil\r\n")
    }

    func testCallErrorsCarryTheScriptSuffixPcallDoesNot() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["EVAL", "return redis.call('nosuchcmd')", "0"]),
                       "-ERR Unknown Redis command called from script script: 4f5958446b28593dea988ad0a5603cbd6962dd95, on @user_script:1.\r\n")
        h.raw(["SET", "s", "1"])
        XCTAssertEqual(h.raw(["EVAL", "return redis.pcall('hincrby',KEYS[1],'f',1)", "1", "s"]),
                       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        XCTAssertEqual(h.raw(["EVALSHA", String(repeating: "0", count: 40), "0"]), "-NOSCRIPT No matching script. Please use EVAL.\r\n")
        XCTAssertEqual(h.raw(["EVAL_RO", "return redis.call('set','a',1)", "0"]).hasPrefix("-ERR Write commands are not allowed from read-only scripts. script:"), true)
        XCTAssertEqual(h.raw(["EVAL", "return {1,2", "0"]), "-ERR Error compiling script (new function): user_script:1: '}' expected near '<eof>'\r\n")
    }

    func testSandbox() {
        let h = EngineHarness()
        XCTAssertTrue(h.raw(["EVAL", "x = 1", "0"]).hasPrefix("-ERR user_script:1: Attempt to modify a readonly table script:"))
        XCTAssertTrue(h.raw(["EVAL", "return os", "0"]).hasPrefix("-ERR user_script:1: Script attempted to access nonexistent global variable 'os'"))
        XCTAssertTrue(h.raw(["EVAL", "return loadfile", "0"]).contains("nonexistent global variable 'loadfile'"))
        XCTAssertTrue(h.raw(["EVAL", "math.x = 1", "0"]).contains("Attempt to modify a readonly table"))
        XCTAssertTrue(h.raw(["EVAL", "setmetatable(_G, nil)", "0"]).hasPrefix("-ERR"))
        // Redis's rand48 sequence from its initial state.
        XCTAssertEqual(h.raw(["EVAL", "return tostring(math.random())", "0"]), "$16\r\n0.39646477363839\r\n")
    }

    func testBusyScriptIsKilledFromTheWhileBusyHook() {
        let h = EngineHarness()
        let other = ClientState(id: 2)
        h.engine.clients[2] = other
        h.raw(["CONFIG", "SET", "busy-reply-threshold", "1"])
        var sawBusy = ""
        var killReply = ""
        h.engine.whileBusy = {
            other.out.clear()
            Argv.with([Array("GET".utf8), Array("k".utf8)]) { h.engine.execute(other, $0) }
            sawBusy = String(decoding: other.out.readableBytes, as: UTF8.self)
            other.out.clear()
            Argv.with([Array("SCRIPT".utf8), Array("KILL".utf8)]) { h.engine.execute(other, $0) }
            killReply = String(decoding: other.out.readableBytes, as: UTF8.self)
        }
        let r = h.raw(["EVAL", "while true do end", "0"])
        XCTAssertEqual(sawBusy, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
        XCTAssertEqual(killReply, "+OK\r\n")
        XCTAssertTrue(r.hasPrefix("-ERR Script killed by user with SCRIPT KILL... script:"), r)
        XCTAssertEqual(h.raw(["PING"]), "+PONG\r\n")
        XCTAssertEqual(h.raw(["SCRIPT", "KILL"]), "-NOTBUSY No scripts in execution right now.\r\n")
    }

    func testWritingScriptIsUnkillable() {
        let h = EngineHarness()
        let other = ClientState(id: 2)
        h.raw(["CONFIG", "SET", "busy-reply-threshold", "1"])
        var reply = ""
        var n = 0
        h.engine.whileBusy = {
            n += 1
            other.out.clear()
            Argv.with([Array("SCRIPT".utf8), Array("KILL".utf8)]) { h.engine.execute(other, $0) }
            reply = String(decoding: other.out.readableBytes, as: UTF8.self)
        }
        // Ends by itself after a few busy rounds.
        h.raw(["EVAL", "redis.call('set','k','v'); local i = 0; while i < 30000000 do i = i + 1 end return 1", "0"])
        XCTAssertTrue(n == 0 || reply.hasPrefix("-UNKILLABLE Sorry the script already executed write commands"), reply)
    }

    func testFunctionsAndPayloadRoundTrip() {
        let h = EngineHarness()
        let code = "#!lua name=lib\nredis.register_function('f', function(keys, args) return {keys[1], args[1]} end)"
        XCTAssertEqual(h.raw(["FUNCTION", "LOAD", code]), "$3\r\nlib\r\n")
        XCTAssertEqual(h.raw(["FCALL", "f", "1", "k", "a"]), "*2\r\n$1\r\nk\r\n$1\r\na\r\n")
        XCTAssertEqual(h.raw(["FCALL_RO", "f", "0"]), "-ERR Can not execute a script with write flag using *_ro command.\r\n")
        guard case .bulk(let payload) = h.run("FUNCTION", "DUMP") else { return XCTFail("no payload") }
        XCTAssertEqual(payload[0], 245)
        XCTAssertEqual(h.raw(["FUNCTION", "FLUSH"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["FCALL", "f", "0"]), "-ERR Function not found\r\n")
        h.client.out.clear()
        Argv.with([Array("FUNCTION".utf8), Array("RESTORE".utf8), payload]) { h.engine.execute(h.client, $0) }
        XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self), "+OK\r\n")
        XCTAssertEqual(h.raw(["FCALL", "f", "1", "x", "y"]), "*2\r\n$1\r\nx\r\n$1\r\ny\r\n")
    }

    func testLZFStringFromRedisDecodes() {
        // "aaaaaaaaaa": literal 'a' then a back-reference of length 9 at distance 1.
        let src: [UInt8] = [0x00, 0x61, 0xE0, 0x00, 0x00]
        let out = src.withUnsafeBytes { LZF.decompress($0, expected: 10) }
        XCTAssertEqual(out.map { String(decoding: $0, as: UTF8.self) }, "aaaaaaaaaa")
    }
}
