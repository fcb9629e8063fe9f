// SORT and SORT_RO (Redis's sort.c) over any value that conforms to `SortableElements`: sets
// here, lists and sorted sets once their types conform. Pattern lookups (BY/GET, `#`, `->`)
// and the comparisons are in SortCommand+Patterns.swift.
//
// Behaviour kept from Redis 7.0.15 (checked against the real server):
// - options are parsed before the key is looked up, so a syntax or LIMIT error wins over
//   WRONGTYPE; SORT_RO knows no STORE; `BY` with no `*` means "don't sort";
// - numeric sorting parses each weight with C's strtod (leading blanks, hex, "inf" accepted;
//   trailing bytes, NaN and ERANGE rejected), a missing weight counts as 0, and equal weights
//   fall back to comparing the elements as bytes, so results are deterministic;
// - ALPHA compares as strcoll would in the C/C.UTF-8 locale (strcmp: up to the first NUL),
//   except with STORE, where elements compare as binary strings; a missing BY weight sorts first;
// - `BY nosort` keeps a list's or sorted set's own order (reversed by DESC, cut by LIMIT) but
//   gives a set in its iteration order, and with STORE a set is sorted ALPHA anyway so the
//   stored list does not depend on hash order;
// - STORE writes a list (via `Engine.storeList`, which the list type provides) and replies its
//   length; an empty result deletes the destination instead (event `del`, else `sortstore`).

import RESP

/// A value SORT can sort. Sets conform here; the list and sorted-set types conform in their
/// own files (sorted sets by ascending score, lists head to tail).
public protocol SortableElements: AnyObject {
    /// Number of elements.
    var sortElementCount: Int { get }
    /// True when the elements have an order of their own that `BY nosort` keeps (lists,
    /// sorted sets); false for sets.
    var sortKeepsNativeOrder: Bool { get }
    /// Every element in native order. `body` must not modify the value.
    func forEachElement(_ body: (UnsafeRawBufferPointer) -> Void)
    /// Runs before SORT reads the elements. Redis converts a listpack sorted set to a skiplist
    /// here (visible in OBJECT ENCODING), so the sorted-set type does the same.
    func prepareForSort()
}

extension SortableElements {
    public func prepareForSort() {}
}

/// A hash, as SORT's `key->field` patterns read it (the hash type conforms in its own file).
public protocol SortFieldLookup: AnyObject {
    /// The value of `field` as bytes, nil when absent.
    func sortField(_ field: UnsafeRawBufferPointer) -> Bytes?
}

extension SetValue: SortableElements {
    public var sortElementCount: Int { count }
    public var sortKeepsNativeOrder: Bool { false }
    public func forEachElement(_ body: (UnsafeRawBufferPointer) -> Void) {
        forEach { $0.withBytes(body) }
    }
}

enum SortCommand {
    static func specs() -> [CommandSpec] {
        let cats = ["set", "sortedset", "list", "dangerous"]
        let complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."
        return [
            CommandSpec("sort", arity: -2, flags: [.write, .denyOOM, .movableKeys], keys: (1, 1, 1), categories: cats,
                        group: "generic", summary: "Sort the elements in a list, set or sorted set",
                        complexity: complexity, getKeys: sortKeys, handler: { sort($0, readonly: false) }),
            CommandSpec("sort_ro", arity: -2, flags: [.readonly, .movableKeys], keys: (1, 1, 1), categories: cats,
                        group: "generic", summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
                        complexity: complexity, since: "7.0.0", handler: { sort($0, readonly: true) }),
        ]
    }

    /// Redis's sortGetKeys: the sorted key, plus the last STORE's key. LIMIT skips two
    /// arguments, GET and BY one; anything else (the STORE key included) is rescanned as an
    /// option, as in the C code.
    static func sortKeys(_ a: Argv) -> [Int] {
        var store: Int? = nil
        var i = 2
        while i < a.count {
            if a.isEqual(i, "limit") { i += 2 }
            else if a.isEqual(i, "store") && i + 1 < a.count { store = i + 1 }
            else if a.isEqual(i, "get") || a.isEqual(i, "by") { i += 1 }
            i += 1
        }
        return store.map { [1, $0] } ?? [1]
    }

    /// One element being sorted: the element, its numeric weight, its ALPHA weight (BY).
    struct Item {
        var element: Bytes
        var score: Double = 0
        var weight: Bytes? = nil
    }

    struct Options {
        var desc = false
        var alpha = false
        var limitStart: Int64 = 0
        var limitCount: Int64 = -1
        var store: Int? = nil          // argv index of the STORE key
        var by: Int? = nil             // argv index of the BY pattern
        var dontSort = false
        var gets: [Int] = []           // argv indexes of GET patterns
    }

