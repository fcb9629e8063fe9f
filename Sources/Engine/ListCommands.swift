// Lists family (Redis's t_list.c "List Commands"): the specs, and LPUSH RPUSH LPUSHX RPUSHX LPOP
// RPOP LLEN LINDEX LSET LRANGE. LINSERT LREM LTRIM LPOS are in ListCommands+Edit.swift,
// RPOPLPUSH LMOVE LMPOP in +Move, the blocking commands in +Blocking.
//
// Replies, errors and argument-parsing order follow redis-server 7.0.15 (checked against it by
// Tests/python/differential/lists.txt). Lists are never empty: the command that removes the
// last element deletes the key and reports "del" after its own event. The dirty counter moves
// as in Redis (one per pushed or popped element).

import RESP

enum ListCommands {
    static func specs() -> [CommandSpec] {
        let l = ["list"]
        let pushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
        let popComplexity = "O(N) where N is the number of elements returned"
        let mpopComplexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned."
        return [
            CommandSpec("lpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Prepend one or multiple elements to a list", complexity: pushComplexity, handler: lpush),
            CommandSpec("rpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Append one or multiple elements to a list", complexity: pushComplexity, handler: rpush),
            CommandSpec("lpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Prepend an element to a list, only if the list exists", complexity: pushComplexity,
                        since: "2.2.0", handler: lpushx),
            CommandSpec("rpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Append an element to a list, only if the list exists", complexity: pushComplexity,
                        since: "2.2.0", handler: rpushx),
            CommandSpec("lpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Remove and get the first elements in a list", complexity: popComplexity, handler: lpop),
            CommandSpec("rpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Remove and get the last elements in a list", complexity: popComplexity, handler: rpop),
            CommandSpec("llen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Get the length of a list", handler: llen),
            CommandSpec("lrange", arity: 4, flags: [.readonly], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Get a range of elements from a list",
                        complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
                        handler: lrange),
            CommandSpec("lindex", arity: 3, flags: [.readonly], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Get an element from a list by its index",
                        complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
                        handler: lindex),
            CommandSpec("lset", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Set the value of an element in a list by its index",
                        complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
                        handler: lset),
            CommandSpec("linsert", arity: 5, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Insert an element before or after another element in a list",
                        complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
                        since: "2.2.0", handler: linsert),
            CommandSpec("lrem", arity: 4, flags: [.write], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Remove elements from a list",
                        complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.", handler: lrem),
            CommandSpec("ltrim", arity: 4, flags: [.write], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Trim a list to the specified range",
                        complexity: "O(N) where N is the number of elements to be removed by the operation.", handler: ltrim),
            CommandSpec("lpos", arity: -3, flags: [.readonly], keys: (1, 1, 1), categories: l, group: "list",
                        summary: "Return the index of matching elements on a list",
                        complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
                        since: "6.0.6", handler: lpos),
            CommandSpec("rpoplpush", arity: 3, flags: [.write, .denyOOM], keys: (1, 2, 1), categories: l, group: "list",
                        summary: "Remove the last element in a list, prepend it to another list and return it",
                        since: "1.2.0", handler: rpoplpush),
            CommandSpec("lmove", arity: 5, flags: [.write, .denyOOM], keys: (1, 2, 1), categories: l, group: "list",
                        summary: "Pop an element from a list, push it to another list and return it", since: "6.2.0", handler: lmove),
            CommandSpec("lmpop", arity: -4, flags: [.write, .movableKeys], categories: l, group: "list",
                        summary: "Pop elements from a list", complexity: mpopComplexity, since: "7.0.0",
                        getKeys: mpopKeys(numkeysAt: 1), handler: lmpop),
            CommandSpec("blpop", arity: -3, flags: [.write, .noscript, .blocking], keys: (1, -2, 1), categories: l, group: "list",
                        summary: "Remove and get the first element in a list, or block until one is available",
                        complexity: "O(N) where N is the number of provided keys.", since: "2.0.0", handler: blpop),
            CommandSpec("brpop", arity: -3, flags: [.write, .noscript, .blocking], keys: (1, -2, 1), categories: l, group: "list",
                        summary: "Remove and get the last element in a list, or block until one is available",
                        complexity: "O(N) where N is the number of provided keys.", since: "2.0.0", handler: brpop),
            CommandSpec("blmove", arity: 6, flags: [.write, .denyOOM, .noscript, .blocking], keys: (1, 2, 1), categories: l, group: "list",
                        summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
                        since: "6.2.0", handler: blmove),
            CommandSpec("brpoplpush", arity: 4, flags: [.write, .denyOOM, .noscript, .blocking], keys: (1, 2, 1), categories: l, group: "list",
                        summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
                        since: "2.2.0", handler: brpoplpush),
            CommandSpec("blmpop", arity: -5, flags: [.write, .blocking, .movableKeys], categories: l, group: "list",
                        summary: "Pop elements from a list, or block until one is available", complexity: mpopComplexity,
                        since: "7.0.0", getKeys: mpopKeys(numkeysAt: 2), handler: blmpop),
        ]
    }

    // MARK: lookups and shared steps

    /// The list a value holds, nil for other types. Lists are a final class: an exact type
    /// check, cheaper than a dynamic cast.
    @inline(__always) static func asList(_ v: Value) -> ListValue? {
        guard case .object(let o) = v, type(of: o) == ListValue.self else { return nil }
        return unsafeDowncast(o, to: ListValue.self)
    }

    /// Looks `key` up for a write: `.some(nil)` when absent, nil after replying WRONGTYPE.
    @inline(__always) static func writeTarget(_ c: Call, _ key: UnsafeRawBufferPointer) -> ListValue?? {
        guard let v = c.lookupWrite(key) else { return .some(nil) }
        guard let l = asList(v) else { c.wrongType(); return nil }
        return .some(l)
    }

    /// A new empty list stored at `key`, with the configured chunk fill.
    static func create(_ c: Call, _ key: UnsafeRawBufferPointer) -> ListValue {
        let l = ListValue(fill: c.engine.limits.listMaxListpackSize)
        c.db.set(key, .object(l))
        return l
    }

    /// Redis's listElementsRemoved: the pop event, then the key's deletion when it emptied;
    /// `n` changes in the dirty counter in all.
    static func elementsRemoved(_ c: Call, _ key: UnsafeRawBufferPointer, _ l: ListValue, atHead: Bool, _ n: Int) {
        c.modified(key, event: atHead ? "lpop" : "rpop")
        var events = 1
        if l.count == 0 {
            c.db.remove(key)
            c.modified(key, event: "del")
            events += 1
        }
        c.engine.dirty += Int64(n - events)
    }

    /// Key positions for LMPOP/BLMPOP: `numkeys` at `idx`, the keys after it.
    static func mpopKeys(numkeysAt idx: Int) -> (Argv) -> [Int] {
        { a in
            guard idx < a.count, let n = a.int(idx), n > 0, n < Int64(a.count), idx + Int(n) < a.count else { return [] }
            return Array((idx + 1)...(idx + Int(n)))
        }
    }

    // MARK: push

    static func lpush(_ c: Call) { push(c, atHead: true, onlyExisting: false) }
    static func rpush(_ c: Call) { push(c, atHead: false, onlyExisting: false) }
    static func lpushx(_ c: Call) { push(c, atHead: true, onlyExisting: true) }
    static func rpushx(_ c: Call) { push(c, atHead: false, onlyExisting: true) }

    static func push(_ c: Call, atHead: Bool, onlyExisting: Bool) {
        let key = c.argv[1]
        guard let found = writeTarget(c, key) else { return }
        let l: ListValue
        if let existing = found {
            l = existing
        } else {
            if onlyExisting { c.int(0); return }
            l = create(c, key)
        }
        for i in 2..<c.argv.count { l.push(c.argv[i], atHead: atHead) }
        c.int(l.count)
        c.modified(key, event: atHead ? "lpush" : "rpush")
        c.engine.dirty += Int64(c.argv.count - 3)
    }

    // MARK: pop

    static func lpop(_ c: Call) { pop(c, atHead: true) }
    static func rpop(_ c: Call) { pop(c, atHead: false) }

    static func pop(_ c: Call, atHead: Bool) {
        let a = c.argv
        if a.count > 3 { c.error(WireError.wrongArity(atHead ? "lpop" : "rpop")); return }
        var count = -1
        if a.count == 3 {
            guard let n = a.int(2), n >= 0 else { c.error(WireError.notPositive); return }
            count = Int(n)
        }
        guard let found = writeTarget(c, a[1]) else { return }
        guard let l = found else { if count >= 0 { c.nullArray() } else { c.null() }; return }
        if count == 0 { c.array(0); return }
        if count < 0 {
            l.pop(atHead: atHead) { c.bulk(element: $0) }
            elementsRemoved(c, a[1], l, atHead: atHead, 1)
            return
        }
        let n = popRange(c, l, atHead: atHead, count)
        elementsRemoved(c, a[1], l, atHead: atHead, n)
    }

    /// Replies up to `count` elements from one end (as an array, in pop order) and removes them.
    static func popRange(_ c: Call, _ l: ListValue, atHead: Bool, _ count: Int) -> Int {
        let n = min(count, l.count)
        c.array(n)
        var left = n
        l.forEach(from: atHead ? 0 : l.count - 1, reverse: !atHead) { e in
            c.bulk(element: e)
            left -= 1
            return left > 0
        }
        if atHead { l.removeFirst(n) } else { l.removeLast(n) }
        return n
    }

    // MARK: read

    static func llen(_ c: Call) {
        guard let v = c.lookup(c.argv[1]) else { c.int(0); return }
        guard let l = asList(v) else { c.wrongType(); return }
        c.int(l.count)
    }

    static func lindex(_ c: Call) {
        guard let v = c.lookup(c.argv[1]) else { c.null(); return }
        guard let l = asList(v) else { c.wrongType(); return }
        guard var i = c.argv.int(2) else { c.notInteger(); return }
        if i < 0 { i += Int64(l.count) }
        guard i >= 0 && i < Int64(l.count) else { c.null(); return }
        l.withElement(at: Int(i)) { c.bulk(element: $0) }
    }

    static func lset(_ c: Call) {
        let key = c.argv[1]
        guard let v = c.lookupWrite(key) else { c.error(WireError.noSuchKey); return }
        guard let l = asList(v) else { c.wrongType(); return }
        guard var i = c.argv.int(2) else { c.notInteger(); return }
        if i < 0 { i += Int64(l.count) }
        guard i >= 0 && i < Int64(l.count) else { c.error(WireError.outOfRange); return }
        l.replace(at: Int(i), with: c.argv[3])
        c.ok()
        c.modified(key, event: "lset")
    }

    /// Redis's start/end clamping for LRANGE and LTRIM: nil when the range is empty.
    static func clampRange(_ start: Int64, _ end: Int64, _ len: Int) -> (Int, Int)? {
        let n = Int64(len)
        var s = start < 0 ? n &+ start : start
        var e = end < 0 ? n &+ end : end
        if s < 0 { s = 0 }
        if s > e || s >= n { return nil }
        if e >= n { e = n - 1 }
        return (Int(s), Int(e))
    }

    static func lrange(_ c: Call) {
        guard let start = c.argv.int(2), let end = c.argv.int(3) else { c.notInteger(); return }
        guard let v = c.lookup(c.argv[1]) else { c.array(0); return }
        guard let l = asList(v) else { c.wrongType(); return }
        guard let (s, e) = clampRange(start, end, l.count) else { c.array(0); return }
        var left = e - s + 1
        c.array(left)
        l.forEach(from: s) { el in
            c.bulk(element: el)
            left -= 1
            return left > 0
        }
    }
}

extension Call {
    /// A list element as a bulk reply.
    @inline(__always) func bulk(element e: ListElement) {
        switch e {
        case .int(let v): client.out.writeBulkDecimal(v)
        case .bytes(let b): client.out.writeBulk(b)
        }
    }
}
