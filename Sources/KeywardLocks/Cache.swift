// The notes' three cache failures (seeds/003) and the answers this helper applies:
// - penetration (lookups of keys that exist nowhere hammer the database): a Bloom filter of
//   existing ids checked first (BF.EXISTS; absent -> nil without loading), and a loaded "nothing"
//   cached as a null marker with a short TTL;
// - breakdown (a hot key expires and every request rebuilds it): single-flight rebuild under the
//   lock `keyward:rebuild:<key>`; the others serve the stale copy (`<key>:stale`) or wait for the
//   rebuild and read the fresh value;
// - avalanche (many keys expiring together): every TTL is scaled by a random factor in
//   [1 - jitter, 1 + jitter].

import Foundation
import KeywardClient
import RESP

public struct CacheOptions: Sendable {
    public var ttl: Duration = .seconds(300)
    public var jitter: Double = 0.1
    public var nullTTL: Duration = .seconds(30)
    /// A Bloom filter (BF.ADD'ed with every id that exists); nil skips the check.
    public var bloomKey: String? = nil
    /// Keep a copy without the short TTL to serve while someone rebuilds.
    public var serveStale = true
    /// How long a non-rebuilding caller waits for the rebuild when there is no stale copy.
    public var rebuildWait: Duration = .seconds(2)
    public init() {}
}

public final class Cache: Sendable {
    public static let nullMarker: [UInt8] = Array("\u{0}keyward:null".utf8)
    public let locks: LockClient
    public let options: CacheOptions

    public init(locks: LockClient, options: CacheOptions = CacheOptions()) {
        self.locks = locks
        self.options = options
    }

    /// TTL in ms scaled by a random factor in [1 - jitter, 1 + jitter] (at least 1 ms).
    public static func jittered(_ ttl: Duration, jitter: Double, random: Double = Double.random(in: 0..<1)) -> Int64 {
        let f = 1 - jitter + 2 * jitter * random
        return max(1, Int64(Double(ttl.milliseconds) * f))
    }

    /// The cached value of `key`, loading it with `load` (nil = does not exist) on a miss.
    public func get(_ key: String, load: @Sendable () async throws -> [UInt8]?) async throws -> [UInt8]? {
        if let hit = try await read(key) { return hit.value }
        if let bloom = options.bloomKey, try await locks.command(["BF.EXISTS", bloom, key]) == .integer(0) {
            return nil
        }
        let lockName = "keyward:rebuild:" + key
        if let h = try await locks.tryLock(lockName, waitTime: .zero, leaseTime: .seconds(30)) {
            return try await rebuild(key, holding: h, load: load)
        }
        if options.serveStale, case .bulk(let b) = try await locks.command(["GET", key + ":stale"]) {
            return b == Cache.nullMarker ? nil : b
        }
        if let h = try await locks.tryLock(lockName, waitTime: options.rebuildWait, leaseTime: .seconds(30)) {
            return try await rebuild(key, holding: h, load: load)
        }
        return try await load()    // the rebuilder is stuck: degrade to the source
    }

    /// Under the rebuild lock: re-read (someone may have rebuilt it meanwhile), else load and store.
    private func rebuild(_ key: String, holding h: LockHandle, load: @Sendable () async throws -> [UInt8]?) async throws -> [UInt8]? {
        let r: Result<[UInt8]?, Error>
        do {
            if let hit = try await read(key) { r = .success(hit.value) } else { r = .success(try await store(key, try await load())) }
        } catch { r = .failure(error) }
        _ = try? await h.unlock()
        return try r.get()
    }

    private struct Hit { let value: [UInt8]? }

    private func read(_ key: String) async throws -> Hit? {
        guard case .bulk(let b) = try await locks.command(["GET", key]) else { return nil }
        return Hit(value: b == Cache.nullMarker ? nil : b)
    }

    private func store(_ key: String, _ value: [UInt8]?) async throws -> [UInt8]? {
        let v = value ?? Cache.nullMarker
        let ttl = value == nil ? Cache.jittered(options.nullTTL, jitter: options.jitter)
                               : Cache.jittered(options.ttl, jitter: options.jitter)
        let text = String(decoding: v, as: UTF8.self)
        _ = try await locks.command(["SET", key, text, "PX", String(ttl)])
        if options.serveStale {
            _ = try await locks.command(["SET", key + ":stale", text, "PX", String(ttl * 10)])
        }
        return value
    }
}
