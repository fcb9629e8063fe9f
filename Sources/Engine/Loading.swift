// The loading state (Redis's server.loading and loading_* fields): while the RDB or AOF is
// loaded at startup, or a replica loads its master's payload, the load stops about every 2 MB
// (`loading-process-events-interval-bytes`) and the server handles the events ready then
// (`whileLoading`, Redis's processEventsWhileBlocked): clients can connect and commands without
// the `loading` flag get `-LOADING Redis is loading the dataset in memory`. Polling from inside
// the load (instead of loading in slices from the event loop) keeps the loaders as they are and
// the load atomic: no command can see a half-loaded keyspace, because every command that could
// is refused, and the ones allowed (INFO, CONFIG, CLIENT, ...) don't touch the data.

public final class LoadingState {
    /// Unix seconds.
    public let startTime: Int64
    public var totalBytes: Int
    public var loadedBytes = 0
    /// `used-mem` of the RDB being loaded (its AUX field, once read), 0 when unknown.
    public var rdbUsedMem = 0
    init(startTime: Int64, totalBytes: Int) {
        self.startTime = startTime
        self.totalBytes = totalBytes
    }
}

extension Engine {
    /// Runs `body` in the loading state; `whileLoading` is called from its progress reports.
    public func withLoading<T>(totalBytes: Int, _ body: () throws -> T) rethrows -> T {
        let outer = loading
        if outer == nil { loading = LoadingState(startTime: unixMillis() / 1000, totalBytes: totalBytes) }
        defer { if outer == nil { loading = nil } }
        return try body()
    }

    /// A progress report from a loader: `done` bytes of the current file (`base` before it).
    public func loadingProgress(_ done: Int, base: Int = 0) {
        guard let l = loading else { return }
        l.loadedBytes = base + done
        whileLoading?()
    }

    /// `-LOADING` for commands without the `loading` flag (Redis's processCommand).
    func rejectedWhileLoading(_ cmd: CommandSpec) -> Bool {
        loading != nil && !cmd.flags.contains(.loading)
    }

    func loadingInfo(_ f: inout InfoFields) {
        guard let l = loading else { return }
        f["loading"] = "1"
        var perc = 0.0
        var remaining = 1
        if l.totalBytes > 0 {
            perc = Double(l.loadedBytes) / Double(l.totalBytes) * 100
            remaining = l.totalBytes - l.loadedBytes
        }
        let elapsed = unixMillis() / 1000 - l.startTime
        let eta = elapsed == 0 ? 1 : elapsed * Int64(remaining) / Int64(l.loadedBytes + 1)
        f.add("loading_start_time", String(l.startTime))
        f.add("loading_total_bytes", String(l.totalBytes))
        f.add("loading_rdb_used_mem", String(l.rdbUsedMem))
        f.add("loading_loaded_bytes", String(l.loadedBytes))
        f.add("loading_loaded_perc", cFormat("%.2f", perc))
        f.add("loading_eta_seconds", String(eta))
    }
}
