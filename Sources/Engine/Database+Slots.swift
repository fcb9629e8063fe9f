// Cluster hash-slot views of a database (CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, migration).
// Counts are always maintained; the per-slot key lists only after `enableSlotIndex()`.

extension Database {
    /// Starts maintaining per-slot key lists (cluster mode). O(n) once, over existing keys.
    public func enableSlotIndex() { table.enableSlotIndex() }
    public var slotIndexEnabled: Bool { table.slotIndexEnabled }

    /// Number of keys hashing to `slot` (0..<16384). O(1).
    public func countKeys(inSlot slot: Int) -> Int { table.countKeys(inSlot: slot) }

    /// Up to `max` keys in `slot`. O(result). Requires `enableSlotIndex()`.
    public func keys(inSlot slot: Int, max: Int) -> [Bytes] {
        table.indices(inSlot: slot, max: max).map { table.entry($0).pointee.key }
    }
}
