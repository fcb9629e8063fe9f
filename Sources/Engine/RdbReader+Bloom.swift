// Reads back the "MBbloom--" module value RdbWriter+Bloom.swift writes (RedisBloom's encver 4
// layout). Every field is checked against what BloomLayer.make would have produced, so a
// loaded filter satisfies the same invariants as one built by BF.RESERVE/BF.ADD.

extension RdbObjectLoader {
    func readBloom(_ r: inout RdbReader, encver: Int) throws -> BloomFilter {
        guard encver == RdbWriter.bloomEncver else { throw RdbError("Unsupported MBbloom-- encoding version \(encver)") }
        func uint() throws -> UInt64 {
            guard try r.len() == Rdb.moduleUInt else { throw RdbError("Bad MBbloom-- value: expected an unsigned") }
            return try r.len()
        }
        func double() throws -> Double {
            guard try r.len() == Rdb.moduleDouble else { throw RdbError("Bad MBbloom-- value: expected a double") }
            return try r.binaryDouble()
        }
        let bad = RdbError("Bad MBbloom-- value")
        let size = try uint()
        let nfilters = try uint()
        let options = try uint()
        let growth = try uint()
        guard nfilters >= 1, nfilters <= 64, growth >= 1, growth <= UInt64(UInt32.max) else { throw bad }
        let scaling = options & RdbWriter.bloomOptNoScaling == 0
        guard scaling || nfilters == 1 else { throw bad }
        var layers: [BloomLayer] = []
        var total: UInt64 = 0
        for _ in 0..<nfilters {
            let entries = try uint()
            let error = try double()
            let hashes = try uint()
            let bpe = try double()
            let bits = try uint()
            _ = try uint()   // n2
            guard try r.len() == Rdb.moduleString else { throw bad }
            let data = try r.string()
            let items = try uint()
            // The layer must be exactly what BloomLayer.make builds for (entries, error).
            guard let model = BloomLayer.make(capacity: entries, error: error),
                  model.hashes == hashes, model.bits.bits == bits, UInt64(data.count) * 8 == bits,
                  bpe.isFinite, items <= entries else { throw bad }
            var b = BloomBits(bits: bits)
            b.load(data)
            layers.append(BloomLayer(capacity: entries, error: error, bpe: model.bpe, hashes: hashes, bits: b, size: items))
            total &+= items
        }
        guard try r.len() == Rdb.moduleEOF, total == size else { throw bad }
        return BloomFilter(layers: layers, size: size, growth: UInt32(growth), scaling: scaling)
    }
}

extension BloomBits {
    /// Fills the bits from RedisBloom's byte layout (bit x = byte x/8, bit x%8); all-zero
    /// chunks stay unallocated. `bytes.count` is bits / 8.
    mutating func load(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            for ci in 0..<chunks.count {
                let n = wordsIn(ci)
                let base = (ci << BloomBits.chunkShift) * 8
                var any = false
                for k in 0..<(n * 8) where p[base + k] != 0 { any = true; break }
                if !any { continue }
                let c = BloomChunk.zeroed(words: n)
                for w in 0..<n { c.words[w] = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: base + w * 8, as: UInt64.self)) }
                chunks[ci] = c
            }
        }
    }
}
