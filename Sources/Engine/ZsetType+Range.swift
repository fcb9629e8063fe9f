// Score and lexicographic ranges of sorted-set commands, and the number parsing and printing
// rules they share with Redis 7.0.15 (t_zset.c zslParseRange / zslParseLexRange, util.c
// string2d, networking.c addReplyDouble).

import RESP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// min..max with open/closed ends (ZRANGEBYSCORE's "(1.5" means exclusive).
struct ZScoreRange {
    var min: Double
    var max: Double
    var minex = false
    var maxex = false

    @inline(__always) func gteMin(_ v: Double) -> Bool { minex ? v > min : v >= min }
    @inline(__always) func lteMax(_ v: Double) -> Bool { maxex ? v < max : v <= max }
    /// Ranges that can hold nothing whatever the data (zslIsInRange's first test).
    var isEmpty: Bool { min > max || (min == max && (minex || maxex)) }

    /// zslParseRange: strtod on each end after an optional "(", up to the first NUL, nothing
    /// left over, not NaN. Unlike ZADD's scores, "" (0), leading spaces and overflow to inf pass.
    init?(min a: UnsafeRawBufferPointer, max b: UnsafeRawBufferPointer) {
        guard let lo = ZScoreRange.parseEnd(a), let hi = ZScoreRange.parseEnd(b) else { return nil }
        (min, minex) = lo
        (max, maxex) = hi
    }
    init(min: Double, max: Double, minex: Bool = false, maxex: Bool = false) {
        self.min = min; self.max = max; self.minex = minex; self.maxex = maxex
    }

    private static func parseEnd(_ raw: UnsafeRawBufferPointer) -> (Double, Bool)? {
        var n = raw.count
        if let z = raw.firstIndex(of: 0) { n = z }
        let ex = n > 0 && raw[0] == 40   // "("
        let start = ex ? 1 : 0
        return withCString(raw, from: start, count: n - start) { p, len -> (Double, Bool)? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p, &end)
            guard let e = end, e - p == len, !v.isNaN else { return nil }
            return (v, ex)
        }
    }
}

/// One end of a lex range: "-" and "+" are the smallest and largest strings, "[x" includes x,
/// "(x" excludes it. The bytes point into the command's arguments (valid during the call).
enum ZLexBound {
    case minusInfinity
    case plusInfinity
    case inclusive(UnsafeRawBufferPointer)
    case exclusive(UnsafeRawBufferPointer)

    /// zslParseLexRangeItem; C string semantics for "+"/"-" (a NUL ends them).
    init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0 else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: raw[1...])
        switch raw[0] {
        case 43: if raw.count > 1 && raw[1] != 0 { return nil }; self = .plusInfinity
        case 45: if raw.count > 1 && raw[1] != 0 { return nil }; self = .minusInfinity
        case 40: self = .exclusive(rest)
        case 91: self = .inclusive(rest)
        default: return nil
        }
    }

    var isExclusive: Bool {
        switch self {
        case .inclusive: return false
        default: return true
        }
    }

    /// sdscmplex: the infinities compare by identity, other bounds by bytes.
    static func compare(_ a: ZLexBound, _ b: ZLexBound) -> Int {
        switch (a, b) {
        case (.minusInfinity, .minusInfinity), (.plusInfinity, .plusInfinity): return 0
        case (.minusInfinity, _), (_, .plusInfinity): return -1
        case (.plusInfinity, _), (_, .minusInfinity): return 1
        default: return compareBytes(a.bytes, b.bytes)
        }
    }

    var bytes: UnsafeRawBufferPointer {
        switch self {
        case .inclusive(let b), .exclusive(let b): return b
        default: return UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }

    /// sdscmplex(value, bound)
    @inline(__always) func compare(value v: UnsafeRawBufferPointer) -> Int {
        switch self {
        case .minusInfinity: return 1
        case .plusInfinity: return -1
        case .inclusive(let b), .exclusive(let b): return compareBytes(v, b)
        }
    }
}

struct ZLexRange {
    var min: ZLexBound
    var max: ZLexBound

    init?(min a: UnsafeRawBufferPointer, max b: UnsafeRawBufferPointer) {
        guard let lo = ZLexBound(a), let hi = ZLexBound(b) else { return nil }
        min = lo
        max = hi
    }
    init(min: ZLexBound, max: ZLexBound) { self.min = min; self.max = max }

