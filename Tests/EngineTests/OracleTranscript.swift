// Replays transcripts recorded from a real redis-server 7.0.15 (Tests/Fixtures/*.transcript,
// written by Tests/Fixtures/gen_string_oracle.py) against the engine and compares every reply
// byte for byte. Lines are `args => reply` with bytes outside printable ASCII (and '%') as %XX;
// lines starting with '!' are directives the replay performs in-process, because the families
// they need (lists, OBJECT, FLUSHALL) are not part of this one:
//   !flush  !wrongtype KEY  !encoding KEY => reply  !resp3  !resp2
import XCTest
@testable import Engine
import RESP

/// A stand-in aggregate value, so string commands can meet a key of another type.
final class FakeList: ObjectValue {
    var typeName: String { "list" }
    var encodingName: String { "quicklist" }
    func copy() -> ObjectValue { FakeList() }
}

enum OracleTranscript {
    static func decode(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 37, i + 2 < u.count, let v = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v); i += 3
            } else {
                out.append(u[i]); i += 1
            }
        }
        return out
    }

    static func fixture(_ name: String, file: String = #filePath) -> String? {
        var dir = file
        while let last = dir.last, last != "/" { dir.removeLast() }
        let path = name.hasPrefix("/") ? name : dir + "../Fixtures/" + name
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Replays `name`; returns the mismatches as readable lines (empty when all replies match).
    static func replay(_ name: String, limit: Int = 20) -> [String] {
        guard let text = fixture(name) else { return ["missing fixture \(name)"] }
        let h = EngineHarness()
        var failures: [String] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let parts = line.components(separatedBy: " => ")
            let lhs = parts[0]
            let expected = parts.count > 1 ? decode(Substring(parts[1])) : []
            var got: [UInt8]? = nil
            if lhs.hasPrefix("!") {
                let words = lhs.dropFirst().split(separator: " ")
                let key = words.count > 1 ? decode(words[1]) : []
                let db = h.engine.dbs[h.client.db]
                switch words[0] {
                case "flush": db.removeAll()
                case "resp3": h.client.proto = .v3
                case "resp2": h.client.proto = .v2
                case "wrongtype":
                    key.withUnsafeBytes { k in db.remove(k); db.set(k, .object(FakeList())) }
                case "encoding":
                    let v = key.withUnsafeBytes { h.engine.lookup(db: h.client.db, $0, touch: false) }
                    got = Array((v.map { "$\($0.encodingName.utf8.count)\r\n\($0.encodingName)\r\n" } ?? "$-1\r\n").utf8)
                default: failures.append("line \(n + 1): unknown directive \(lhs)")
                }
            } else {
                let args = lhs.split(separator: " ", omittingEmptySubsequences: false).map { decode($0) }
                h.client.out.clear()
                Argv.with(args) { h.engine.execute(h.client, $0) }
                got = h.client.out.readableBytes
            }
            if let got, got != expected {
                failures.append("line \(n + 1): \(lhs)\n  expected \(show(expected))\n  got      \(show(got))")
                if failures.count >= limit { break }
            }
        }
        return failures
    }

    static func show(_ b: [UInt8]) -> String {
        var s = ""
        for x in b.prefix(300) {
            if x >= 32 && x < 127 { s.unicodeScalars.append(UnicodeScalar(x)) } else { s += x == 13 ? "\\r" : x == 10 ? "\\n" : "\\x" + String(x, radix: 16) }
        }
        return b.count > 300 ? s + "..." : s
    }
}
