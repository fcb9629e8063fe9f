// redis.call's lean paths against their slow references: replies pushed to Lua straight from
// RESP bytes (pushRESPReply) against parseRESPValue + pushReply, and number arguments
// formatted without printf against %.17g.
import XCTest
@testable import Engine
import CLua
import RESP

final class LuaReplyTests: XCTestCase {
    /// Both ways of pushing `resp` leave the same Lua value (compared by writing it back as
    /// RESP3 and RESP2) and agree on whether redis.call raises.
    private func assertSamePush(_ resp: String, file: StaticString = #filePath, line: UInt = #line) {
        let vm = Engine().scripting.vm
        let L = vm.L
        let bytes = Array(resp.utf8)
        for resp3 in [false, true] {
            for proto in [RESPVersion.v2, .v3] {
                let base = lua_gettop(L)
                let fastError = bytes.withUnsafeBytes { vm.pushRESPReply($0, resp3: resp3) }
                var fast = ByteBuffer()
                vm.writeTop(&fast, proto: proto, scriptResp3: resp3)
                let value = (try? parseRESPValue(bytes))?.0 ?? .null
                vm.pushReply(value, resp3: resp3)
                var slow = ByteBuffer()
                vm.writeTop(&slow, proto: proto, scriptResp3: resp3)
                let slowError: Bool
                if case .error = value { slowError = true } else { slowError = false }
                XCTAssertEqual(String(decoding: fast.readableBytes, as: UTF8.self),
                               String(decoding: slow.readableBytes, as: UTF8.self),
                               "\(resp.debugDescription) resp3=\(resp3) proto=\(proto)", file: file, line: line)
                XCTAssertEqual(fastError, slowError, resp.debugDescription, file: file, line: line)
                XCTAssertEqual(lua_gettop(L), base, "stack balance", file: file, line: line)
            }
        }
    }

    func testEveryReplyTypeConvertsAsBefore() {
        for r in [":0\r\n", ":-42\r\n", ":9223372036854775807\r\n", ":+7\r\n",
                  "$3\r\nabc\r\n", "$0\r\n\r\n", "$-1\r\n", "$4\r\na\0\r\n\r\n",
                  "+OK\r\n", "+QUEUED\r\n", "+caf\u{e9}\r\n",
                  "-ERR wrong\r\n", "-WRONGTYPE Operation against a key\r\n", "-NOCODE\r\n",
                  "*0\r\n", "*-1\r\n", "*3\r\n:1\r\n$1\r\nx\r\n*2\r\n+OK\r\n-ERR e\r\n",
                  "*2\r\n_\r\n:5\r\n", "~2\r\n$1\r\na\r\n:3\r\n", ">2\r\n$7\r\nmessage\r\n:1\r\n",
                  "%2\r\n$1\r\nk\r\n:1\r\n$2\r\nk2\r\n*1\r\n#t\r\n",
                  "_\r\n", ",3.25\r\n", ",inf\r\n", "#t\r\n", "#f\r\n", "(12345678901234567890\r\n",
                  "=15\r\ntxt:hello world\r\n", "!9\r\nERR blob!\r\n",
                  "|1\r\n+key\r\n:1\r\n:99\r\n", "|1\r\n+key\r\n:1\r\n-ERR after attribute\r\n"] {
            assertSamePush(r)
        }
    }

    /// Incomplete or malformed replies become a null, whatever was pushed before the fault.
    func testMalformedRepliesBecomeNull() {
        for r in ["", ":", ":12", ":abc\r\n", ":\r\n", "$5\r\nab", "$x\r\n", "*2\r\n:1\r\n",
                  "*2\r\n*1\r\n$3\r\nabc\r\n$9\r\n", "?1\r\n", "%1\r\n:1\r\n",
                  ":99999999999999999999\r\n", String(repeating: "*1\r\n", count: 70) + ":1\r\n"] {
            assertSamePush(r)
        }
    }

    /// SHA-1 around the padding boundaries (one or two tail blocks, whole blocks), and EVAL
    /// finding a cached body by hashing it straight into a ScriptID.
    func testSHA1BlockBoundariesAndEvalOfCachedBody() {
        let expected = [55: "ddf57317ef34bfee3b6df83d359098930eb278bc", 56: "a0d492bb0fc889d0eca3bc137066ab6f4f74f369",
                        63: "c55856749bef509bdfe6bfebfc7bf4e793e82132", 64: "bede92be29c3874e1b54ddc77988d606fc857a8e",
                        65: "b05a80522b053d6dc7e0a517d0e70212c7dad11f", 119: "504e27376a6e0f0dba8295b85cb25dc4dfa17d23",
                        120: "82134b02fb3f702491be9bed581eeab59334acb2", 128: "a09133e6730ffe899efb70204cb5646cd5dc24ee"]
        for (n, hex) in expected {
            let data = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            XCTAssertEqual(SHA1.hex(data), hex, "length \(n)")
            XCTAssertEqual(data.withUnsafeBytes { ScriptID(sha1Of: $0) }, ScriptID(hex), "length \(n)")
        }
        let h = EngineHarness()
        let body = "return redis.call('incr', KEYS[1])"
        XCTAssertEqual(h.raw(["EVAL", body, "1", "n"]), ":1\r\n")
        XCTAssertEqual(h.raw(["EVAL", body, "1", "n"]), ":2\r\n")
        XCTAssertEqual(h.raw(["EVALSHA", SHA1.hex(body), "1", "n"]), ":3\r\n")
        XCTAssertEqual(h.raw(["SCRIPT", "EXISTS", SHA1.hex(body)]), "*1\r\n:1\r\n")
    }

    /// Number arguments reach the command as %.17g would print them.
    func testNumberArgumentsFormatAsPrintf() {
        let h = EngineHarness()
        let values = ["0", "1", "-1", "42", "123456789", "-9007199254740993", "9007199254740992",
                      "99999999999999990", "1e17", "-1e17", "1e300", "0.5", "0.1", "-2.5e-7", "1/0", "-1/0"]
        let expr = values.map { "(\($0))" }.joined(separator: ", ")
        // -0 needs a runtime negation (the compiler folds a constant -0 to 0).
        let script = "local z = tonumber(ARGV[1]) * -1; return redis.call('rpush', KEYS[1], z, \(expr))"
        XCTAssertEqual(h.raw(["EVAL", script, "1", "l", "0"]), ":\(values.count + 1)\r\n")
        guard case .array(let items) = h.run("LRANGE", "l", "0", "-1") else { return XCTFail("no list") }
        let got = items.map { $0.string ?? "?" }
        let doubles: [Double] = [-0.0, 0, 1, -1, 42, 123456789, -9007199254740993, 9007199254740992,
                                 99999999999999990, 1e17, -1e17, 1e300, 0.5, 0.1, -2.5e-7, .infinity, -.infinity]
        XCTAssertEqual(got, doubles.map { cFormat("%.17g", $0) })
        XCTAssertEqual(Array(got.prefix(4)), ["-0", "0", "1", "-1"])
    }
}

#if canImport(Glibc)
import Glibc
#endif
