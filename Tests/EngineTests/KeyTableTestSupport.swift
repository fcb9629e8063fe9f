// Helpers for the KeyTable tests: a seeded RNG, byte keys, value comparison, and an object
// value that counts its live instances (to prove the slab initializes/deinitializes for ARC).
@testable import Engine

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Keys of assorted shapes for member `n`: short, inline-boundary (22/23 bytes), long, with NUL
/// bytes, and (for n == 5) empty.
func testKey(_ prefix: String, _ n: Int) -> [UInt8] {
    var k = Array("\(prefix)\(n)".utf8)
    switch n % 7 {
    case 0: k += [0, 0, UInt8(n & 0xff)]
    case 1: k += [UInt8](repeating: 0x61, count: max(0, 22 - k.count))
    case 2: k += [UInt8](repeating: 0x62, count: max(0, 23 - k.count))
    case 3: k += [UInt8](repeating: 0x63, count: 40)
    default: break
    }
    if n == 5 { k = [] }
    return k
}

final class LiveCounter { var live = 0 }

/// An aggregate-like value whose instances are counted.
final class CountedObject: ObjectValue {
    let counter: LiveCounter
    let tag: Int
    init(_ c: LiveCounter, _ tag: Int) { counter = c; self.tag = tag; c.live += 1 }
    deinit { counter.live -= 1 }
    var typeName: String { "counted" }
    var encodingName: String { "counted" }
    func copy() -> ObjectValue { CountedObject(counter, tag) }
}

extension Array where Element == UInt8 {
    func withRaw<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

/// A comparable description of a value for model checks.
func describe(_ v: Value) -> String {
    switch v {
    case .object(let o): return "obj:\((o as! CountedObject).tag)"
    default: return "str:" + v.withStringBytes { $0.map { String($0) }.joined(separator: ",") }
    }
}

extension Database {
    func set(_ k: [UInt8], _ v: Value, keepTTL: Bool = false) -> Bool { k.withRaw { set($0, v, keepTTL: keepTTL) } }
    func find(_ k: [UInt8]) -> Value? { k.withRaw { find($0) } }
    func remove(_ k: [UInt8]) -> Value? { k.withRaw { remove($0) } }
    func expireTime(_ k: [UInt8]) -> Int64? { k.withRaw { expireTime($0) } }
}

func key(_ s: String) -> [UInt8] { Array(s.utf8) }