    @inline(__always) func gteMin(_ v: UnsafeRawBufferPointer) -> Bool {
        let c = min.compare(value: v)
        return min.isExclusive ? c > 0 : c >= 0
    }
    @inline(__always) func lteMax(_ v: UnsafeRawBufferPointer) -> Bool {
        let c = max.compare(value: v)
        return max.isExclusive ? c < 0 : c <= 0
    }
    /// zslIsInLexRange's first test.
    var isEmpty: Bool {
        let c = ZLexBound.compare(min, max)
        return c > 0 || (c == 0 && (min.isExclusive || max.isExclusive))
    }
}

/// Runs `body` with `count` bytes of `raw` from `from`, NUL-terminated, on the stack when short.
@inline(__always)
func withCString<R>(_ raw: UnsafeRawBufferPointer, from: Int = 0, count: Int, _ body: (UnsafeMutablePointer<CChar>, Int) -> R) -> R {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buf in
        let p = buf.baseAddress!
        if count > 0 { UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress! + from, byteCount: count) }
        p[count] = 0
        return body(p, count)
    }
}

/// Redis's string2d (ZADD scores, WEIGHTS, ZINCRBY): the whole argument is one strtod number,
/// no leading space, no NaN, no overflow to +-inf or underflow to zero ("inf" itself is fine).
func parseZsetScore(_ raw: UnsafeRawBufferPointer) -> Double? {
    let n = raw.count
    if n == 0 { return nil }
    // Plain integers up to 2^53 are exact as doubles: skip strtod for them ("-0" is not one).
    if n <= 16, let v = parseInt64(raw), v > -(1 << 53) && v < (1 << 53), !(v == 0 && raw[0] == 45) {
        return Double(v)
    }
    let c = raw[0]
    if c == 32 || (c >= 9 && c <= 13) { return nil }
    return withCString(raw, count: n) { p, len -> Double? in
        var end: UnsafeMutablePointer<CChar>? = nil
        errno = 0
        let v = strtod(p, &end)
        guard let e = end, e - p == len, !v.isNaN else { return nil }
        if errno == ERANGE && (v.isInfinite || v == 0) { return nil }
        return v
    }
}

/// Writes the %.17g text of `d` (Redis's reply format: "inf", "-inf", "-0", "1.5",
/// "0.10000000000000001", "1e+17") into `p` (>= 32 bytes); returns its length.
func formatZsetScore(_ d: Double, into p: UnsafeMutablePointer<UInt8>) -> Int {
    if d.isInfinite {
        if d < 0 { p[0] = 45; p[1] = 105; p[2] = 110; p[3] = 102; return 4 }
        p[0] = 105; p[1] = 110; p[2] = 102; return 3
    }
    if d.isNaN { p[0] = 110; p[1] = 97; p[2] = 110; return 3 }
    // Integers below 1e17 print all their digits under %.17g, exactly as an integer would.
    if d.magnitude < 1e17, d == d.rounded(.towardZero) {
        if d == 0 && d.sign == .minus { p[0] = 45; p[1] = 48; return 2 }
        return formatDecimal(Int64(d), into: p)
    }
    return printG17(d, p)
}

#if canImport(Glibc)
/// glibc's strfromd: printf's %g conversion without the variadic call (which Swift cannot
/// make directly; going through withVaList costs ~3x per score).
@_silgen_name("strfromd")
private func c_strfromd(_ s: UnsafeMutablePointer<CChar>, _ n: Int, _ format: UnsafePointer<CChar>, _ d: Double) -> Int32

@inline(__always) private func printG17(_ d: Double, _ p: UnsafeMutablePointer<UInt8>) -> Int {
    p.withMemoryRebound(to: CChar.self, capacity: 32) { Int(c_strfromd($0, 32, "%.17g", d)) }
}
#else
private func printG17(_ d: Double, _ p: UnsafeMutablePointer<UInt8>) -> Int {
    p.withMemoryRebound(to: CChar.self, capacity: 32) { buf in
        Int(withVaList([d]) { vsnprintf(buf, 32, "%.17g", $0) })
    }
}
#endif

/// Runs `body` with the %.17g text of `d`.
@inline(__always)
func withZsetScoreText<R>(_ d: Double, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf in
        let n = formatZsetScore(d, into: buf.baseAddress!)
        return body(UnsafeRawBufferPointer(start: buf.baseAddress!, count: n))
    }
}
