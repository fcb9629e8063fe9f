// Compact-encoding thresholds, cached from the config so type code reads plain fields on the
// hot path (a ConfigStore lookup goes through a name index). Kept current by onChange hooks.

public struct EncodingLimits {
    /// list-max-listpack-size: > 0 = max entries per node; -1...-5 = 4/8/16/32/64 KB per node.
    public var listMaxListpackSize = -2
    public var hashMaxListpackEntries = 512
    public var hashMaxListpackValue = 64
    public var setMaxIntsetEntries = 512
    public var zsetMaxListpackEntries = 128
    public var zsetMaxListpackValue = 64
    public init() {}
}

extension Engine {
    func installEncodingLimitHooks() {
        let c = config
        let read: () -> EncodingLimits = {
            var l = EncodingLimits()
            l.listMaxListpackSize = Int(c.int("list-max-listpack-size"))
            l.hashMaxListpackEntries = Int(clamping: c.int("hash-max-listpack-entries"))
            l.hashMaxListpackValue = Int(clamping: c.int("hash-max-listpack-value"))
            l.setMaxIntsetEntries = Int(clamping: c.int("set-max-intset-entries"))
            l.zsetMaxListpackEntries = Int(clamping: c.int("zset-max-listpack-entries"))
            l.zsetMaxListpackValue = Int(clamping: c.int("zset-max-listpack-value"))
            return l
        }
        limits = read()
        for name in ["list-max-listpack-size", "hash-max-listpack-entries", "hash-max-listpack-value",
                     "set-max-intset-entries", "zset-max-listpack-entries", "zset-max-listpack-value"] {
            c.onChange(name) { [unowned self] _ in self.limits = read() }
        }
    }
}
