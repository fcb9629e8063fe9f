import XCTest
import Admin

final class AdminJSONTests: XCTestCase {
    struct Inner: Codable, Equatable { var name: String; var lag: Double? }
    struct Doc: Codable, Equatable {
        var version: Int
        var ok: Bool
        var offsets: [Int64]
        var inner: Inner
        var missing: String?
        var extra: JSONValue
    }

    func testEncodesInDeclarationOrderOmittingNilOptionals() throws {
        let d = Doc(version: 1, ok: true, offsets: [1, 2], inner: Inner(name: "a\"b\n\u{1}", lag: 0.5), missing: nil,
                    extra: .object([("z", .int(1)), ("a", .array([.null, .bool(false)]))]))
        XCTAssertEqual(try AdminJSON.encode(d),
                       #"{"version":1,"ok":true,"offsets":[1,2],"inner":{"name":"a\"b\n\u0001","lag":0.5},"extra":{"z":1,"a":[null,false]}}"#)
    }

    func testDoublesAndNonFiniteValues() {
        XCTAssertEqual(JSONValue.double(3).text, "3")
        XCTAssertEqual(JSONValue.double(.infinity).text, "null")
        XCTAssertEqual(JSONValue.double(-0.25).text, "-0.25")
        XCTAssertEqual(JSONValue.array([]).text, "[]")
        XCTAssertEqual(JSONValue.object([]).text, "{}")
    }

    func testArraysOfStructsAndNestedArrays() throws {
        XCTAssertEqual(try AdminJSON.encode([Inner(name: "x", lag: nil), Inner(name: "y", lag: 2)]),
                       #"[{"name":"x"},{"name":"y","lag":2}]"#)
        XCTAssertEqual(try AdminJSON.encode([[1, 2], [3]]), "[[1,2],[3]]")
        XCTAssertEqual(try AdminJSON.encode(["k": [true]]), #"{"k":[true]}"#)
    }
}
