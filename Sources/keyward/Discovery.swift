// Polls one node and says which other nodes it knows about: the one step that both
// `keyward status --json` (breadth-first from the seed) and the console's per-node pollers
// repeat. Standard commands only beyond ADMIN, so plain Redis 7 nodes and sentinels work.

import Admin
import Foundation
import KeywardClient
import RESP

struct NodePoll: Sendable {
    var status: NodeStatus
    /// Data nodes this one points at (its master, its replicas, a sentinel's masters/replicas).
    var dataNodes: [String] = []
    /// Sentinels this one knows (a sentinel's peers).
    var sentinels: [String] = []
}

struct PollOptions: Sendable {
    var password: String?
    var timeout: Double = 1.5
}

/// Keeps one connection per node between polls (a new connection per poll would show up in
/// the node's own connection counters and cost a handshake each second).
final class NodePoller {
    let address: String
    let options: PollOptions
    private var conn: Connection?

    init(address: String, options: PollOptions) {
        self.address = address
        self.options = options
    }

    func poll() -> NodePoll {
        do {
            let c = try connection()
            return try NodePoller.poll(c, address: address)
        } catch {
            conn?.close()
            conn = nil
            return NodePoll(status: .unreachable(address, error: "\(error)"))
        }
    }

    /// Runs an admin action on this node, returning the reply text.
    func run(_ args: [String]) -> String {
        do {
            let c = try connection()
            return describe(try c.command(args))
        } catch {
            conn?.close()
            conn = nil
            return "error: \(error)"
        }
    }

    private func connection() throws -> Connection {
        if let c = conn, c.isOpen { return c }
        let c = try Connection(try ServerAddress(parsing: address), timeout: options.timeout)
        if let pw = options.password {
            if case .error(let e) = try c.command("AUTH", pw) { throw ClientError.server(e) }
        }
        conn = c
        return c
    }

    static func poll(_ c: Connection, address: String) throws -> NodePoll {
        var status: NodeStatus
        let admin = try c.command("ADMIN", "STATUS")
        if case .bulk(let json) = admin, var s = try? JSONDecoder().decode(NodeStatus.self, from: Data(json)) {
            s.address = address
            status = s
            if s.role == "sentinel" {
                status.unavailable.append("locks")   // a sentinel holds no data
            } else if case .bulk(let locks) = try c.command("ADMIN", "LOCKS"),
               let v = try? JSONDecoder().decode(JSONValue.self, from: Data(locks)) {
                status.locks = v
            } else {
                status.unavailable.append("locks")
            }
        } else {
            if case .error(let e) = admin, e.hasPrefix("NOAUTH") || e.hasPrefix("WRONGPASS") { throw ClientError.server(e) }
            let info = try c.command("INFO")
            guard let text = info.text else {
                throw ClientError.server(info.errorText ?? "INFO: unexpected reply")
            }
            status = NodeStatus(address: address, info: InfoText(parsing: text), source: "info")
            status.unavailable += ["locks", "events"]
        }
        var poll = NodePoll(status: status)
        poll.status.polledAt = Int64(Date().timeIntervalSince1970 * 1000)
        if status.server?.mode == "cluster" {
            if case .bulk(let nodes) = try c.command("CLUSTER", "NODES"), let info = try c.command("CLUSTER", "INFO").text {
                let view = ClusterView(nodesText: String(decoding: nodes, as: UTF8.self), info: InfoText(parsing: info))
                poll.status.cluster = view
                poll.dataNodes += view.nodes.map(\.address).filter { !$0.hasPrefix(":") }
            }
        }
        if status.role == "sentinel" {
            let view = try sentinelView(c)
            poll.status.sentinel = view
            if !view.masters.isEmpty && view.masters.allSatisfy({ $0.votes == nil }) { poll.status.unavailable.append("votes") }
            for m in view.masters {
                poll.dataNodes.append(m.address)
                poll.dataNodes += m.replicas.map(\.address)
                poll.sentinels += m.sentinels.map(\.address)
            }
        } else if let r = status.replication {
            if let m = r.master { poll.dataNodes.append(m.address) }
            poll.dataNodes += r.replicas.map(\.address)
            if status.sentinel == nil { poll.status.unavailable.append("sentinel") }
        }
        return poll
    }

