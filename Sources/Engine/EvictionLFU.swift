// LFU access counters (Redis's object.c/evict.c "LFU" section), kept in the 32-bit access
// field of each key entry while an LFU policy is selected (the field holds LRU seconds
// otherwise; switching policies reinterprets old values, as Redis does, and they settle as
// keys are accessed):
//
//      bits 31..24 unused | 23..8 last decrement time (minutes, mod 2^16) | 7..0 counter
//
// The counter is logarithmic: an access increments it with probability
// 1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1), so with the default factor 10 it takes
// about a million hits to reach 255. It decays by one every lfu-decay-time minutes since the
// last decrement, applied lazily when read. New keys start at LFU_INIT_VAL (5) so they are not
// evicted before they had a chance to be accessed.

enum LFU {
    static let initValue: UInt32 = 5

    /// Minutes clock, 16 bits (LFUGetTimeInMinutes).
    @inline(__always) static func minutes(nowMs: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: (nowMs / 1000 / 60) & 0xFFFF)
    }

    /// Minutes since `ldt`, modulo the 16-bit wrap (LFUTimeElapsed).
    @inline(__always) static func elapsed(since ldt: UInt32, now: UInt32) -> UInt32 {
        now >= ldt ? now - ldt : 65535 - ldt + now
    }

    @inline(__always) static func field(minutes: UInt32, counter: UInt32) -> UInt32 {
        (minutes & 0xFFFF) << 8 | (counter & 0xFF)
    }

    /// The counter after lazy decay (LFUDecrAndReturn); does not store it.
    static func decayed(_ field: UInt32, now: UInt32, decayTime: Int) -> UInt32 {
        let ldt = (field >> 8) & 0xFFFF
        let counter = field & 0xFF
        guard decayTime > 0 else { return counter }
        let periods = elapsed(since: ldt, now: now) / UInt32(decayTime)
        return periods > counter ? 0 : counter - periods
    }

    /// One logarithmic increment with a given uniform draw `r` in [0, 1) (LFULogIncr).
    static func increment(_ counter: UInt32, logFactor: Int, r: Double) -> UInt32 {
        if counter == 255 { return 255 }
        let base = counter > initValue ? Double(counter - initValue) : 0
        let p = 1.0 / (base * Double(logFactor) + 1)
        return r < p ? counter + 1 : counter
    }
}

extension AccessClock {
    /// The access field a new key starts with: LRU seconds, or under LFU the current minute
    /// with LFU_INIT_VAL.
    @inline(__always) var newEntryStamp: UInt32 {
        lfu ? LFU.field(minutes: (seconds / 60) & 0xFFFF, counter: LFU.initValue) : seconds
    }
}

extension Engine {
    /// Records an access for eviction and OBJECT IDLETIME/FREQ: the LRU clock, or under LFU a
    /// counter update.
    @inline(__always) func touchAccess(_ d: Database, _ s: Int32) {
        if accessClock.lfu { touchLFU(d, s) } else { d.touch(at: s, clock: lruClock) }
    }

    /// updateLFU: decay, then a logarithmic increment, stamped with the current minute.
    func touchLFU(_ d: Database, _ s: Int32) {
        let ev = eviction
        let now = LFU.minutes(nowMs: self.now)
        var counter = LFU.decayed(d.accessClock(at: s), now: now, decayTime: ev.lfuDecayTime)
        counter = LFU.increment(counter, logFactor: ev.lfuLogFactor, r: ev.randomUnit())
        d.touch(at: s, clock: LFU.field(minutes: now, counter: counter))
    }

    /// The counter OBJECT FREQ reports for `key` (decayed, not stored).
    func lfuFrequency(_ d: Database, _ key: UnsafeRawBufferPointer) -> Int64 {
        let field = d.accessClock(key) ?? 0
        return Int64(LFU.decayed(field, now: LFU.minutes(nowMs: now), decayTime: eviction.lfuDecayTime))
    }
}
