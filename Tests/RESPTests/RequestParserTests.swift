import XCTest
@testable import RESP

/// Feeds `input` to a parser in the given chunk sizes, the way a socket would deliver it, and
/// returns every request as argument lists (or the error text).
func parseAll(_ input: [UInt8], chunks: [Int], limits: ParserLimits = ParserLimits()) -> [Result<[[UInt8]], ParseFailure>] {
    var parser = RequestParser(limits: limits)
    var buffer: [UInt8] = []
    var out: [Result<[[UInt8]], ParseFailure>] = []
    var fed = 0
    var ci = 0
    while fed < input.count {
        let n = min(chunks.isEmpty ? input.count : chunks[ci % chunks.count], input.count - fed)
        ci += 1
        buffer += input[fed..<(fed + n)]
        fed += n
        loop: while true {
            let r = buffer.withUnsafeBytes { parser.parse($0) }
            switch r {
            case .needMore: break loop
            case .skip(let used): buffer.removeFirst(used)
            case .error(let text): out.append(.failure(ParseFailure(text: text))); return out
            case .command(let used):
                if parser.isInline {
                    out.append(.success(parser.inlineArgs))
                } else {
                    out.append(.success(parser.args.map { Array(buffer[$0.offset..<($0.offset + $0.count)]) }))
                }
                buffer.removeFirst(used)
            }
        }
    }
    return out
}

struct ParseFailure: Error, Equatable { let text: String }

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

final class RequestParserTests: XCTestCase {
    let pipeline = bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n*0\r\n\r\n  echo \"a b\\x41\" 'c\\'d'\r\n*1\r\n$0\r\n\r\n")
    var expected: [[[UInt8]]] {
        [[bytes("SET"), bytes("key"), bytes("va\r\nl")], [bytes("GET"), bytes("key")], [bytes("PING")],
         [bytes("echo"), bytes("a bA"), bytes("c'd")], [[]]]
    }

    func testWholeBuffer() {
        let r = parseAll(pipeline, chunks: [])
        XCTAssertEqual(r.compactMap { try? $0.get() }, expected)
    }

    func testDripFedByteByByte() {
        let r = parseAll(pipeline, chunks: [1])
        XCTAssertEqual(r.compactMap { try? $0.get() }, expected)
    }

    func testRandomSplits() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let chunks = (0..<8).map { _ in Int.random(in: 1...17, using: &rng) }
            let r = parseAll(pipeline, chunks: chunks)
            XCTAssertEqual(r.compactMap { try? $0.get() }, expected, "chunks \(chunks)")
        }
    }

    func testRedisErrorTexts() {
        func err(_ s: String, _ limits: ParserLimits = ParserLimits()) -> String? {
            if case .failure(let f)? = parseAll(bytes(s), chunks: [], limits: limits).last { return f.text }
            return nil
        }
        XCTAssertEqual(err("*1\r\n$99999999999\r\n"), "ERR Protocol error: invalid bulk length")
        XCTAssertEqual(err("*1\r\n$-3\r\n"), "ERR Protocol error: invalid bulk length")
        XCTAssertEqual(err("*x\r\n"), "ERR Protocol error: invalid multibulk length")
        XCTAssertEqual(err("*99999999999\r\n"), "ERR Protocol error: invalid multibulk length")
        XCTAssertEqual(err("*1\r\n+foo\r\n"), "ERR Protocol error: expected '$', got '+'")
        XCTAssertEqual(err("set \"a\r\n"), "ERR Protocol error: unbalanced quotes in request")
        XCTAssertEqual(err("set \"a\"b\r\n"), "ERR Protocol error: unbalanced quotes in request")
        XCTAssertEqual(err(String(repeating: "a", count: 70_000)), "ERR Protocol error: too big inline request")
        XCTAssertEqual(err("*" + String(repeating: "1", count: 70_000)), "ERR Protocol error: too big mbulk count string")
        var small = ParserLimits()
        small.maxBulkLen = 10
        XCTAssertEqual(err("*1\r\n$11\r\n", small), "ERR Protocol error: invalid bulk length")
    }

    func testNegativeAndZeroCountsAreSkipped() {
        let r = parseAll(bytes("*-5\r\n*0\r\nPING\r\n"), chunks: [2])
        XCTAssertEqual(r.compactMap { try? $0.get() }, [[bytes("PING")]])
    }

    func testUnauthenticatedLimits() {
        var p = RequestParser()
        p.authenticated = false
        let r = bytes("*11\r\n").withUnsafeBytes { p.parse($0) }
        XCTAssertEqual(r, .error("ERR Protocol error: unauthenticated multibulk length"))
        var p2 = RequestParser()
        p2.authenticated = false
        let r2 = bytes("*1\r\n$16385\r\n").withUnsafeBytes { p2.parse($0) }
        XCTAssertEqual(r2, .error("ERR Protocol error: unauthenticated bulk length"))
    }

    func testHugeMultibulkHeaderDoesNotPreallocate() {
        var p = RequestParser()
        let r = bytes("*1000000\r\n$1\r\na\r\n").withUnsafeBytes { p.parse($0) }
        XCTAssertEqual(r, .needMore)
        XCTAssertLessThan(p.args.capacity, 100_000)
    }

    func testRandomBytesNeverCrash() {
        var g = SplitMix(seed: 42)
        for _ in 0..<2000 {
            let n = Int(g.next() % 64)
            var input = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            // Bias towards protocol bytes so the parser's deeper states are reached.
            for i in input.indices where g.next() % 3 == 0 {
                input[i] = [42, 36, 13, 10, 48, 49, 45, 34, 39, 92][Int(g.next() % 10)]
            }
            _ = parseAll(input, chunks: [Int(g.next() % 7) + 1])
        }
    }

    func testParseInt64IsStrict() {
        func p(_ s: String) -> Int64? { bytes(s).withUnsafeBytes { parseInt64($0) } }
        XCTAssertEqual(p("0"), 0)
        XCTAssertEqual(p("-9223372036854775808"), Int64.min)
        XCTAssertEqual(p("9223372036854775807"), Int64.max)
        XCTAssertNil(p("9223372036854775808"))
        XCTAssertNil(p("01"))
        XCTAssertNil(p("-0"))
        XCTAssertNil(p(" 1"))
        XCTAssertNil(p("1 "))
        XCTAssertNil(p(""))
        XCTAssertNil(p("+1"))
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
