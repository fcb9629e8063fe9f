// maxmemory configuration and eviction state (Redis's evict.c globals), kept apart from the
// engine so its hot path only reads `maxmemory` (0 = no limit: one load and one branch).

/// maxmemory-policy, parsed once on change.
public enum MaxmemoryPolicy: String, CaseIterable, Sendable {
    case noeviction
    case allkeysLRU = "allkeys-lru", volatileLRU = "volatile-lru"
    case allkeysLFU = "allkeys-lfu", volatileLFU = "volatile-lfu"
    case allkeysRandom = "allkeys-random", volatileRandom = "volatile-random"
    case volatileTTL = "volatile-ttl"

    /// Candidates are all keys (else only keys with an expire time).
    public var allKeys: Bool { self == .allkeysLRU || self == .allkeysLFU || self == .allkeysRandom }
    public var isLFU: Bool { self == .allkeysLFU || self == .volatileLFU }
    public var isRandom: Bool { self == .allkeysRandom || self == .volatileRandom }
    /// Policies that rank sampled keys in the pool (LRU, LFU, TTL).
    public var usesPool: Bool { self != .noeviction && !isRandom }
}

/// One performEvictions outcome (Redis's EVICT_OK / EVICT_RUNNING / EVICT_FAIL).
public enum EvictionResult: Sendable {
    /// Under the limit (or no limit).
    case ok
    /// Over the limit, but the time budget ran out while keys were still being freed: the cron
    /// continues; commands are not refused meanwhile.
    case running
    /// Over the limit and nothing (more) can be evicted: denyoom commands get -OOM.
    case fail
}

public final class EvictionState {
    public let memory = MemoryAccounting()
    /// maxmemory in bytes; 0 = unlimited.
    public var maxmemory: Int64 = 0
    public var policy: MaxmemoryPolicy = .noeviction
    /// maxmemory-samples: keys sampled per database per pool refill.
    public var samples = 5
    /// maxmemory-eviction-tenacity (0...100).
    public var tenacity = 10
    /// lfu-log-factor and lfu-decay-time (minutes).
    public var lfuLogFactor = 10
    public var lfuDecayTime = 1
    /// replica-ignore-maxmemory.
    public var ignoreAsReplica = true
    /// Microsecond clock for the time budget; injectable so tests can force it.
    public var clock: () -> Int64 = monotonicMicros
    /// A call ran out of time while over the limit: the cron keeps evicting (Redis's eviction
    /// time proc).
    public internal(set) var pending = false
    /// INFO total_eviction_exceeded_time / current_eviction_exceeded_time (ms): time spent over
    /// maxmemory. `exceededSince` is 0 while under it.
    public internal(set) var totalExceededMs: Int64 = 0
    public internal(set) var exceededSince: Int64 = 0

    var pool = EvictionPool()
    /// Round-robin database cursor of the random policies.
    var nextDB = 0
    var rng = WyRand(seed: UInt64.random(in: 1...UInt64.max))

    public init() {}

    /// evictionTimeLimitUs: 50 us per tenacity step up to 10 (500 us), then 15% more per step,
    /// unlimited at 100.
    public var timeLimitMicros: Int64 {
        if tenacity <= 10 { return 50 * Int64(tenacity) }
        if tenacity < 100 { return Int64(500.0 * pow115(tenacity - 10)) }
        return Int64.max
    }

    /// 1.15^n without Foundation.
    private func pow115(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<n { r *= 1.15 }
        return r
    }

    /// A uniform double in [0, 1) for the LFU increment.
    func randomUnit() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
}

extension Engine {
    /// CONFIG RESETSTAT's part: eviction-exceeded time and the memory peak, as resetServerStats.
    func resetEvictionStats() {
        let ev = eviction
        ev.totalExceededMs = 0
        if ev.exceededSince != 0 { ev.exceededSince = now }
        ev.memory.peak = 0
        serverState.usedMemoryPeak = 0
    }

    /// Reads the maxmemory family of configs now and on every change. Called by Engine.init.
    func installEvictionHooks() {
        let ev = eviction
        ev.memory.source = { [unowned self] in self.defaultUsedMemory() }
        let setPolicy: (ConfigValue) -> Void = { [unowned self] v in
            ev.policy = MaxmemoryPolicy(rawValue: v.textValue) ?? .noeviction
            self.accessClock.lfu = ev.policy.isLFU
            ev.pool.removeAll()
        }
        config.onChange("maxmemory") { v in ev.maxmemory = v.numberValue < 0 ? Int64.max : v.numberValue }
        config.onChange("maxmemory-policy", setPolicy)
        config.onChange("maxmemory-samples") { v in ev.samples = Int(max(1, v.numberValue)) }
        config.onChange("maxmemory-eviction-tenacity") { v in ev.tenacity = Int(v.numberValue) }
        config.onChange("lfu-log-factor") { v in ev.lfuLogFactor = Int(v.numberValue) }
        config.onChange("lfu-decay-time") { v in ev.lfuDecayTime = Int(v.numberValue) }
        config.onChange("replica-ignore-maxmemory") { v in ev.ignoreAsReplica = v.boolValue }
        ev.maxmemory = config.memory("maxmemory")
        if let v = config.value("maxmemory-policy") { setPolicy(v) }
        ev.samples = Int(max(1, config.int("maxmemory-samples")))
        ev.tenacity = Int(config.int("maxmemory-eviction-tenacity"))
        ev.lfuLogFactor = Int(config.int("lfu-log-factor"))
        ev.lfuDecayTime = Int(config.int("lfu-decay-time"))
        ev.ignoreAsReplica = config.bool("replica-ignore-maxmemory")
    }
}