    /// Parses the options; nil after replying an error.
    static func parse(_ c: Call, readonly: Bool) -> Options? {
        let a = c.argv
        var o = Options()
        var j = 2
        while j < a.count {
            let left = a.count - j - 1
            if a.isEqual(j, "asc") {
                o.desc = false
            } else if a.isEqual(j, "desc") {
                o.desc = true
            } else if a.isEqual(j, "alpha") {
                o.alpha = true
            } else if a.isEqual(j, "limit") && left >= 2 {
                guard let s = a.int(j + 1), let n = a.int(j + 2) else { c.notInteger(); return nil }
                o.limitStart = s
                o.limitCount = n
                j += 2
            } else if !readonly && a.isEqual(j, "store") && left >= 1 {
                o.store = j + 1
                j += 1
            } else if a.isEqual(j, "by") && left >= 1 {
                o.by = j + 1
                // A pattern without '*' (C string: up to a NUL) is constant: nothing to sort by.
                o.dontSort = cStringIndex(of: 42, in: a[j + 1]) == nil
                j += 1
            } else if a.isEqual(j, "get") && left >= 1 {
                o.gets.append(j + 1)
                j += 1
            } else {
                c.syntaxError()
                return nil
            }
            j += 1
        }
        return o
    }

    static func sort(_ c: Call, readonly: Bool) {
        guard var o = parse(c, readonly: readonly) else { return }
        var source: SortableElements? = nil
        if let v = c.lookup(c.argv[1]) {
            guard case .object(let obj) = v, let s = obj as? SortableElements else { c.wrongType(); return }
            source = s
        }
        let native = source?.sortKeepsNativeOrder ?? true
        // A set has no order of its own: a stored result must not depend on hash order.
        if o.dontSort && !native && o.store != nil {
            o.dontSort = false
            o.alpha = true
            o.by = nil
        }
        source?.prepareForSort()
        let count = source?.sortElementCount ?? 0

        // LIMIT, clamped as Redis does (no overflow for any pair of 64-bit values).
        var start = Int(min(max(o.limitStart, 0), Int64(count)))
        let limitCount = min(max(o.limitCount, -1), Int64(count))
        var end = limitCount < 0 ? count - 1 : start + Int(limitCount) - 1
        if start >= count { start = count - 1; end = count - 2 }
        if end >= count { end = count - 1 }

        var items: [Item] = []
        if native && o.dontSort {
            // Own order, reversed by DESC; only the LIMIT window is loaded.
            if end >= start {
                var pos = 0
                items.reserveCapacity(end - start + 1)
                source?.forEachElement { raw in
                    let at = o.desc ? count - 1 - pos : pos
                    if at >= start && at <= end { items.append(Item(element: Bytes(raw))) }
                    pos += 1
                }
                if o.desc { items.reverse() }
                end -= start
                start = 0
            }
        } else {
            items.reserveCapacity(count)
            source?.forEachElement { items.append(Item(element: Bytes($0))) }
        }

        var conversionError = false
        if !o.dontSort {
            let by = o.by.map { c.argv[$0] }
            for k in items.indices {
                let weight: Bytes
                if let p = by {
                    guard let w = lookupByPattern(c, p, items[k].element) else { continue }
                    weight = w
                } else {
                    weight = items[k].element
                }
                if o.alpha {
                    if by != nil { items[k].weight = weight }
                } else {
                    guard let d = parseSortScore(weight) else { conversionError = true; continue }
                    items[k].score = d
                }
            }
            if !conversionError {
                let cmp = comparator(alpha: o.alpha, byPattern: by != nil, binary: o.store != nil)
                let desc = o.desc
                items.sort { desc ? cmp($0, $1) > 0 : cmp($0, $1) < 0 }
            }
        }

        if conversionError { c.error("ERR One or more scores can't be converted into double"); return }
        let window = end >= start ? start..<(end + 1) : 0..<0
        let outputLength = o.gets.isEmpty ? window.count : o.gets.count * window.count
        guard let storeAt = o.store else {
            c.array(outputLength)
            for k in window {
                if o.gets.isEmpty { c.bulk(items[k].element) }
                for g in o.gets {
                    if let v = lookupByPattern(c, c.argv[g], items[k].element) { c.bulk(v) } else { c.null() }
                }
            }
            return
        }
        let dst = c.argv[storeAt]
        guard outputLength > 0 else {
            if c.db.remove(dst) != nil { c.modified(dst, event: "del") }
            c.int(0)
            return
        }
        guard let makeList = c.engine.storeList else { c.error("ERR SORT STORE is not available: no list type"); return }
        var out: [Bytes] = []
        out.reserveCapacity(outputLength)
        for k in window {
            if o.gets.isEmpty { out.append(items[k].element) }
            for g in o.gets { out.append(lookupByPattern(c, c.argv[g], items[k].element) ?? .empty) }
        }
        c.db.set(dst, makeList(out))
        c.modified(dst, event: "sortstore")
        c.int(outputLength)
    }
}

extension HashValue: SortFieldLookup {
    /// SORT's `key->field` patterns read hash fields through this.
    public func sortField(_ field: UnsafeRawBufferPointer) -> Bytes? {
        get(field) { Bytes($0) }
    }
}
