// Full syncs from the fork-less background snapshot (Redis's startBgsaveForReplication /
// updateSlavesWaitingBgsave without the child). A PSYNC that needs a full sync gets
// `+FULLRESYNC <replid> <offset>` at the snapshot's instant; the snapshot (Snapshot.swift) is
// walked in slices from the event loop like a BGSAVE while the engine keeps serving, and its
// bytes land in a `ReplicationSync`:
// - `$EOF:` replicas (capa eof and repl-diskless-sync yes) get each block in their output buffer
//   as it is produced, then the marker; their stream waits for the first ACK (held);
// - `$<len>` replicas get `$<len>\r\n` and the image once it is complete (Redis's disk sync,
//   with memory in place of the file), then the stream at once;
// - the effects stream after the instant is kept once, in `stream`, and appended after the
//   payload for every replica of the sync.
// The image stays in memory until the end, so a replica asking meanwhile joins the running
// sync (same instant, same offset, the prefix copied) whatever its framing: Redis can only
// attach a disk sync to a running BGSAVE, and waits repl-diskless-sync-delay for socket ones.
// While another snapshot runs (BGSAVE, AOF rewrite) replicas wait for its end (wait_bgsave).

/// One full sync's payload and the replicas it feeds. Engine thread only.
public final class ReplicationSync: SnapshotSink {
    let replid: String
    /// master_repl_offset at the snapshot's instant (the `+FULLRESYNC` offset).
    let offset: Int64
    /// The `$EOF:` marker (Redis's RDB_EOF_MARK_SIZE random characters).
    let mark: String
    /// Every payload byte produced so far (the RDB file, with its CRC64 once closed).
    var image: [UInt8] = []
    var crc: UInt64 = 0
    var closed = false
    var cancelled = false
    /// The replication stream since the instant.
    var stream: [UInt8] = []
    var replicas: [ReplicaEntry] = []

    init(replid: String, offset: Int64, mark: String) {
        self.replid = replid
        self.offset = offset
        self.mark = mark
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        crc = crc64(crc, bytes)
        image.append(contentsOf: bytes)
        for e in replicas where e.eof { e.client.out.append(bytes) }
    }

    public func close(checksum: Bool) {
        let sum = checksum ? crc : 0
        var tail = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { tail[i] = UInt8(truncatingIfNeeded: sum >> UInt64(8 * i)) }
        tail.withUnsafeBytes { t in
            image.append(contentsOf: t)
            for e in replicas where e.eof { e.client.out.append(t) }
        }
        closed = true
    }

    public func cancel() { cancelled = true }
    public var pendingBytes: Int { 0 }
    public func poll() -> SnapshotOutcome? { cancelled ? .failed("cancelled") : closed ? .ok : nil }
}

extension Engine {
    /// A replica needs a full sync: join the running sync, start one, or wait for the running
    /// BGSAVE / AOF rewrite to end.
    func beginFullSync(_ e: ReplicaEntry) {
        let r = replication
        if let s = r.sync {
            joinSync(s, e)
        } else if persistence.snapshot == nil {
            joinSync(startSync(), e)
        } else {
            e.waitingSync = true
            persistence.log?("Waiting for next BGSAVE for SYNC")
        }
    }

    func startSync() -> ReplicationSync {
        let r = replication
        ensureBacklog()
        // The stream after the instant must start with a SELECT.
        propagation.repl.selectedDb = -1
        let s = ReplicationSync(replid: r.replid, offset: r.offset, mark: randomHex(40))
        r.sync = s
        let p = persistence
        // Keys are encoded on the encoder's thread; its bytes come back to `s` on this one.
        let sink: SnapshotSink = SnapshotEncoder(s) ?? s
        p.snapshot = Snapshot(engine: self, sink: sink, aux: replicationSaveInfo())
        p.snapshotPurpose = .replication
        p.snapshotDone = { [unowned self] outcome in self.finishSync(s, outcome) }
        p.log?("Starting BGSAVE for SYNC with target: replicas sockets (fork-less snapshot)")
        return s
    }

