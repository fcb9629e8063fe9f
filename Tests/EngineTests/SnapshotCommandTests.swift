// The snapshot against each write family (the file equals the instant whatever the command
// does next, walker not started or halfway), and the BGSAVE command surface: replies, INFO
// fields, LASTSAVE and the dirty counter, SAVE refused meanwhile, BGSAVE inside MULTI
// scheduled, save points starting a background save from the cron.
@testable import Engine
import RESP
import XCTest

final class SnapshotCommandTests: XCTestCase {
    static func populate(_ h: EngineHarness) {
        for db in ["1", "0"] {
            h.raw(["SELECT", db])
            for i in 0..<300 { h.raw(["SET", "s\(i)", "v\(i)"]) }
            h.raw(["SET", "str", "hello"]); h.raw(["SET", "num", "10"]); h.raw(["SET", "ttl", "x", "PX", "100000"])
            h.raw(["RPUSH", "list", "a", "b", "c", "d"])
            h.raw(["HSET", "hash", "f1", "1", "f2", "2"])
            h.raw(["SADD", "set", "a", "b", "c"]); h.raw(["SADD", "iset", "1", "2", "3"])
            h.raw(["ZADD", "zset", "1", "a", "2", "b", "3", "c"])
            h.raw(["BF.ADD", "bf", "a1"])
            // Past the listpack limits: a skiplist zset and a hashtable hash (handed over as
            // copy-on-write copies, SnapshotEntry.detach).
            h.raw(["ZADD", "skipz", "1", String(repeating: "m", count: 80), "2", "x"])
            h.raw(["HSET", "tablehash", "f", String(repeating: "v", count: 80), "g", "1"])
        }
    }

    static let families: [[[String]]] = [
        [["SET", "str", "other"]], [["SET", "str", "new", "KEEPTTL"]], [["APPEND", "str", "more"]],
        [["SETRANGE", "str", "1", "XY"]], [["SETBIT", "str", "3", "1"]], [["INCR", "num"]],
        [["INCRBYFLOAT", "num", "1.5"]], [["GETDEL", "str"]], [["GETEX", "ttl", "PERSIST"]],
        [["DEL", "str", "list", "s5"]], [["UNLINK", "hash", "s250"]], [["EXPIRE", "str", "100"]],
        [["PERSIST", "ttl"]], [["PEXPIRE", "s7", "0"]], [["RENAME", "list", "s1"]], [["RENAME", "s299", "str"]],
        [["MOVE", "hash", "1"]], [["MOVE", "str", "2"]], [["COPY", "list", "str", "REPLACE"]],
        [["LPUSH", "list", "z"]], [["RPOP", "list"]], [["LSET", "list", "1", "q"]], [["LTRIM", "list", "1", "2"]],
        [["LINSERT", "list", "BEFORE", "b", "n"]], [["LMOVE", "list", "list", "LEFT", "RIGHT"]], [["LREM", "list", "0", "a"]],
        [["HSET", "hash", "f3", "3"]], [["HDEL", "hash", "f1"]], [["HINCRBY", "hash", "f1", "5"]], [["HSETNX", "hash", "x", "y"]],
        [["SADD", "set", "d"]], [["SREM", "set", "a"]], [["SPOP", "set"]], [["SMOVE", "set", "iset", "a"]],
        [["SADD", "iset", "notint"]], [["SINTERSTORE", "set", "set", "iset"]], [["SUNIONSTORE", "s3", "set", "iset"]],
        [["ZADD", "zset", "9", "a"]], [["ZINCRBY", "zset", "1", "b"]], [["ZREM", "zset", "c"]], [["ZPOPMIN", "zset"]],
        [["ZREMRANGEBYSCORE", "zset", "0", "2"]], [["ZUNIONSTORE", "zset", "1", "zset"]],
        [["SORT", "list", "ALPHA", "STORE", "s8"]], [["BF.ADD", "bf", "b2"]],
        [["FLUSHDB"]], [["FLUSHALL"]], [["FLUSHALL", "ASYNC"]], [["SWAPDB", "0", "1"]], [["SWAPDB", "0", "5"]],
        [["MULTI"], ["SET", "str", "m"], ["RPUSH", "list", "m"], ["EXEC"]],
        [["EVAL", "redis.call('set','str','lua'); redis.call('hset','hash','f1','lua'); return 1", "0"]],
        [["SET", "ttl", "now", "PXAT", "1"]], [["DEBUG", "RELOAD"]],
    ]

    func check(_ cmds: [[String]], walked: Int, lazyFree: Bool) throws {
        let e = Engine()
        if lazyFree { e.lazyFree = { $0.release() } }
        let h = EngineHarness(engine: e)
        SnapshotCommandTests.populate(h)
        let (sink, want, instant) = SnapshotModelTests.start(e)
        if walked > 0 { e.persistence.snapshot!.step(micros: 1_000_000, maxWork: walked) }
        for c in cmds { h.raw(c) }
        SnapshotModelTests.finish(e, sink)
        let got = try SnapshotModelTests.load(sink.bytes, now: instant)
        XCTAssertEqual(got.count, want.count, "\(cmds) walked \(walked)")
        for (k, v) in want where got[k] != v {
            XCTFail("\(cmds) walked \(walked): \(k) saved as \(got[k] ?? "missing"), was \(v)")
        }
    }

