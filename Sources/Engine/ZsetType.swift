// Sorted sets (Redis's t_zset.c "Sorted set API"): members with double scores, ordered by
// (score, member bytes). Two encodings, as Redis 7.0 reports them in OBJECT ENCODING:
// - `listpack` (ZsetType+Listpack.swift): one contiguous byte buffer, while the zset has at
//   most zset-max-listpack-entries members of at most zset-max-listpack-value bytes;
// - `skiplist` (ZsetType+Skiplist.swift): a span-counting skiplist for order and ranks, plus
//   a member -> score map (`BytesMap<Double>`) for O(1) score lookups.
// As in Redis 7.0, a zset converts to a skiplist when an insert would cross a limit and never
// converts back, except that results written whole (ZRANGESTORE, Z*STORE) take the listpack
// when they fit (`ZsetValue.build`).
// Ranges and range deletions are in ZsetType+Iterate.swift; the invariant checker in
// ZsetType+Check.swift.

/// What ZADD's options ask for (Redis's ZADD_IN_*).
struct ZAddFlags {
    var nx = false
    var xx = false
    var gt = false
    var lt = false
    var incr = false
}

/// What one ZADD element did (Redis's ZADD_OUT_*): `score` is the element's score afterwards.
enum ZAddOutcome {
    case added
    case updated
    /// Processed, but the score stayed the same (counts for ZINCRBY's reply, not for CH).
    case unchanged
    /// Skipped by NX/XX/GT/LT.
    case nop
    /// The increment gave NaN (inf + -inf): nothing changed.
    case nan
}

/// A value ZUNION/ZINTER/ZDIFF(STORE) and ZINTERCARD can read besides sorted sets: Redis takes
/// plain sets there, each member with score 1. The set type becomes readable with one
/// conformance (`extension SetValue: ZsetInputSource`); any other type stays WRONGTYPE.
public protocol ZsetInputSource: AnyObject {
    /// Number of members. O(1).
    var zsetInputCount: Int { get }
    /// True when `member` is present. O(1) expected.
    func zsetInputContains(_ member: UnsafeRawBufferPointer) -> Bool
    /// Calls `body` with every member's bytes (valid during the call). O(N).
    func zsetInputForEach(_ body: (UnsafeRawBufferPointer) -> Void)
}

public final class ZsetValue: ObjectValue {
    /// The elements while listpack-encoded (empty once converted).
    var lp = ZsetListpack()
    /// Order, ranks and the member -> score map once skiplist-encoded.
    var sl: ZSkiplist? = nil
    /// The skiplist encoding's member -> score map.
    var map: BytesMap<Double>? { sl?.map }

    public init() {}

    public var typeName: String { "zset" }
    public var encodingName: String { sl == nil ? "listpack" : "skiplist" }
    public var isListpack: Bool { sl == nil }

    /// Number of members. O(1).
    public var count: Int { sl?.length ?? lp.count }

    /// A deep copy in the same encoding. O(N).
    public func copy() -> ObjectValue {
        let z = ZsetValue()
        if let s = sl {
            z.sl = ZSkiplist(copying: s)
        } else {
            z.lp = lp.clone()
        }
        return z
    }

    /// The score of `member`. O(1) skiplist, O(N) listpack.
    func score(_ member: UnsafeRawBufferPointer) -> Double? {
        if let m = map { return m.get(member) }
        return lp.find(member)?.score
    }

    /// 0-based rank of `member` from the lowest (or highest when `reverse`). O(log N) / O(N).
    func rank(_ member: UnsafeRawBufferPointer, reverse: Bool) -> Int? {
        let r: Int
        if let s = sl {
            guard let score = s.map.get(member) else { return nil }
            r = s.rank(score, member) - 1
            if r < 0 { return nil }
        } else {
            guard let f = lp.find(member) else { return nil }
            r = f.index
        }
        return reverse ? count - 1 - r : r
    }

    // MARK: add / remove

    /// ZADD/ZINCRBY for one element (Redis's zsetAdd): converts to a skiplist first when a new
    /// member would cross `limits`. O(log N) skiplist, O(N) listpack.
    func add(_ member: UnsafeRawBufferPointer, _ score: Double, _ f: ZAddFlags, _ limits: EncodingLimits) -> (ZAddOutcome, Double) {
        if score.isNaN { return (.nan, score) }
        if sl == nil {
            if let found = lp.find(member) {
                let (outcome, new) = ZsetValue.decide(found.score, score, f)
                if case .updated = outcome {
                    lp.remove(at: found.offset)
                    lp.insert(member, new)
                }
                return (outcome, new)
            }
            if f.xx { return (.nop, score) }
            if lp.count + 1 <= limits.zsetMaxListpackEntries && member.count <= limits.zsetMaxListpackValue {
                lp.insert(member, score)
                return (.added, score)
            }
            convertToSkiplist()
        }
        let s = sl!, m = s.map
        if let cur = m.get(member) {
            let (outcome, new) = ZsetValue.decide(cur, score, f)
            if case .updated = outcome {
                s.updateScore(cur, member, to: new)
                m.set(member, new)
            }
            return (outcome, new)
        }
        if f.xx { return (.nop, score) }
        s.insert(score, member)
        m.set(member, score)
        return (.added, score)
    }

    /// The NX / INCR / GT / LT rules for a member already present with score `cur`.
    @inline(__always) private static func decide(_ cur: Double, _ given: Double, _ f: ZAddFlags) -> (ZAddOutcome, Double) {
        if f.nx { return (.nop, given) }
        var score = given
        if f.incr {
            score += cur
            if score.isNaN { return (.nan, score) }
        }
        if (f.lt && score >= cur) || (f.gt && score <= cur) { return (.nop, score) }
        return (score != cur ? .updated : .unchanged, score)
    }

    /// Removes `member`; false when absent. O(log N) skiplist, O(N) listpack.
    @discardableResult
    func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        if let s = sl {
            guard let score = s.map.remove(member) else { return false }
            s.delete(score, member)
            return true
        }
        guard let f = lp.find(member) else { return false }
        lp.remove(at: f.offset)
        return true
    }

    // MARK: encodings

    /// listpack -> skiplist (zsetConvert). O(N log N).
    func convertToSkiplist() {
        guard sl == nil else { return }
        let s = ZSkiplist()
        lp.forEach { member, score in
            s.append(score, member)
            s.map.set(member, score)
            return true
        }
        sl = s
        lp = ZsetListpack()
    }

    /// A zset from elements sorted by (score, member), without duplicates, in the encoding
    /// Redis gives a set-operation result (zsetConvertToListpackIfNeeded): listpack when the
    /// count and the longest member fit `limits`. O(N).
    static func build(sorted elements: [(Bytes, Double)], maxMemberLength: Int, _ limits: EncodingLimits) -> ZsetValue {
        let z = ZsetValue()
        if elements.count <= limits.zsetMaxListpackEntries && maxMemberLength <= limits.zsetMaxListpackValue {
            z.lp.fill(elements)
        } else {
            let s = ZSkiplist()
            for (m, score) in elements {
                m.withBytes { s.append(score, $0); s.map.set($0, score) }
            }
            z.sl = s
        }
        return z
    }
}
