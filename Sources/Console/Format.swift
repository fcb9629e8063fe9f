// Number formatting for narrow columns (no Foundation: the console model stays pure).

enum Format {
    /// 1536 → "1.5K", 3_400_000 → "3.2M".
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "K", "M", "G", "T"]
        var v = Double(n), u = 0
        while abs(v) >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n)B" : one(v) + units[u]
    }

    static func count(_ n: Int64) -> String {
        if abs(n) < 10_000 { return String(n) }
        if abs(n) < 10_000_000 { return one(Double(n) / 1000) + "k" }
        return one(Double(n) / 1_000_000) + "M"
    }

    /// One decimal, no Foundation formatting.
    static func one(_ v: Double) -> String {
        let t = Int64((v * 10).rounded())
        return "\(t / 10).\(abs(t % 10))"
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }

    static func duration(_ s: Int64) -> String {
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    /// Unix ms → "HH:MM:SS" (UTC).
    static func clock(_ ms: Int64) -> String {
        let s = (ms / 1000) % 86400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
    }

    /// Unix ms → "HH:MM:SS.mmm" (UTC): failover steps are milliseconds apart.
    static func clockMs(_ ms: Int64) -> String {
        let r = ms % 1000
        return clock(ms) + "." + (r < 10 ? "00" : r < 100 ? "0" : "") + String(r)
    }
}
