// Active expiry: reclaims keys whose TTL passed but that nobody reads (lazy expiry in
// `Engine.expireIfNeeded` covers the keys that are read). Redis 7.0's activeExpireCycle
// (expire.c), adapted to random sampling (`Database.sampleVolatile`) instead of a cursor over the
// expires dict:
// - each call visits up to 16 dbs round-robin (all of them after a call that ran out of time);
// - per db, sample 20 volatile keys (+5 per effort step), delete the expired ones, and repeat
//   while more than 10% (minus effort) of the sample was expired: the db is then probably full
//   of stale keys and worth more work;
// - stop when the time budget is spent: 25% of a cron period (25 ms at hz 10) for the slow cycle
//   run from the server cron, 1 ms for the fast cycle run before sleeping; the clock is checked
//   every 16 iterations, as Redis does;
// - keep `stats.expiredKeys`, `stats.expiredStalePerc` (running average of the expired fraction
//   of samples, INFO expired_stale_perc), `stats.expiredTimeCapReached` and each db's avg_ttl.
// Expired means `now > expireAt`, Redis's keyIsExpired, with `now` the engine's cached clock.

public final class ActiveExpireState {
    /// active-expire-effort, 1...10.
    public var effort = 1
    /// The server cron frequency (hz), which sets the slow cycle's time budget.
    public var hz = 10
    /// Microsecond clock for the time budget; injectable so tests can force the time cap.
    public var clock: () -> Int64 = monotonicMicros
    /// INFO expire_cycle_cpu_milliseconds, in microseconds.
    public var cycleTimeUsedMicros: Int64 = 0
    /// Running average TTL (ms) of sampled live volatile keys per db (INFO keyspace avg_ttl).
    public var avgTTL: [Int64] = []

    var currentDB = 0
    var timelimitExit = false
    var lastFastCycle: Int64 = 0

    public init() {}

    /// avg_ttl of db `i` (0 when unknown).
    public func averageTTL(_ i: Int) -> Int64 { i < avgTTL.count ? avgTTL[i] : 0 }

    func setAverageTTL(_ i: Int, _ v: Int64) {
        if avgTTL.count <= i { avgTTL += Array(repeating: 0, count: i + 1 - avgTTL.count) }
        avgTTL[i] = v
    }
}

extension Engine {
    static let expireKeysPerLoop = 20
    static let expireFastDurationMicros = 1000
    static let expireSlowTimePerc = 25
    static let expireAcceptableStale = 10
    static let cronDBsPerCall = 16

    /// One active expiry cycle; the server calls the slow one `hz` times a second and the fast
    /// one before sleeping. Bounded by the time budget described above.
    public func activeExpireCycle(fast: Bool) {
        let st = activeExpire
        if dbs.isEmpty { return }
        let effort = max(0, min(st.effort, 10) - 1)
        let keysPerLoop = Engine.expireKeysPerLoop + Engine.expireKeysPerLoop / 4 * effort
        let fastDuration = Int64(Engine.expireFastDurationMicros + Engine.expireFastDurationMicros / 4 * effort)
        let slowTimePerc = Engine.expireSlowTimePerc + 2 * effort
        let acceptableStale = Engine.expireAcceptableStale - effort

        // Redis compares the stale fraction (0...1) with a percentage here, so in practice a
        // fast cycle only runs after a slow one hit its time limit. Kept as is. Checked before
        // reading the clock: this runs before every event-loop sleep.
        if fast && !st.timelimitExit && stats.expiredStalePerc < Double(acceptableStale) { return }
        let start = st.clock()
        if fast {
            if start < st.lastFastCycle + fastDuration * 2 { return }
            st.lastFastCycle = start
        }

        var dbsPerCall = Engine.cronDBsPerCall
        if dbsPerCall > dbs.count || st.timelimitExit { dbsPerCall = dbs.count }
        var timelimit = Int64(slowTimePerc) * 1_000_000 / Int64(max(st.hz, 1)) / 100
        if timelimit <= 0 { timelimit = 1 }
        if fast { timelimit = fastDuration }
        st.timelimitExit = false

        var totalSampled = 0, totalExpired = 0
        var iteration = 0
        var sample: [(Bytes, Int64)] = []
        sample.reserveCapacity(keysPerLoop)
        var j = 0
        while j < dbsPerCall && !st.timelimitExit {
            j += 1
            let dbIndex = st.currentDB % dbs.count
            let d = dbs[dbIndex]
            // Advance first so that running out of time here resumes at the next db.
            st.currentDB = (st.currentDB + 1) % dbs.count
            while true {
                iteration += 1
                if d.volatileCount == 0 { st.setAverageTTL(dbIndex, 0); break }
                let n = min(d.volatileCount, keysPerLoop)
                sample.removeAll(keepingCapacity: true)
                d.sampleVolatile(n) { k, at in sample.append((k, at)) }
                var expired = 0, ttlSum: Int64 = 0, ttlSamples: Int64 = 0
                for (k, at) in sample {
                    if now > at {
                        k.withBytes { raw in
                            if d.remove(raw) != nil {
                                stats.expiredKeys += 1
                                keyExpired(db: dbIndex, raw)
                            }
                        }
                        expired += 1
                    }
                    let ttl = at &- now
                    if ttl > 0 { ttlSum &+= ttl; ttlSamples += 1 }
                }
                totalExpired += expired
                totalSampled += sample.count
                if ttlSamples > 0 {
                    // Running average: 2% the new sample, 98% the previous estimate.
                    let avg = ttlSum / ttlSamples
                    var prev = st.averageTTL(dbIndex)
                    if prev == 0 { prev = avg }
                    st.setAverageTTL(dbIndex, (prev / 50) * 49 + avg / 50)
                }
                if iteration & 0xf == 0 && st.clock() - start > timelimit {
                    st.timelimitExit = true
                    stats.expiredTimeCapReached += 1
                    break
                }
                // Redis repeats on an empty sample (a scan step can hit empty buckets); random
                // sampling only comes back empty when nothing is volatile, so stop instead.
                if sample.isEmpty || expired * 100 / sample.count <= acceptableStale { break }
            }
        }

        st.cycleTimeUsedMicros += st.clock() - start
        let perc = totalSampled > 0 ? Double(totalExpired) / Double(totalSampled) : 0
        stats.expiredStalePerc = perc * 0.05 + stats.expiredStalePerc * 0.95
    }
}
