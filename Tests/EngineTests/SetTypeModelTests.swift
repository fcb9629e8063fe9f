// SetValue against a Set<Bytes> model across the intset/hashtable threshold: members, counts,
// conversion points (as redis-server 7.0.15 reports them) and invariants after each step.
import XCTest
@testable import Engine

final class SetTypeModelTests: XCTestCase {
    func add(_ s: SetValue, _ m: String, limit: Int) -> Bool {
        var m = m
        return m.withUTF8 { s.add(UnsafeRawBufferPointer($0), maxIntsetEntries: limit) }
    }
    func remove(_ s: SetValue, _ m: String) -> Bool {
        var m = m
        return m.withUTF8 { s.remove(UnsafeRawBufferPointer($0)) }
    }
    func contains(_ s: SetValue, _ m: String) -> Bool {
        var m = m
        return m.withUTF8 { s.contains(UnsafeRawBufferPointer($0)) }
    }
    func check(_ s: SetValue, _ model: Set<String>, file: StaticString = #filePath, line: UInt = #line) {
        s.checkInvariants()
        XCTAssertEqual(s.count, model.count, file: file, line: line)
        XCTAssertEqual(Set(s.members.map(\.string)), model, file: file, line: line)
    }

    func testIntegersStayIntsetUpToTheLimitThenConvert() {
        for limit in [0, 1, 4, 16, 512] {
            let s = SetValue()
            var model = Set<String>()
            for i in 0..<(limit + 3) {
                XCTAssertTrue(add(s, String(i * 7 - 20), limit: limit))
                model.insert(String(i * 7 - 20))
                XCTAssertEqual(s.encodingName, model.count <= limit ? "intset" : "hashtable", "limit \(limit) n \(model.count)")
                check(s, model)
            }
            // Never back: removing down to one member keeps the hashtable.
            for m in model.dropFirst() { XCTAssertTrue(remove(s, m)); model.remove(m) }
            XCTAssertEqual(s.encodingName, "hashtable")
            check(s, model)
        }
    }

    func testNonCanonicalIntegersConvert() {
        for m in ["01", "+1", "-0", " 1", "1 ", "1.0", "", "9223372036854775808", "-9223372036854775809", "a"] {
            let s = SetValue()
            _ = add(s, "5", limit: 512)
            XCTAssertTrue(add(s, m, limit: 512), m)
            XCTAssertEqual(s.encodingName, "hashtable", m)
            XCTAssertTrue(contains(s, m))
            XCTAssertTrue(contains(s, "5"))
            check(s, ["5", m])
        }
        let s = SetValue()
        for m in ["9223372036854775807", "-9223372036854775808", "0", "-1"] { _ = add(s, m, limit: 512) }
        XCTAssertEqual(s.encodingName, "intset")
        XCTAssertEqual(s.members.map(\.string), ["-9223372036854775808", "-1", "0", "9223372036854775807"])
    }

    func testCreateForFirstMember() {
        XCTAssertEqual(Array("12".utf8).withUnsafeBytes { SetValue.create(for: $0) }.encodingName, "intset")
        XCTAssertEqual(Array("x".utf8).withUnsafeBytes { SetValue.create(for: $0) }.encodingName, "hashtable")
    }

    /// Random adds/removes of integers and strings, with a low limit so both conversion
    /// paths (too many members, a non-integer member) are crossed many times.
    func testRandomOperationsMatchModel() {
        for round in 0..<30 {
            let limit = [2, 8, 64][round % 3]
            let s = SetValue()
            var model = Set<String>()
            let stringsAllowed = round % 2 == 0
            for _ in 0..<200 {
                let m = stringsAllowed && Int.random(in: 0..<10) == 0 ? "m\(Int.random(in: 0..<50))"
                                                                     : String(Int64.random(in: -70000...70000))
                if Int.random(in: 0..<3) == 0, let victim = model.randomElement() {
                    XCTAssertTrue(remove(s, victim))
                    model.remove(victim)
                } else {
                    XCTAssertEqual(add(s, m, limit: limit), model.insert(m).inserted)
                }
                XCTAssertEqual(contains(s, m), model.contains(m))
                XCTAssertFalse(contains(s, "absent"))
                s.checkInvariants()
            }
            check(s, model)
        }
    }

    func testCopyKeepsEncodingAndIsIndependent() {
        for members in [["1", "2", "3"], ["a", "2"]] {
            let s = SetValue()
            for m in members { _ = add(s, m, limit: 512) }
            let c = s.copy() as! SetValue
            XCTAssertEqual(c.encodingName, s.encodingName)
            _ = add(s, "99", limit: 512)
            _ = remove(s, members[0])
            check(c, Set(members))
        }
    }

    func testRandomElementCoversEveryMember() {
        for members in [["1", "2", "3"], ["a", "b", "c"]] {
            let s = SetValue()
            for m in members { _ = add(s, m, limit: 512) }
            var seen = Set<String>()
            for _ in 0..<300 { seen.insert(s.randomElement()!.withBytes { String(decoding: $0, as: UTF8.self) }) }
            XCTAssertEqual(seen, Set(members))
        }
        XCTAssertNil(SetValue().randomElement())
    }
}
