import XCTest
@testable import KeywardServer

final class OptionsTests: XCTestCase {
    func testCommandLineOverrides() throws {
        let o = try loadOptions(["--port", "7001", "--bind", "127.0.0.1", "::1", "--maxclients", "5"])
        XCTAssertEqual(o.port, 7001)
        XCTAssertEqual(o.bind, ["127.0.0.1", "::1"])
        XCTAssertEqual(o.maxClients, 5)
    }

    func testMissingConfigFileIsAnError() {
        XCTAssertThrowsError(try loadOptions(["/nonexistent/keyward.conf"]))
    }
}
