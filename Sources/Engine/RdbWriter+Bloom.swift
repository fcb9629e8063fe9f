// Bloom filters in RDB as RedisBloom saves its "MBbloom--" module type (encoding version 4,
// BFRdbSave in rebloom.c): a MODULE_2 value whose id encodes the type name and version, then
// module opcodes (UINT/DOUBLE/STRING, each preceded by its opcode as a length) ending with EOF:
//   size, nfilters, options, growth, then per layer:
//   entries, error, hashes, bpe, bits, n2, bit array (string), items in the layer.
// options = NOROUND|FORCE64 (5), plus NO_SCALING (8) for NONSCALING filters; n2 is 0 (only
// used when rounding to a power of two). This follows RedisBloom's field order as we know it;
// a real Redis without the module refuses the value ("module not loaded") whatever we write,
// and our own loader reads it back (RdbReader+Bloom.swift).

extension RdbWriter {
    static let bloomEncver = 4
    static let bloomOptNoRound: UInt64 = 1
    static let bloomOptForce64: UInt64 = 4
    static let bloomOptNoScaling: UInt64 = 8

    func writeBloom(_ b: BloomFilter) {
        putLen(Rdb.moduleId("MBbloom--", encver: RdbWriter.bloomEncver))
        func uint(_ v: UInt64) { putLen(Rdb.moduleUInt); putLen(v) }
        func double(_ d: Double) { putLen(Rdb.moduleDouble); putDouble(d) }
        uint(b.size)
        uint(UInt64(b.layers.count))
        uint(RdbWriter.bloomOptNoRound | RdbWriter.bloomOptForce64 | (b.scaling ? 0 : RdbWriter.bloomOptNoScaling))
        uint(UInt64(b.growth))
        for l in b.layers {
            uint(l.capacity)
            double(l.error)
            uint(l.hashes)
            double(l.bpe)
            uint(l.bits.bits)
            uint(0)
            putLen(Rdb.moduleString)
            putString(l.bits.bytes())
            uint(l.size)
        }
        putLen(Rdb.moduleEOF)
    }
}
