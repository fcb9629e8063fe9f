// SORT's pattern lookups (sort.c lookupKeyByPattern), weights and comparisons. Patterns are
// read the way the C code reads them: `#` and the `*` / `->` searches stop at the first NUL
// byte (strchr/strstr), while lengths count every byte (sdslen).

extension SortCommand {
    /// C's strchr over `raw`: the first `byte` before any NUL.
    static func cStringIndex(of byte: UInt8, in raw: UnsafeRawBufferPointer) -> Int? {
        for i in 0..<raw.count {
            if raw[i] == byte { return i }
            if raw[i] == 0 { return nil }
        }
        return nil
    }

    /// The value a GET/BY pattern names for element `subst`: `#` is the element itself;
    /// `prefix*suffix` names a string key; `prefix*suffix->field` a hash field. Nil when the
    /// pattern has no `*`, the key is missing or of another type, or the field is absent.
    /// Lookups are reads (keyspace hits/misses, LRU), as lookupKeyRead.
    static func lookupByPattern(_ c: Call, _ pattern: UnsafeRawBufferPointer, _ subst: Bytes) -> Bytes? {
        let n = pattern.count
        if n >= 1 && pattern[0] == 35 && (n == 1 || pattern[1] == 0) { return subst }
        guard let star = cStringIndex(of: 42, in: pattern) else { return nil }
        let cLength = pattern.firstIndex(of: 0) ?? n
        // strstr(star + 1, "->"), and a field only when something follows the arrow.
        var fieldStart: Int? = nil
        var i = star + 1
        while i + 1 < cLength {
            if pattern[i] == 45 && pattern[i + 1] == 62 {
                if i + 2 < cLength { fieldStart = i + 2 }
                break
            }
            i += 1
        }
        let fieldLength = fieldStart.map { n - $0 } ?? 0
        let postfixLength = n - (star + 1) - (fieldLength > 0 ? fieldLength + 2 : 0)
        var key: [UInt8] = []
        key.reserveCapacity(star + subst.count + postfixLength)
        key.append(contentsOf: UnsafeRawBufferPointer(rebasing: pattern[0..<star]))
        subst.withBytes { key.append(contentsOf: $0) }
        key.append(contentsOf: UnsafeRawBufferPointer(rebasing: pattern[(star + 1)..<(star + 1 + postfixLength)]))

        guard let v = key.withUnsafeBytes({ c.lookup($0) }) else { return nil }
        if let f = fieldStart {
            guard case .object(let o) = v, o.typeName == "hash", let h = o as? SortFieldLookup else { return nil }
            return h.sortField(UnsafeRawBufferPointer(rebasing: pattern[f..<n]))
        }
        guard v.isString else { return nil }
        return v.withStringBytes { Bytes($0) }
    }

    /// A numeric weight as Redis reads it: C's strtod over the bytes up to the first NUL, which
    /// must consume them all; NaN and out-of-range values (ERANGE) are errors.
    static func parseSortScore(_ b: Bytes) -> Double? {
        var text = b.array
        text.append(0)
        return text.withUnsafeBufferPointer { buf -> Double? in
            let start = UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self)
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let d = strtod(start, &end)
            guard let e = end, e.pointee == 0, errno != ERANGE, !d.isNaN else { return nil }
            return d
        }
    }

    /// strcmp: bytes up to the first NUL, unsigned, shorter first on a common prefix.
    static func cStringCompare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let x = UnsafeRawBufferPointer(rebasing: a[0..<(a.firstIndex(of: 0) ?? a.count)])
        let y = UnsafeRawBufferPointer(rebasing: b[0..<(b.firstIndex(of: 0) ?? b.count)])
        return compareBytes(x, y)
    }

    static func compare(_ a: Bytes, _ b: Bytes, binary: Bool) -> Int {
        a.withBytes { x in b.withBytes { y in binary ? compareBytes(x, y) : cStringCompare(x, y) } }
    }

    /// Redis's sortCompare without the DESC flip: numeric weights with ties broken by the
    /// elements' bytes; ALPHA by BY weight (missing first) or by the element. `binary`
    /// (STORE) compares as binary strings instead of C strings.
    static func comparator(alpha: Bool, byPattern: Bool, binary: Bool) -> (Item, Item) -> Int {
        if !alpha {
            return { a, b in
                a.score > b.score ? 1 : a.score < b.score ? -1 : compare(a.element, b.element, binary: true)
            }
        }
        if byPattern {
            return { a, b in
                switch (a.weight, b.weight) {
                case (nil, nil): return 0
                case (nil, _): return -1
                case (_, nil): return 1
                case let (x?, y?): return compare(x, y, binary: binary)
                }
            }
        }
        return { a, b in compare(a.element, b.element, binary: binary) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
