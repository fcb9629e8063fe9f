// Builds a NodeStatus from INFO fields: the server fills ADMIN STATUS from its own INFO sections,
// and the console does the same with the INFO text of a plain Redis node, so both kinds of node
// come out of one mapping.

public struct InfoText: Sendable {
    /// field → value over all sections (INFO field names are unique across sections).
    public var fields: [String: String] = [:]

    public init(fields: [String: String]) { self.fields = fields }

    /// Parses `# Section` / `field:value` lines (CRLF or LF).
    public init(parsing text: String) {
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            var value = line[line.index(after: colon)...]
            if value.hasSuffix("\r") { value = value.dropLast() }
            fields[String(line[..<colon])] = String(value)
        }
    }

    public subscript(_ k: String) -> String? { fields[k] }
    func int(_ k: String) -> Int64 { fields[k].flatMap { Int64($0) } ?? 0 }
    func double(_ k: String) -> Double { fields[k].flatMap { Double($0) } ?? 0 }
    func flag(_ k: String) -> Bool { fields[k] == "1" }

    /// "a=1,b=2" → ["a": "1", "b": "2"] (slaveN, dbN, latency_percentiles_usec_*).
    static func pairs(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for p in s.split(separator: ",") {
            guard let eq = p.firstIndex(of: "=") else { continue }
            out[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        return out
    }
}

extension NodeStatus {
    /// The status INFO can tell; `source` says where it came from.
    public init(address: String, info i: InfoText, source: String) {
        self.init(address: address)
        self.source = source
        let mode = i["redis_mode"] ?? "standalone"
        switch (mode, i["role"]) {
        case ("sentinel", _): role = "sentinel"
        case (_, "master"?): role = "master"
        case (_, "slave"?): role = "replica"
        default: role = "unknown"
        }
        server = NodeIdentity(runId: i["run_id"] ?? "", redisVersion: i["redis_version"] ?? "",
                                keywardVersion: i["keyward_version"], mode: mode,
                                processId: Int(i.int("process_id")), tcpPort: Int(i.int("tcp_port")),
                                uptimeSeconds: i.int("uptime_in_seconds"))
        clients = ClientFigures(connected: Int(i.int("connected_clients")), blocked: Int(i.int("blocked_clients")),
                                maxClients: Int(i.int("maxclients")))
        if role == "sentinel" { return }
        memory = MemoryFigures(usedBytes: i.int("used_memory"), rssBytes: i.int("used_memory_rss"),
                               peakBytes: i.int("used_memory_peak"),
                               datasetBytes: i["used_memory_dataset"].flatMap { Int64($0) },
                               maxBytes: i.int("maxmemory"), policy: i["maxmemory_policy"] ?? "")
        stats = OpsFigures(opsPerSec: i.int("instantaneous_ops_per_sec"), totalCommands: i.int("total_commands_processed"),
                           totalConnections: i.int("total_connections_received"), keyspaceHits: i.int("keyspace_hits"),
                           keyspaceMisses: i.int("keyspace_misses"), expiredKeys: i.int("expired_keys"),
                           evictedKeys: i.int("evicted_keys"), inputKbps: i.double("instantaneous_input_kbps"),
                           outputKbps: i.double("instantaneous_output_kbps"))
        latency = NodeStatus.busiestLatency(i)
        if latency == nil { unavailable.append("latency") }
        keyspace = i.fields.compactMap { k, v -> KeyspaceDB? in
            guard k.hasPrefix("db"), let n = Int(k.dropFirst(2)) else { return nil }
            let p = InfoText.pairs(v)
            return KeyspaceDB(db: n, keys: Int64(p["keys"] ?? "") ?? 0, expires: Int64(p["expires"] ?? "") ?? 0)
        }.sorted { $0.db < $1.db }
        var p = PersistenceFigures()
        p.loading = i.flag("loading")
        p.rdbBgsaveInProgress = i.flag("rdb_bgsave_in_progress")
        p.rdbLastSaveTime = i.int("rdb_last_save_time")
        p.rdbLastBgsaveStatus = i["rdb_last_bgsave_status"] ?? "ok"
        p.rdbChangesSinceLastSave = i.int("rdb_changes_since_last_save")
        p.aofEnabled = i.flag("aof_enabled")
        p.aofRewriteInProgress = i.flag("aof_rewrite_in_progress")
        p.aofLastRewriteStatus = i["aof_last_bgrewrite_status"] ?? "ok"
        p.aofLastWriteStatus = i["aof_last_write_status"] ?? "ok"
        persistence = p
        replication = NodeStatus.replication(i)
    }

    static func replication(_ i: InfoText) -> ReplicationFigures {
        var r = ReplicationFigures()
        r.replid = i["master_replid"] ?? ""
        r.offset = i.int("master_repl_offset")
        r.failoverState = i["master_failover_state"] ?? "no-failover"
        r.backlog.active = i.flag("repl_backlog_active")
        r.backlog.size = i.int("repl_backlog_size")
        r.backlog.firstByteOffset = i.int("repl_backlog_first_byte_offset")
        r.backlog.histlen = i.int("repl_backlog_histlen")
        if let host = i["master_host"] {
            r.master = MasterLink(host: host, port: Int(i.int("master_port")), linkStatus: i["master_link_status"] ?? "down",
                                  lastIOSecondsAgo: i.int("master_last_io_seconds_ago"),
                                  syncInProgress: i.flag("master_sync_in_progress"), offset: i.int("slave_repl_offset"),
                                  linkDownSinceSeconds: i["master_link_down_since_seconds"].flatMap { Int64($0) })
        }
        let n = Int(i.int("connected_slaves"))
        for k in 0..<n {
            guard let v = i["slave\(k)"] else { continue }
            let p = InfoText.pairs(v)
            let off = Int64(p["offset"] ?? "") ?? 0
            r.replicas.append(ReplicationLink(address: "\(p["ip"] ?? "?"):\(p["port"] ?? "0")", state: p["state"] ?? "",
                                              offset: off, lagSeconds: Int64(p["lag"] ?? "") ?? 0,
                                              lagBytes: max(0, r.offset - off),
                                              resyncHeadroomBytes: r.backlog.resyncHeadroom(replicaOffset: off)))
        }
        return r
    }

    /// latency_percentiles_usec_<cmd>:p50=..,p99=..,p99.9=.. of the command with most calls.
    static func busiestLatency(_ i: InfoText) -> LatencyFigures? {
        var best: (calls: Int64, l: LatencyFigures)?
        for (k, v) in i.fields where k.hasPrefix("latency_percentiles_usec_") {
            let cmd = String(k.dropFirst("latency_percentiles_usec_".count))
            let p = InfoText.pairs(v)
            let calls = InfoText.pairs(i["cmdstat_\(cmd)"] ?? "")["calls"].flatMap { Int64($0) } ?? 0
            let l = LatencyFigures(command: cmd, p50Usec: Double(p["p50"] ?? "") ?? 0, p99Usec: Double(p["p99"] ?? "") ?? 0,
                                   p999Usec: Double(p["p99.9"] ?? "") ?? 0)
            if best == nil || calls > best!.calls || (calls == best!.calls && cmd < best!.l.command) { best = (calls, l) }
        }
        return best?.l
    }
}
