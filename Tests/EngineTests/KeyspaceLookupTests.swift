// The engine's lookup path over entry handles: lazy expiry, stats and LRU touch on one hash.
import XCTest
@testable import Engine
import RESP

final class KeyspaceLookupTests: XCTestCase {
    func testLazyExpiryStatsAndTouch() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "p", "w"]), "+OK\r\n")
        let db = h.engine.dbs[0]
        key("k").withRaw { db.setExpire($0, at: 1_000_500) }
        h.engine.now = 1_002_000
        XCTAssertEqual(h.raw(["GET", "p"]), "$1\r\nw\r\n")
        XCTAssertEqual(key("p").withRaw { db.accessClock($0) }, 1002)
        let hits = h.engine.stats.keyspaceHits, misses = h.engine.stats.keyspaceMisses
        XCTAssertEqual(h.raw(["GET", "k"]), "$-1\r\n")
        XCTAssertEqual(db.count, 1)
        XCTAssertEqual(db.volatileCount, 0)
        XCTAssertEqual(h.engine.stats.expiredKeys, 1)
        XCTAssertEqual(h.engine.stats.keyspaceMisses, misses + 1)
        XCTAssertEqual(h.engine.stats.keyspaceHits, hits)
        // Not yet due: still served, by both lookups.
        key("p").withRaw { db.setExpire($0, at: 1_003_000) }
        XCTAssertEqual(h.raw(["GET", "p"]), "$1\r\nw\r\n")
        XCTAssertNotNil(key("p").withRaw { h.engine.lookupWrite(db: 0, $0) })
        h.engine.now = 1_003_000   // due exactly now: still live (Redis expires when now > at)
        XCTAssertNotNil(key("p").withRaw { h.engine.lookupWrite(db: 0, $0) })
        h.engine.now = 1_003_001
        XCTAssertNil(key("p").withRaw { h.engine.lookupWrite(db: 0, $0) })
        XCTAssertEqual(db.count, 0)
        XCTAssertEqual(h.engine.stats.expiredKeys, 2)
    }
}
