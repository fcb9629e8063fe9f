// Where one type family reads another: SORT over lists and sorted sets, set inputs of the
// sorted-set algebra, SORT ... STORE building a list. Kept in one place so each family's files
// stay independent of the others.

extension ListValue: SortableElements {
    public var sortElementCount: Int { count }
    public var sortKeepsNativeOrder: Bool { true }
    public func forEachElement(_ body: (UnsafeRawBufferPointer) -> Void) {
        forEach(from: 0) { e in
            e.owned.withBytes(body)
            return true
        }
    }
    public func prepareForSort() {}
}

extension ZsetValue: SortableElements {
    public var sortElementCount: Int { count }
    public var sortKeepsNativeOrder: Bool { true }
    /// Ascending score order, as SORT reads a sorted set.
    public func forEachElement(_ body: (UnsafeRawBufferPointer) -> Void) {
        forEachElement { (member: UnsafeRawBufferPointer, _: Double) in body(member) }
    }
    /// Redis converts a listpack sorted set to a skiplist when SORT reads it.
    public func prepareForSort() { if isListpack { convertToSkiplist() } }
}

extension SetValue: ZsetInputSource {
    public var zsetInputCount: Int { count }
    public func zsetInputContains(_ member: UnsafeRawBufferPointer) -> Bool { contains(member) }
    public func zsetInputForEach(_ body: (UnsafeRawBufferPointer) -> Void) {
        forEach { $0.withBytes(body) }
    }
}

extension Engine {
    /// SORT ... STORE writes a list (wired here so SortCommand needn't know the list type).
    func installTypeBridges() {
        storeList = { [unowned self] elements in
            let l = ListValue(fill: self.limits.listMaxListpackSize)
            for e in elements { e.withBytes { l.push($0, atHead: false) } }
            return .object(l)
        }
    }
}