    static func sentinelView(_ c: Connection) throws -> SentinelView {
        var view = SentinelView()
        for f in fieldMaps(try c.command("SENTINEL", "MASTERS")) {
            guard var m = SentinelMaster(fields: f) else { continue }
            m.replicas = fieldMaps(try c.command("SENTINEL", "REPLICAS", m.name)).compactMap(SentinelPeer.init(fields:))
            m.sentinels = fieldMaps(try c.command("SENTINEL", "SENTINELS", m.name)).compactMap(SentinelPeer.init(fields:))
            // Keyward's extension; a Redis sentinel answers with an error and the panel says so.
            debugVotes(try c.command("SENTINEL", "DEBUG-VOTES", m.name), into: &m)
            view.masters.append(m)
        }
        return view
    }

    /// DEBUG-VOTES: current-epoch, failover {fields}, votes [{fields}] (map or flat array).
    static func debugVotes(_ v: RESPValue, into m: inout SentinelMaster) {
        let pairs: [(String, RESPValue)]
        switch v {
        case .map(let kv): pairs = kv.compactMap { k, val in k.text.map { ($0, val) } }
        case .array(let a):
            pairs = stride(from: 0, to: a.count - 1, by: 2).compactMap { i in a[i].text.map { ($0, a[i + 1]) } }
        default: return
        }
        var votes: [SentinelVote] = []
        for (k, val) in pairs {
            switch k {
            case "current-epoch": m.currentEpoch = val.text.flatMap { Int64($0) }
            case "failover": m.failover = fieldMaps(.array([val])).first.flatMap(SentinelFailover.init(fields:))
            case "votes":
                votes = fieldMaps(val).compactMap { f in
                    guard let e = f["epoch"].flatMap({ Int64($0) }), let voter = f["voter"], let cand = f["candidate"] else { return nil }
                    return SentinelVote(epoch: e, voter: voter, candidate: cand, time: f["time"].flatMap { Int64($0) } ?? 0)
                }
            default: break
            }
        }
        m.votes = votes
    }

    /// SENTINEL MASTERS-style replies: a list of flat field/value arrays (RESP2) or maps (RESP3).
    static func fieldMaps(_ v: RESPValue) -> [[String: String]] {
        guard case .array(let items) = v else { return [] }
        return items.map { item in
            var out: [String: String] = [:]
            switch item {
            case .array(let kv):
                var i = 0
                while i + 1 < kv.count {
                    if let k = kv[i].text, let val = kv[i + 1].text { out[k] = val }
                    i += 2
                }
            case .map(let pairs):
                for (k, val) in pairs { if let k = k.text, let val = val.text { out[k] = val } }
            default: break
            }
            return out
        }
    }
}

extension RESPValue {
    var text: String? {
        switch self {
        case .simple(let s), .double(let s), .bigNumber(let s): return s
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        case .verbatim(_, let t): return t
        case .integer(let i): return String(i)
        default: return nil
        }
    }

    var errorText: String? { if case .error(let e) = self { return e }; return nil }
}

func describe(_ v: RESPValue) -> String {
    switch v {
    case .error(let e): return "(error) \(e)"
    case .null: return "(nil)"
    case .array(let a): return a.map(describe).joined(separator: " ")
    default: return v.text ?? "\(v)"
    }
}

/// Breadth-first discovery from the seed: every node polled once (sequentially, each bounded
/// by the poll timeout), data nodes and sentinels separated, masters before their replicas.
func discover(seed: String, options: PollOptions, limit: Int = 64) -> TopologyStatus {
    var queue = [seed]
    var seen: Set<String> = [seed]
    var polls: [NodePoll] = []
    while !queue.isEmpty && polls.count < limit {
        let addr = queue.removeFirst()
        let p = NodePoller(address: addr, options: options).poll()
        polls.append(p)
        for n in p.dataNodes + p.sentinels where !seen.contains(n) {
            seen.insert(n)
            queue.append(n)
        }
    }
    return assemble(seed: seed, polls.map(\.status))
}

/// Orders nodes for display: sentinels apart; masters first, each followed by its replicas.
func assemble(seed: String, _ statuses: [NodeStatus]) -> TopologyStatus {
    let sentinels = statuses.filter { $0.role == "sentinel" }
    let data = statuses.filter { $0.role != "sentinel" }
    var ordered: [NodeStatus] = []
    var placed = Set<String>()
    func place(_ n: NodeStatus) {
        guard !placed.contains(n.address) else { return }
        placed.insert(n.address)
        ordered.append(n)
        for r in n.replication?.replicas ?? [] {
            if let child = data.first(where: { $0.address == r.address }) { place(child) }
        }
    }
    for n in data where n.role == "master" { place(n) }
    for n in data { place(n) }
    var t = TopologyStatus(generatedAt: Int64(Date().timeIntervalSince1970 * 1000), seed: seed, nodes: ordered,
                           sentinels: sentinels)
    t.mergeSentinelTimelines()
    t.assess()
    return t
}
