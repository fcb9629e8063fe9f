import XCTest
@testable import KeywardServer
import Engine

final class OptionsTests: XCTestCase {
    func testOptionsComeFromConfigAndCommandLine() throws {
        let e = Engine()
        try ConfigFile.load(arguments: ["--port", "7001", "--bind", "127.0.0.1", "::1", "--maxclients", "5",
                                        "--proto-max-bulk-len", "1mb"], into: e.config)
        let o = ServerOptions(e.config)
        XCTAssertEqual(o.port, 7001)
        XCTAssertEqual(o.bind, ["127.0.0.1", "::1"])
        XCTAssertEqual(o.maxClients, 5)
        XCTAssertEqual(o.maxBulkLen, 1024 * 1024)
    }

    func testDefaultsBindLoopbackOnly() {
        let o = ServerOptions(Engine().config)
        XCTAssertEqual(o.port, 6379)
        XCTAssertTrue(o.bind.allSatisfy { $0.hasPrefix("127.") || $0.hasPrefix("-::1") || $0 == "::1" }, "\(o.bind)")
        XCTAssertTrue(o.protectedMode)
    }

    func testBadConfigLineNamesTheLine() {
        let e = Engine()
        XCTAssertThrowsError(try ConfigFile.apply("port 7000\nnosuchdirective 1\n", into: e.config, include: { _ in [] })) { err in
            XCTAssertTrue("\(err)".contains("at line 2"), "\(err)")
        }
    }
}
