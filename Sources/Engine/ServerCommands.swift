// Server family (server.c, debug.c): INFO, TIME, LASTSAVE, SHUTDOWN, SLOWLOG, LATENCY, MONITOR
// and a DEBUG subset. INFO lives in ServerCommands+Info.swift, SLOWLOG and LATENCY in
// ServerCommands+Slowlog.swift. FLUSHDB/FLUSHALL belong to the keyspace family.

#if canImport(Glibc)
import Glibc
#endif
import RESP

enum ServerCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("info", arity: -1, flags: [.loading, .stale, .sentinel], categories: ["dangerous"], group: "server",
                        summary: "Get information and statistics about the server", complexity: "O(1)", since: "1.0.0", handler: Info.info),
            CommandSpec("time", arity: 1, flags: [.loading, .stale, .fast], group: "server",
                        summary: "Return the current server time", complexity: "O(1)", since: "2.6.0", handler: time),
            CommandSpec("lastsave", arity: 1, flags: [.loading, .stale, .fast], categories: ["admin", "dangerous"], group: "server",
                        summary: "Get the UNIX time stamp of the last successful save to disk", complexity: "O(1)", since: "1.0.0", handler: lastsave),
            CommandSpec("shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale, .noMulti, .allowBusy, .sentinel], group: "server",
                        summary: "Synchronously save the dataset to disk and then shut down the server", complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", since: "1.0.0", handler: shutdown),
            CommandSpec("slowlog", arity: -2, group: "server",
                        summary: "A container for slow log commands", complexity: "Depends on subcommand.", since: "2.2.12", subcommands: [
                CommandSpec("len", arity: 2, flags: [.admin, .loading, .stale], group: "server",
                            summary: "Get the slow log's length", complexity: "O(1)", since: "2.2.12", handler: Slowlog.len),
                CommandSpec("reset", arity: 2, flags: [.admin, .loading, .stale], group: "server",
                            summary: "Clear all entries from the slow log", complexity: "O(N) where N is the number of entries in the slowlog", since: "2.2.12", handler: Slowlog.reset),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], group: "server",
                            summary: "Show helpful text about the different subcommands", complexity: "O(1)", since: "6.2.0", handler: Slowlog.help),
                CommandSpec("get", arity: -2, flags: [.admin, .loading, .stale], group: "server",
                            summary: "Get the slow log's entries", complexity: "O(N) where N is the number of entries returned", since: "2.2.12", handler: Slowlog.get),
            ]) { _ in },
            CommandSpec("latency", arity: -2, group: "server",
                        summary: "A container for latency diagnostics commands", complexity: "Depends on subcommand.", since: "2.8.13", subcommands: [
                CommandSpec("graph", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Return a latency graph for the event.", complexity: "O(1)", since: "2.8.13", handler: Latency.graph),
                CommandSpec("history", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Return timestamp-latency samples for the event.", complexity: "O(1)", since: "2.8.13", handler: Latency.history),
                CommandSpec("doctor", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Return a human readable latency analysis report.", complexity: "O(1)", since: "2.8.13", handler: Latency.doctor),
                CommandSpec("latest", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Return the latest latency samples for all events.", complexity: "O(1)", since: "2.8.13", handler: Latency.latest),
                CommandSpec("histogram", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Return the cumulative distribution of latencies of a subset of commands or all.", complexity: "O(N) where N is the number of commands with latency information being retrieved.", since: "7.0.0", handler: Latency.histogram),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], group: "server",
                            summary: "Show helpful text about the different subcommands.", complexity: "O(1)", since: "2.8.13", handler: Latency.help),
                CommandSpec("reset", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Reset latency data for one or more events.", complexity: "O(1)", since: "2.8.13", handler: Latency.reset),
            ]) { _ in },
            CommandSpec("monitor", arity: 1, flags: [.admin, .noscript, .loading, .stale], group: "server",
                        summary: "Listen for all requests received by the server in real time", complexity: "", since: "1.0.0", handler: monitor),
            CommandSpec("debug", arity: -2, flags: [.admin, .noscript, .loading, .stale, .protected], group: "server",
                        summary: "A container for debugging commands", complexity: "Depends on subcommand.", since: "1.0.0", handler: debug),
        ]
    }

    static func time(_ c: Call) {
        // Seconds and milliseconds follow the engine clock; the microseconds come from the wall clock.
        let us = c.now * 1000 + unixMicros() % 1000
        c.array(2)
        c.bulk(String(us / 1_000_000))
        c.bulk(String(us % 1_000_000))
    }

    static func lastsave(_ c: Call) { c.int(c.engine.lastSave) }

    /// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: records the request; the server saves (or
    /// not), replies on failure and exits.
    static func shutdown(_ c: Call) {
        var save: Bool? = nil, now = false, force = false, abort = false, both = false
        for i in 1..<c.argv.count {
            let a = c.argv
            if a.isEqual(i, "nosave") { if save == true { both = true }; save = false }
            else if a.isEqual(i, "save") { if save == false { both = true }; save = true }
            else if a.isEqual(i, "now") { now = true }
            else if a.isEqual(i, "force") { force = true }
            else if a.isEqual(i, "abort") { abort = true }
            else { c.syntaxError(); return }
        }
        if (abort && (save != nil || now || force)) || both { c.syntaxError(); return }
        if abort {
            if c.engine.shutdownRequest != nil { c.engine.shutdownRequest = nil; c.ok() }
            else { c.error("ERR No shutdown in progress.") }
            return
        }
        // A busy script can only be interrupted by SHUTDOWN NOSAVE (Redis's shutdownCommand).
        if save != false && c.engine.scriptBusy { c.error(c.engine.scripting.busyError); return }
        var req = ShutdownRequest(save: save)
        req.now = now
        req.force = force
        // Save here rather than in the server so a failure can be answered (Redis's
        // prepareForShutdown): SAVE, or save points configured and no NOSAVE.
        let e = c.engine
        // Redis kills a BGSAVE child here and saves synchronously. An AOF rewrite is the
        // server's to end (it finishes the one that turns the AOF on, AppendOnly+Enable.swift).
        if !e.aofRewriteInProgress { e.cancelBackgroundSave() }
        if save ?? !e.config.saveParams.isEmpty {
            e.persistence.log?("Saving the final RDB snapshot before exiting.")
            if !e.saveRdb() && !force {
                e.persistence.warn?("Error trying to save the DB, can't exit.")
                c.error("ERR Errors trying to SHUTDOWN. Check logs.")
                return
            }
        }
        req.save = false   // done (or forced past a failure)
        e.shutdownRequest = req
    }

    static func monitor(_ c: Call) {
        let cl = c.client
        // One reply per command is expected inside MULTI/EXEC and scripts.
        if cl.denyBlocking { c.error("ERR MONITOR isn't allowed for DENY BLOCKING client"); return }
        if cl.isMonitor || cl.isReplica { return }
        cl.isMonitor = true
        c.engine.monitors.append(cl)
        c.ok()
    }
}
