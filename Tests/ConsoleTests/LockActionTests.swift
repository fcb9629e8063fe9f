import XCTest
import Admin
@testable import Console

/// `u` in the Locks view: confirmation naming lock and holder, Redisson's forceUnlock on the
/// master that listed the lock, refusal in read-only mode, and the result line.
final class LockActionTests: XCTestCase {
    func snapshot() -> ConsoleSnapshot {
        let doc = Fixtures.locks()
        var master = Fixtures.master()
        master.locks = doc
        var replica = Fixtures.replica(7001, offset: 0)
        replica.locks = doc
        return ConsoleSnapshot(topology: TopologyStatus(generatedAt: 0, seed: master.address, nodes: [master, replica]))
    }

    func testUConfirmsNamingLockAndHolderThenForceUnlocksOnTheMaster() {
        let snap = snapshot()
        var s = UIState()
        s.view = .locks
        XCTAssertEqual(Reducer.reduce(&s, .down, snap), [])
        let hints = Screen.render(snap, s, width: 100, height: 24, glyphs: .ascii).text
            .split(separator: "\n", omittingEmptySubsequences: false)[23]
        XCTAssertTrue(hints.hasSuffix("uUnlock qQuit"), String(hints))
        XCTAssertTrue(Screen.helpLines(s).contains("u                 force-unlock the selected lock (asks to"))
        XCTAssertEqual(Reducer.reduce(&s, .char("u"), snap), [])
        let footer = Screen.render(snap, s, width: 80, height: 24, glyphs: .ascii).text
            .split(separator: "\n", omittingEmptySubsequences: false)[22]
        XCTAssertEqual(footer, " FORCE-UNLOCK report (held by c2:1) on 127.0.0.1:7000? [y/N]")
        let effects = Reducer.reduce(&s, .char("y"), snap)
        XCTAssertEqual(effects, [.run(node: "127.0.0.1:7000",
                                      args: ["EVAL", RedissonLockText.forceUnlock, "2", "report", "redisson_lock__channel:{report}", "0"],
                                      label: "FORCE-UNLOCK report (held by c2:1)")])
        XCTAssertEqual(s.message, "FORCE-UNLOCK report (held by c2:1) sent to 127.0.0.1:7000…")
        // Anything but y cancels.
        _ = Reducer.reduce(&s, .char("u"), snap)
        XCTAssertEqual(Reducer.reduce(&s, .char("n"), snap), [])
        XCTAssertEqual(s.message, "FORCE-UNLOCK report (held by c2:1) cancelled")
        // :unlock is the same action; a hash-tagged name keeps its own braces in the channel.
        XCTAssertEqual(RedissonLockText.channel("a{b}"), "redisson_lock__channel:a{b}")
        s.selection = 0
        _ = Reducer.command(&s, "unlock", snap)
        XCTAssertEqual(s.confirm?.args[3], "orders")
    }

    func testReadOnlyRefusesAndOtherViewsExplain() {
        let snap = snapshot()
        var s = UIState(readOnly: true)
        s.view = .locks
        XCTAssertEqual(Reducer.reduce(&s, .char("u"), snap), [])
        XCTAssertNil(s.confirm)
        XCTAssertEqual(s.message, "read-only mode: FORCE-UNLOCK refused")
        var o = UIState()
        XCTAssertEqual(Reducer.reduce(&o, .char("u"), snap), [])
        XCTAssertNil(o.confirm)
        XCTAssertEqual(o.message, "FORCE-UNLOCK: select a lock in the Locks view (4) first")
        var empty = UIState()
        empty.view = .locks
        _ = Reducer.reduce(&empty, .char("u"), ConsoleSnapshot(topology: TopologyStatus(generatedAt: 0, seed: "x", nodes: [])))
        XCTAssertNil(empty.confirm)
    }

    func testOutcomeText() {
        let label = "FORCE-UNLOCK orders (held by c1:7)"
        XCTAssertEqual(Reducer.outcome(label: label, node: "h:1", reply: "1"), "lock orders force-unlocked on h:1; waiters notified")
        XCTAssertEqual(Reducer.outcome(label: label, node: "h:1", reply: "0"), "lock orders was not held any more on h:1; nothing deleted")
        XCTAssertEqual(Reducer.outcome(label: label, node: "h:1", reply: "(error) READONLY x"),
                       "FORCE-UNLOCK orders on h:1 failed: (error) READONLY x")
        XCTAssertEqual(Reducer.outcome(label: "BGSAVE", node: "h:1", reply: "Background saving started"),
                       "BGSAVE on h:1: Background saving started")
    }
}