    func joinSync(_ s: ReplicationSync, _ e: ReplicaEntry) {
        let out = e.client
        if !e.prePsync { out.out.append("+FULLRESYNC \(s.replid) \(s.offset)\r\n") }
        e.waitingSync = false
        e.sync = s
        e.ackOffset = 0
        if e.eof {
            out.out.append("$EOF:\(s.mark)\r\n")
            out.out.append(s.image)
        }
        s.replicas.append(e)
    }

    /// The snapshot is complete (or failed): payload tails and buffered streams go out.
    func finishSync(_ s: ReplicationSync, _ outcome: SnapshotOutcome) {
        let r = replication
        if r.sync === s { r.sync = nil }
        for e in s.replicas { e.sync = nil }
        guard case .ok = outcome else {
            persistence.warn?("SYNC failed. BGSAVE child returned an error")
            for e in s.replicas { e.client.closeASAP = true }
            return
        }
        for e in s.replicas where !e.client.closeASAP {
            let c = e.client
            if e.eof {
                c.out.append(s.mark)
                e.held = s.stream
            } else {
                c.out.append("$\(s.image.count)\r\n")
                c.out.append(s.image)
            }
            e.rdbEnd = c.out.count
            if !e.eof { c.out.append(s.stream) }
            e.ackTime = now
            checkReplicaOutputLimit(e)
            persistence.log?("Synchronization with replica \(e.name) succeeded")
        }
    }

    /// Replicas waiting for another snapshot to end get a sync of their own now.
    func startWaitingSyncs() {
        let r = replication
        guard persistence.snapshot == nil, r.sync == nil else { return }
        let waiting = r.replicas.filter { $0.waitingSync && !$0.client.closeASAP }
        guard !waiting.isEmpty else { return }
        let s = startSync()
        for e in waiting { joinSync(s, e) }
    }

    /// The stream reaches the replicas of a running sync through `sync.stream`; too much of it
    /// drops them, as the output-buffer limit would (Redis counts it in their buffers).
    func feedSyncStream(_ bytes: UnsafeRawBufferPointer) {
        guard let s = replication.sync else { return }
        s.stream.append(contentsOf: bytes)
        for e in s.replicas where !e.client.closeASAP {
            checkReplicaOutputLimit(e, used: UInt64(s.stream.count))
        }
    }

    /// A replica of a running sync went away; the last one cancels the snapshot.
    func leaveSync(_ e: ReplicaEntry) {
        guard let s = e.sync else { return }
        e.sync = nil
        s.replicas.removeAll { $0 === e }
        if s.replicas.isEmpty && replication.sync === s && persistence.snapshotPurpose == .replication {
            persistence.log?("Diskless rdb transfer, last replica dropped, killing the snapshot.")
            cancelBackgroundSave()
        }
    }

    /// Keep-alive newlines (replicationCron): replicas that have not received the payload's
    /// first byte yet, so their read timeout doesn't fire during a long snapshot.
    func syncKeepAlives() {
        for e in replication.replicas where !e.client.closeASAP && (e.waitingSync || (e.sync != nil && !e.eof)) {
            e.client.out.append("\n")
        }
    }
}

extension ReplicaEntry {
    /// INFO's state: wait_bgsave until the payload is complete (and, for `$EOF:`, written
    /// to the socket), send_bulk while a `$<len>` payload is being written, then online.
    public var stateName: String {
        if waitingSync || sync != nil { return "wait_bgsave" }
        let c = client
        if rdbEnd > 0 && c.out.count >= rdbEnd && c.out.readIndex < rdbEnd { return eof ? "wait_bgsave" : "send_bulk" }
        return "online"
    }

    public var isOnline: Bool { stateName == "online" }

    var name: String {
        let ip = self.ip ?? ReplicationCommands.hostOf(client.addr)
        return "\(ip):\(listeningPort)"
    }
}
