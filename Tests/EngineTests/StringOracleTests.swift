import XCTest

/// Byte-exact replay of replies recorded from redis-server 7.0.15 (see OracleTranscript and
/// Tests/Fixtures/gen_string_oracle.py): hand-picked edge cases, a random mix of every string
/// and bitmap command with wrong types and bad arguments, and a random run focused on range
/// arithmetic (BITPOS/BITCOUNT/GETRANGE), BITFIELD widths and overflow, and LCS.
final class StringOracleTests: XCTestCase {
    func testHandPickedCases() {
        let failures = OracleTranscript.replay("strings_cases.transcript")
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }

    func testRandomStringAndBitmapCommands() {
        let failures = OracleTranscript.replay("strings_random.transcript")
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }

    func testRandomRangesBitfieldsAndLCS() {
        let failures = OracleTranscript.replay("strings_focused.transcript")
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }

    /// Developer aid: KEYWARD_ORACLE_FILES=/abs/a.transcript:/abs/b.transcript replays more
    /// recordings (e.g. fresh ones from gen_string_oracle.py) without committing them.
    func testExtraTranscriptsFromEnvironment() throws {
        guard let list = getenv("KEYWARD_ORACLE_FILES").map({ String(cString: $0) }) else {
            throw XCTSkip("KEYWARD_ORACLE_FILES not set")
        }
        for path in list.split(separator: ":") {
            let failures = OracleTranscript.replay(String(path))
            XCTAssertTrue(failures.isEmpty, "\(path):\n" + failures.joined(separator: "\n"))
        }
    }
}
