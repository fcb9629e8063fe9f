// INFO (server.c genRedisInfoString): Redis 7.0.15's sections, field names and order, since
// tools parse them (redis-cli --cluster, sentinel, redis-py, exporters). Fields Keyward has no
// equivalent for keep Redis's neutral values. Subsystems add or replace fields through
// `ServerState.infoHooks[section]` (replication, persistence, pub/sub, cluster ...).

#if canImport(Glibc)
import Glibc
#endif
import RESP

extension ServerCommands {
    enum Info {
        /// Section names in output order; the default set is all but commandstats and latencystats.
        static let order = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                            "commandstats", "errorstats", "latencystats", "cluster", "keyspace"]
        static let titles = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                             "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"]

        static func info(_ c: Call) {
            let args = (1..<c.argv.count).map { c.argv.string($0).lowercased() }
            c.verbatim(render(c.engine, sections: args))
        }

        /// The INFO text for the requested section arguments (none = the default set).
        static func render(_ e: Engine, sections args: [String]) -> String {
            var wanted = Set<String>()
            var all = false
            if args.isEmpty { wanted = Set(order).subtracting(["commandstats", "latencystats"]) }
            for a in args {
                switch a {
                case "default": wanted.formUnion(Set(order).subtracting(["commandstats", "latencystats"]))
                case "all", "everything": all = true
                case "module_list": wanted.insert("modules")
                default: wanted.insert(a)
                }
            }
            var out = ""
            for (k, name) in order.enumerated() where all || wanted.contains(name) {
                var f = fields(e, name)
                for h in e.serverState.infoHooks[name] ?? [] { h(e, &f) }
                if !out.isEmpty { out += "\r\n" }
                out += "# \(titles[k])\r\n"
                for (key, v) in f.items { out += "\(key):\(v)\r\n" }
            }
            return out
        }

        static func fields(_ e: Engine, _ section: String) -> InfoFields {
            switch section {
            case "server": return server(e)
            case "clients": return clients(e)
            case "memory": return memory(e)
            case "persistence": return persistence(e)
            case "stats": return stats(e)
            case "replication": return replication(e)
            case "cpu": return cpu()
            case "commandstats": return commandStats(e)
            case "errorstats":
                var f = InfoFields()
                for (code, n) in e.stats.errorCodes.sorted(by: { $0.key < $1.key }) { f.add("errorstat_\(code)", "count=\(n)") }
                return f
            case "cluster":
                var f = InfoFields()
                f.add("cluster_enabled", e.config.bool("cluster-enabled") ? "1" : "0")
                return f
            case "keyspace":
                var f = InfoFields()
                for d in e.dbs where d.count > 0 { f.add("db\(d.index)", "keys=\(d.count),expires=\(d.volatileCount),avg_ttl=0") }
                return f
            default: return InfoFields()
            }
        }

        static func uname() -> String {
            var u = utsname()
            Glibc.uname(&u)
            func field<T>(_ t: T) -> String { withUnsafeBytes(of: t) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) } }
            return "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
        }

        static func server(_ e: Engine) -> InfoFields {
            var f = InfoFields()
            let us = e.now * 1000 + unixMicros() % 1000
            let uptime = max(0, (e.now - e.startTime) / 1000)
            let si = e.serverInfo
            f.add("redis_version", ServerIdentity.redisVersion)
            f.add("redis_git_sha1", "00000000")
            f.add("redis_git_dirty", "0")
            f.add("redis_build_id", "6b657977617264")
            f.add("redis_mode", e.mode)
            f.add("os", uname())
            f.add("arch_bits", String(MemoryLayout<Int>.size * 8))
            f.add("monotonic_clock", "POSIX clock_gettime")
            f.add("multiplexing_api", si.multiplexingApi)
            f.add("atomicvar_api", "c11-builtin")
            f.add("gcc_version", "0.0.0")
            f.add("process_id", String(si.processId))
            f.add("process_supervised", si.supervised)
            f.add("run_id", si.runId)
            f.add("tcp_port", String(si.tcpPort))
            f.add("server_time_usec", String(us))
            f.add("uptime_in_seconds", String(uptime))
            f.add("uptime_in_days", String(uptime / 86400))
            f.add("hz", e.config.string("hz"))
            f.add("configured_hz", e.config.string("hz"))
            f.add("lru_clock", String((e.now / 1000) & 0xFFFFFF))
            f.add("executable", si.executable)
            f.add("config_file", si.configFile.isEmpty ? (e.config.configFile ?? "") : si.configFile)
            f.add("io_threads_active", "0")
            f.add("keyward_version", ServerIdentity.keywardVersion)
            return f
        }

        static func clients(_ e: Engine) -> InfoFields {
            var f = InfoFields()
            let cs = Array(e.clients.values)
            f.add("connected_clients", String(cs.filter { !$0.isReplica }.count))
            f.add("cluster_connections", "0")
            f.add("maxclients", e.config.string("maxclients"))
            f.add("client_recent_max_input_buffer", String(cs.map(\.queryBufferSize).max() ?? 0))
            f.add("client_recent_max_output_buffer", String(cs.map { $0.out.readableCount }.max() ?? 0))
            f.add("blocked_clients", String(e.blocking.clients.count))
            f.add("tracking_clients", "0")
            f.add("clients_in_timeout_table", String(e.blocking.clients.filter { $0.blocked?.deadline ?? 0 != 0 }.count))
            return f
        }

        /// Redis's bytesToHuman.
        static func human(_ n: Int64) -> String {
            let d = Double(n)
            if n < 1024 { return "\(n)B" }
            let units: [(Double, String)] = [(Double(1 << 50), "P"), (Double(1 << 40), "T"), (Double(1 << 30), "G"), (Double(1 << 20), "M"), (Double(1 << 10), "K")]
            for (u, s) in units where d >= u { return cFormat("%.2f", d / u) + s }
            return "\(n)B"
        }

        static func persistence(_ e: Engine) -> InfoFields {
            var f = InfoFields()
            for k in ["loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age"] { f.add(k, "0") }
            f.add("current_fork_perc", "0.00")
            f.add("current_save_keys_processed", "0"); f.add("current_save_keys_total", "0")
            f.add("rdb_changes_since_last_save", String(e.dirty))
            f.add("rdb_bgsave_in_progress", "0")
            f.add("rdb_last_save_time", String(e.lastSave))
            f.add("rdb_last_bgsave_status", "ok")
            f.add("rdb_last_bgsave_time_sec", "-1"); f.add("rdb_current_bgsave_time_sec", "-1")
            for k in ["rdb_saves", "rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded"] { f.add(k, "0") }
            let a = e.aof
            f.add("aof_enabled", a.enabled ? "1" : "0")
            f.add("aof_rewrite_in_progress", "0"); f.add("aof_rewrite_scheduled", "0")
            f.add("aof_last_rewrite_time_sec", String(a.lastRewriteSeconds)); f.add("aof_current_rewrite_time_sec", "-1")
            f.add("aof_last_bgrewrite_status", a.lastRewriteOK ? "ok" : "err")
            f.add("aof_rewrites", String(a.rewrites)); f.add("aof_rewrites_consecutive_failures", String(a.consecutiveFailures))
            f.add("aof_last_write_status", a.lastWriteOK ? "ok" : "err")
            f.add("aof_last_cow_size", "0"); f.add("module_fork_in_progress", "0"); f.add("module_fork_last_cow_size", "0")
            if a.enabled {
                f.add("aof_current_size", String(a.currentSize)); f.add("aof_base_size", String(a.baseSize))
                f.add("aof_pending_rewrite", "0"); f.add("aof_buffer_length", String(a.bufferLength))
                f.add("aof_pending_bio_fsync", a.pendingFsync ? "1" : "0"); f.add("aof_delayed_fsync", String(a.delayedFsync))
            }
            return f
        }

        static func stats(_ e: Engine) -> InfoFields {
            var f = InfoFields()
            let s = e.stats, st = e.serverState
            f.add("total_connections_received", String(s.totalConnections))
            f.add("total_commands_processed", String(s.totalCommands))
            f.add("instantaneous_ops_per_sec", String(Int64(st.instantaneous(0))))
            f.add("total_net_input_bytes", String(s.netInputBytes))
            f.add("total_net_output_bytes", String(s.netOutputBytes))
            f.add("total_net_repl_input_bytes", "0"); f.add("total_net_repl_output_bytes", "0")
            f.add("instantaneous_input_kbps", cFormat("%.2f", st.instantaneous(1)))
            f.add("instantaneous_output_kbps", cFormat("%.2f", st.instantaneous(2)))
            f.add("instantaneous_input_repl_kbps", "0.00"); f.add("instantaneous_output_repl_kbps", "0.00")
            f.add("rejected_connections", String(s.rejectedConnections))
            f.add("sync_full", "0"); f.add("sync_partial_ok", "0"); f.add("sync_partial_err", "0")
            f.add("expired_keys", String(s.expiredKeys))
            f.add("expired_stale_perc", cFormat("%.2f", s.expiredStalePerc * 100))
            f.add("expired_time_cap_reached_count", String(s.expiredTimeCapReached))
            f.add("expire_cycle_cpu_milliseconds", "0")
            f.add("evicted_keys", String(s.evictedKeys))
            f.add("evicted_clients", "0")
            let ev = e.eviction, over = ev.exceededSince == 0 ? 0 : e.now - ev.exceededSince
            f.add("total_eviction_exceeded_time", String(ev.totalExceededMs + over))
            f.add("current_eviction_exceeded_time", String(over))
            f.add("keyspace_hits", String(s.keyspaceHits))
            f.add("keyspace_misses", String(s.keyspaceMisses))
            for k in ["pubsub_channels", "pubsub_patterns", "pubsubshard_channels", "latest_fork_usec", "total_forks",
                      "migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
                      "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
                      "current_active_defrag_time", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes"] {
                f.add(k, "0")
            }
            f.add("unexpected_error_replies", String(s.unexpectedErrorReplies))
            f.add("total_error_replies", String(s.totalErrorReplies))
            f.add("dump_payload_sanitizations", "0")
            f.add("total_reads_processed", String(s.totalCommands))
            f.add("total_writes_processed", String(s.totalCommands))
            for k in ["io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks", "reply_buffer_expands"] {
                f.add(k, "0")
            }
            return f
        }

        static func replication(_ e: Engine) -> InfoFields { e.replicationInfo() }

        static func cpu() -> InfoFields {
            var f = InfoFields()
            func secs(_ t: timeval) -> String { cFormat("%f", Double(t.tv_sec) + Double(t.tv_usec) / 1e6) }
            var me = rusage(), ch = rusage(), th = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &me)
            getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &ch)
            getrusage(1, &th)  // RUSAGE_THREAD
            f.add("used_cpu_sys", secs(me.ru_stime)); f.add("used_cpu_user", secs(me.ru_utime))
            f.add("used_cpu_sys_children", secs(ch.ru_stime)); f.add("used_cpu_user_children", secs(ch.ru_utime))
            f.add("used_cpu_sys_main_thread", secs(th.ru_stime)); f.add("used_cpu_user_main_thread", secs(th.ru_utime))
            return f
        }

        /// cmdstat_<name>: commands (and subcommands, as parent|sub) that were called, rejected or failed.
        static func commandStats(_ e: Engine) -> InfoFields {
            var f = InfoFields()
            func add(_ cmd: CommandSpec) {
                let s = cmd.stats
                guard s.calls > 0 || s.rejected > 0 || s.failed > 0 else { return }
                let per = s.calls == 0 ? 0 : Double(s.usec) / Double(s.calls)
                f.add("cmdstat_\(cmd.fullName)", "calls=\(s.calls),usec=\(s.usec),usec_per_call=\(cFormat("%.2f", per)),"
                      + "rejected_calls=\(s.rejected),failed_calls=\(s.failed)")
            }
            for cmd in e.table.commands {
                add(cmd)
                for sub in cmd.subcommands { add(sub) }
            }
            return f
        }
    }
}
