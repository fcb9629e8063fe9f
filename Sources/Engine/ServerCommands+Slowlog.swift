// SLOWLOG (slowlog.c) and LATENCY (latency.c). Both are fed by the engine's after-call hook
// (ServerState.swift); this file only answers the commands.

import RESP

extension ServerCommands {
    enum Slowlog {
        static func get(_ c: Call) {
            let log = c.engine.serverState.slowlog
            var count = 10
            if c.argv.count == 3 {
                guard let n = c.argv.int(2), n >= -1 else {
                    c.error("ERR count should be greater than or equal to -1"); return
                }
                count = n == -1 ? log.count : Int(min(n, Int64(Int.max)))
            } else if c.argv.count > 3 {
                c.error("ERR unknown subcommand or wrong number of arguments for '\(WireError.truncated(cString(c.argv.string(1)), 128))'. Try SLOWLOG HELP."); return
            }
            let entries = log.reversed().prefix(count)
            c.array(entries.count)
            for e in entries {
                c.array(6)
                c.int(e.id)
                c.int(e.time)
                c.int(e.durationMicros)
                c.array(e.args.count)
                for a in e.args { c.client.out.writeBulk(a) }
                c.bulk(e.peer)
                c.bulk(e.clientName)
            }
        }

        static func len(_ c: Call) { c.int(c.engine.serverState.slowlog.count) }

        static func reset(_ c: Call) {
            c.engine.serverState.resetSlowlog()
            c.ok()
        }

        static func help(_ c: Call) {
            ConfigCommands.helpReply(c, "SLOWLOG", [
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
            ])
        }
    }

    enum Latency {
        static func latest(_ c: Call) {
            let events = c.engine.serverState.latency.filter { !$0.value.samples.isEmpty }.sorted { $0.key < $1.key }
            c.array(events.count)
            for (name, h) in events {
                let last = h.samples[h.samples.count - 1]
                c.array(4)
                c.bulk(name)
                c.int(last.time)
                c.int(last.latency)
                c.int(h.max)
            }
        }

        static func history(_ c: Call) {
            let samples = c.engine.serverState.latency[c.argv.string(2)]?.samples ?? []
            c.array(samples.count)
            for s in samples {
                c.array(2)
                c.int(s.time)
                c.int(s.latency)
            }
        }

        static func reset(_ c: Call) {
            let st = c.engine.serverState
            if c.argv.count == 2 {
                let n = st.latency.count
                st.latency.removeAll()
                c.int(n)
                return
            }
            var n = 0
            for j in 2..<c.argv.count where st.latency.removeValue(forKey: c.argv.string(j)) != nil { n += 1 }
            c.int(n)
        }

        /// A plain-text chart of the event's samples (Redis draws a sparkline; this keeps its header).
        static func graph(_ c: Call) {
            let event = c.argv.string(2)
            guard let h = c.engine.serverState.latency[event], !h.samples.isEmpty else {
                c.error("ERR No samples available for event '\(event)'"); return
            }
            let lat = h.samples.map(\.latency)
            var s = "\(event) - high \(lat.max()!) ms, low \(lat.min()!) ms (all time high \(h.max) ms)\n"
            s += String(repeating: "-", count: 80) + "\n"
            for sample in h.samples.suffix(40) {
                let bar = Int(Double(sample.latency) / Double(max(h.max, 1)) * 60)
                s += "\(sample.time) " + String(repeating: "#", count: max(bar, 1)) + " \(sample.latency)\n"
            }
            c.verbatim(s)
        }

        static func doctor(_ c: Call) {
            let e = c.engine
            if e.config.int("latency-monitor-threshold") == 0 && e.serverState.latency.isEmpty {
                c.verbatim("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n")
                return
            }
            let events = e.serverState.latency.filter { !$0.value.samples.isEmpty }.sorted { $0.key < $1.key }
            if events.isEmpty {
                c.verbatim("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n")
                return
            }
            var s = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
            for (i, (name, h)) in events.enumerated() {
                let avg = h.samples.map(\.latency).reduce(0, +) / Int64(h.samples.count)
                s += "\(i + 1). \(name): \(h.samples.count) latency spikes (average \(avg)ms). Worst all time event \(h.max)ms.\n"
            }
            s += "\nI have a few advices for you:\n\n- Check your slow log (SLOWLOG GET) for commands that take long to run.\n"
            c.verbatim(s)
        }

        /// Per-command call counts; Keyward keeps no latency distributions, so histograms are empty.
        static func histogram(_ c: Call) {
            var cmds: [CommandSpec] = []
            for cmd in c.engine.table.commands {
                cmds.append(cmd)
                cmds.append(contentsOf: cmd.subcommands)
            }
            let names = Set((2..<c.argv.count).map { c.argv.string($0).lowercased() })
            let picked = cmds.filter { $0.stats.calls > 0 && (names.isEmpty || names.contains($0.fullName)) }
            c.map(picked.count)
            for cmd in picked {
                c.bulk(cmd.fullName)
                c.map(2)
                c.bulk("calls"); c.int(cmd.stats.calls)
                c.bulk("histogram_usec"); c.map(0)
            }
        }

        static func help(_ c: Call) {
            ConfigCommands.helpReply(c, "LATENCY", [
                "DOCTOR",
                "    Return a human readable latency analysis report.",
                "GRAPH <event>",
                "    Return an ASCII latency graph for the <event> class.",
                "HISTORY <event>",
                "    Return time-latency samples for the <event> class.",
                "LATEST",
                "    Return the latest latency samples for all events.",
                "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)",
                "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
                "    If no commands are specified then all histograms are replied.",
            ])
        }
    }
}