    func testEveryFamilyKeepsTheInstant() throws {
        let dir = "/tmp/keyward-snapshot-test-\(getpid())"
        mkdir(dir, 0o755)
        let old = currentDir()
        chdir(dir)
        defer { chdir(old) }
        for cmds in SnapshotCommandTests.families {
            for walked in [0, 1500, 4000] {
                try check(cmds, walked: walked, lazyFree: walked == 1500)
            }
        }
    }

    // MARK: commands

    func testBgsaveRepliesInfoAndLastsave() throws {
        let e = Engine()
        e.now = 1_700_000_000_000
        let h = EngineHarness(engine: e)
        var sink = MemorySnapshotSink()
        e.persistence.makeSink = { _ in sink }
        for i in 0..<2000 { h.raw(["SET", "k\(i)", "v"]) }
        XCTAssertEqual(h.raw(["BGSAVE", "NOW"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["BGSAVE"]), "+Background saving started\r\n")
        XCTAssertEqual(h.raw(["BGSAVE"]), "-ERR Background save already in progress\r\n")
        XCTAssertEqual(h.raw(["BGSAVE", "SCHEDULE"]), "-ERR Background save already in progress\r\n")
        XCTAssertEqual(h.raw(["SAVE"]), "-ERR Background save already in progress\r\n")
        var info = h.raw(["INFO", "persistence"])
        XCTAssertTrue(info.contains("rdb_bgsave_in_progress:1\r\n"), info)
        XCTAssertTrue(info.contains("current_save_keys_total:2000\r\n"), info)
        XCTAssertTrue(info.contains("rdb_current_bgsave_time_sec:0\r\n"), info)
        h.raw(["SET", "after", "1"])
        e.now += 3000
        SnapshotModelTests.finish(e, sink)
        info = h.raw(["INFO", "persistence"])
        XCTAssertTrue(info.contains("rdb_bgsave_in_progress:0\r\n"), info)
        XCTAssertTrue(info.contains("rdb_last_bgsave_status:ok\r\n"), info)
        XCTAssertTrue(info.contains("rdb_last_bgsave_time_sec:3\r\n"), info)
        // Only the change made after the instant is still unsaved.
        XCTAssertTrue(info.contains("rdb_changes_since_last_save:1\r\n"), info)
        XCTAssertEqual(h.raw(["LASTSAVE"]), ":\(e.now / 1000)\r\n")
        XCTAssertEqual(e.persistence.saves, 1)

        // Inside MULTI: scheduled, started by the cron.
        sink = MemorySnapshotSink()
        h.raw(["MULTI"]); h.raw(["BGSAVE"])
        XCTAssertEqual(h.raw(["EXEC"]), "*1\r\n+Background saving scheduled\r\n")
        XCTAssertFalse(e.backgroundSaveInProgress)
        e.backgroundSaveCron()
        XCTAssertTrue(e.backgroundSaveInProgress)
        SnapshotModelTests.finish(e, sink)

        // A failed save: status err, no LASTSAVE change.
        final class Failing: SnapshotSink {
            var closed = false
            func write(_ bytes: UnsafeRawBufferPointer) {}
            func close(checksum: Bool) { closed = true }
            func cancel() {}
            var pendingBytes: Int { 0 }
            func poll() -> SnapshotOutcome? { closed ? .failed("disk full") : nil }
        }
        e.persistence.makeSink = { _ in Failing() }
        let last = e.lastSave
        e.now += 5000
        XCTAssertEqual(h.raw(["BGSAVE"]), "+Background saving started\r\n")
        while e.backgroundSaveInProgress { e.backgroundSaveStep(micros: 100_000) }
        XCTAssertTrue(h.raw(["INFO", "persistence"]).contains("rdb_last_bgsave_status:err\r\n"))
        XCTAssertEqual(e.lastSave, last)
    }

    func testSavePointsStartABackgroundSave() {
        let e = Engine()
        e.now = 1_700_000_000_000
        e.lastSave = e.now / 1000
        let h = EngineHarness(engine: e)
        let sink = MemorySnapshotSink()
        e.persistence.makeSink = { _ in sink }
        XCTAssertEqual(h.raw(["CONFIG", "SET", "save", "10 3"]), "+OK\r\n")
        h.raw(["SET", "a", "1"]); h.raw(["SET", "b", "1"]); h.raw(["SET", "c", "1"])
        e.now += 5000
        e.backgroundSaveCron()
        XCTAssertFalse(e.backgroundSaveInProgress, "not yet 10 s")
        e.now += 6000
        e.backgroundSaveCron()
        XCTAssertTrue(e.backgroundSaveInProgress)
        SnapshotModelTests.finish(e, sink)
        XCTAssertEqual(e.dirty, 0)
        e.backgroundSaveCron()
        XCTAssertFalse(e.backgroundSaveInProgress, "nothing changed since")
    }

    func testShutdownCancelsARunningSave() {
        let e = Engine()
        let h = EngineHarness(engine: e)
        let sink = MemorySnapshotSink()
        h.raw(["SET", "a", "1"])
        XCTAssertTrue(e.startBackgroundSave(sink: sink))
        e.cancelBackgroundSave()
        XCTAssertTrue(sink.cancelled)
        XCTAssertFalse(e.backgroundSaveInProgress)
        XCTAssertNil(e.dbs[0].table.snapshot)
        h.raw(["SET", "a", "2"])   // no hook left behind
    }
}
