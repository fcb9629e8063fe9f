import XCTest
@testable import Console

final class ThemeTests: XCTestCase {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Themes")

    func testShippedThemesParseAndCoverEveryStyle() throws {
        for name in ["default", "light", "high-contrast", "monochrome"] {
            let text = try String(contentsOf: Self.themes.appendingPathComponent("\(name).theme"), encoding: .utf8)
            let t = try Theme(name: "file", parsing: text)
            XCTAssertEqual(t.name, name)
            XCTAssertEqual(Set(t.specs.keys), Set(Style.allCases), name)
        }
    }

    func testParsesColoursAndAttributesAndRejectsTypos() throws {
        let t = try Theme(name: "x", parsing: "# c\nheader = fg:bright-white bg:24 bold  # trailing\nfail = fg:red reverse\n")
        var h = StyleSpec(); h.fg = .index(15); h.bg = .index(24); h.bold = true
        XCTAssertEqual(t.spec(.header), h)
        XCTAssertEqual(t.spec(.fail).fg, .index(1))
        XCTAssertThrowsError(try Theme(name: "x", parsing: "haeder = bold")) {
            XCTAssertEqual($0 as? Theme.ParseError, .badLine(1, "haeder = bold"))
        }
        XCTAssertThrowsError(try Theme(name: "x", parsing: "ok = fg:chartreuse"))
    }

    func testDegradesTo8ColoursAndToNoColour() throws {
        let t = try Theme(name: "t", parsing: "header = fg:bright-white bg:24\nwarn = fg:214\nhint = fg:250 bg:236\nok = fg:green\n")
        let eight = t.adapted(colors: 8)
        XCTAssertEqual(eight.spec(.header).fg, .index(7))
        XCTAssertTrue(eight.spec(.header).bold, "bright becomes bold")
        XCTAssertEqual(eight.spec(.header).bg, .index(4), "24 (dark blue) is blue")
        XCTAssertEqual(eight.spec(.warn).fg, .index(3), "214 (orange) is yellow")
        XCTAssertEqual(eight.spec(.hint).bg, .index(0), "a dark grey is black")
        XCTAssertEqual(eight.spec(.ok).fg, .index(2))
        let none = t.adapted(colors: 0)
        XCTAssertEqual(none.spec(.header).fg, .terminalDefault)
        XCTAssertTrue(none.spec(.header).reverse, "a coloured background becomes reverse video")
        XCTAssertTrue(none.spec(.warn).bold)
        XCTAssertEqual(t.adapted(colors: 256), t)
    }

    func testGridWideGlyphsAndClipping() {
        var g = Grid(width: 6, height: 2)
        XCTAssertEqual(g.put(0, 0, "中█x"), 4)
        XCTAssertTrue(g[1, 0].continuation)
        g.put(4, 1, "abc")
        XCTAssertEqual(g.text, "中█x\n    ab")
        XCTAssertEqual(fit("127.0.0.1:7000", 8), "127.0.0~")
        XCTAssertEqual(fit("ab", 4, right: true), "  ab")
        XCTAssertEqual(Glyphs.ascii.bar(0.5, width: 4), "##..")
    }
}
