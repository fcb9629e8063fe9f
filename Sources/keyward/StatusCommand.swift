// `keyward status`: one TopologyStatus document (--json) or a short text summary; exit code from
// the health verdict (0 healthy, 1 degraded, 2 unreachable). `--watch` repeats as JSON lines.

import Admin
import Foundation

enum StatusCommand {
    static func run(_ args: Arguments) throws -> Int32 {
        let seed = args.flags["--seed"] ?? LocalTopology.defaultSeed()
        let options = PollOptions(password: args.flags["--password"], timeout: try args.double("--timeout", 1.5))
        let json = args.switches.contains("--json") || args.flags["--watch"] != nil
        let interval = try args.double("--watch", 1)
        while true {
            let t = discover(seed: seed, options: options)
            if json {
                say(try AdminJSON.encode(t))
            } else {
                say(summary(t))
            }

            guard args.flags["--watch"] != nil else { return t.exitCode }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    static func summary(_ t: TopologyStatus) -> String {
        var lines = ["\(t.health.uppercased())  seed \(t.seed)  \(t.nodes.count) node(s), \(t.sentinels.count) sentinel(s)"]
        for n in t.nodes + t.sentinels {
            if !n.reachable { lines.append("  \(n.address)  UNREACHABLE  \(n.error ?? "")"); continue }
            var l = "  \(n.address)  \(n.role)"
            if let r = n.replication {
                l += "  offset \(r.offset)"
                if let m = r.master { l += "  master \(m.address) link \(m.linkStatus)" }
                if !r.replicas.isEmpty { l += "  replicas \(r.replicas.count)" }
            }
            lines.append(l)
        }
        for p in t.problems { lines.append("  ! \(p)") }
        return lines.joined(separator: "\n")
    }
}
