// A node's view of a Redis Cluster, from plain CLUSTER INFO / CLUSTER NODES (so a real Redis
// cluster fills it today and Keyward's will later): who owns which slots, which slots are
// migrating or importing, node flags (fail, pfail) and epochs. The console's slot heatmap and
// the health verdict read it.

public struct ClusterView: Codable, Sendable, Equatable {
    /// cluster_state: "ok" or "fail".
    public var state: String
    public var currentEpoch: Int64
    public var slotsAssigned: Int
    public var nodes: [ClusterNode]
    /// Owned slot ranges, sorted by start.
    public var ranges: [SlotRange]
    public var migrating: [SlotMove]
    public var importing: [SlotMove]

    public init(state: String, currentEpoch: Int64, slotsAssigned: Int, nodes: [ClusterNode], ranges: [SlotRange],
                migrating: [SlotMove] = [], importing: [SlotMove] = []) {
        self.state = state; self.currentEpoch = currentEpoch; self.slotsAssigned = slotsAssigned; self.nodes = nodes
        self.ranges = ranges; self.migrating = migrating; self.importing = importing
    }

    public static let slotCount = 16384

    /// Slots no node serves.
    public var uncovered: Int { ClusterView.slotCount - ranges.reduce(0) { $0 + $1.end - $1.start + 1 } }

    /// Parses CLUSTER NODES text plus CLUSTER INFO fields.
    public init(nodesText: String, info: InfoText) {
        var nodes: [ClusterNode] = []
        var ranges: [SlotRange] = []
        var migrating: [SlotMove] = [], importing: [SlotMove] = []
        for line in nodesText.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 8 else { continue }
            // ip:port@cport[,hostname]
            let addr = String(f[1].split(separator: "@").first ?? "")
            let flags = f[2].split(separator: ",").map(String.init).filter { $0 != "myself" && $0 != "noflags" }
            var owned = 0
            for s in f.dropFirst(8) {
                if s.hasPrefix("[") {
                    let body = s.dropFirst().dropLast()
                    // [slot->-peer] migrating, [slot-<-peer] importing.
                    guard let dash = body.firstIndex(of: "-"), let slot = Int(body[..<dash]) else { continue }
                    let rest = body[dash...]
                    if rest.hasPrefix("->-") {
                        migrating.append(SlotMove(slot: slot, from: addr, peerId: String(rest.dropFirst(3))))
                    } else if rest.hasPrefix("-<-") {
                        importing.append(SlotMove(slot: slot, from: addr, peerId: String(rest.dropFirst(3))))
                    }
                    continue
                }
                let p = s.split(separator: "-")
                guard let a = Int(p[0]), let b = p.count > 1 ? Int(p[1]) : a else { continue }
                ranges.append(SlotRange(start: a, end: b, owner: addr))
                owned += b - a + 1
            }
            nodes.append(ClusterNode(id: f[0], address: addr, flags: flags, masterId: f[3] == "-" ? nil : f[3],
                                     configEpoch: Int64(f[6]) ?? 0, linkState: f[7], slots: owned))
        }
        self.init(state: info["cluster_state"] ?? "fail", currentEpoch: Int64(info["cluster_current_epoch"] ?? "") ?? 0,
                  slotsAssigned: Int(info["cluster_slots_assigned"] ?? "") ?? 0, nodes: nodes,
                  ranges: ranges.sorted { $0.start < $1.start }, migrating: migrating, importing: importing)
    }
}

public struct ClusterNode: Codable, Sendable, Equatable {
    public var id: String
    public var address: String
    /// master, slave, fail, fail?, handshake, noaddr ... (without "myself").
    public var flags: [String]
    public var masterId: String?
    public var configEpoch: Int64
    /// "connected" or "disconnected".
    public var linkState: String
    public var slots: Int
    public init(id: String, address: String, flags: [String], masterId: String?, configEpoch: Int64, linkState: String, slots: Int) {
        self.id = id; self.address = address; self.flags = flags; self.masterId = masterId
        self.configEpoch = configEpoch; self.linkState = linkState; self.slots = slots
    }
    public var failing: Bool { flags.contains("fail") || flags.contains("fail?") }
}

public struct SlotRange: Codable, Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var owner: String
    public init(start: Int, end: Int, owner: String) { self.start = start; self.end = end; self.owner = owner }
}

public struct SlotMove: Codable, Sendable, Equatable {
    public var slot: Int
    /// The node reporting the move (host:port).
    public var from: String
    /// The other side's node id.
    public var peerId: String
    public init(slot: Int, from: String, peerId: String) { self.slot = slot; self.from = from; self.peerId = peerId }
}
