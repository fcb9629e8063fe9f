// Loading the AOF at startup (loadAppendOnlyFiles): the manifest, then the base, then every
// increment in order, each command run through the engine by a client of our own. A torn last
// command (the usual trace of a crash) is cut off with `aof-load-truncated yes`; anything else
// malformed stops the start with the file and offset named.

#if canImport(Glibc)
import Glibc
#endif
import Engine
import RESP

extension Server {
    /// Startup: the AOF when `appendonly yes` (then open it for writing), as loadDataFromDisk.
    func loadData() throws {
        aof.policy = FsyncPolicy(rawValue: engine.config.string("appendfsync")) ?? .everysec
        if engine.config.bool("appendonly") {
            _ = try engine.withLoading(totalBytes: 0) { try aof.load() }
            try aof.openOnStart()
        }
    }
}

extension AppendOnly {
    /// Loads what the AOF directory holds; false when there is no AOF yet.
    func load() throws -> Bool {
        let started = unixMillis()
        if let text = try readWholeFile(path(manifestName)) {
            switch AofManifest.parse(String(decoding: text, as: UTF8.self)) {
            case .success(let m): manifest = m
            case .failure(let e): throw AofError("\(e.description) in \(path(manifestName))")
            }
        } else if access(prefix, F_OK) == 0 {
            // An old single-file AOF next to the config: it becomes the base (Redis 7's upgrade).
            try makeDirectory()
            guard rename(prefix, path(prefix)) == 0 else {
                throw AofError("Error trying to rename the old AOF file \(prefix) into dir \(dirName): \(errnoText())")
            }
            manifest = AofManifest()
            manifest.base = .init(name: prefix, seq: 1, type: .base)
            try persistManifest()
            server.log(.notice, "Successfully migrated an old-style AOF file (\(prefix)) into the AOF directory (\(dirName)).")
        } else {
            return false
        }
        var files: [AofManifest.Entry] = []
        if let b = manifest.base { files.append(b) }
        files += manifest.incrs
        // INFO's loading_total_bytes: every file's size, known before reading them.
        var sizes = 0
        for f in files {
            var st = stat()
            if stat(path(f.name), &st) == 0 { sizes += Int(st.st_size) }
        }
        engine.loading?.totalBytes = sizes
        var total: Int64 = 0
        for (i, f) in files.enumerated() {
            let last = i == files.count - 1
            guard let bytes = try readWholeFile(path(f.name)) else {
                // Redis tolerates a missing empty last increment; anything else is fatal.
                if last && f.type == .incr { continue }
                throw AofError("The AOF file \(f.name) doesn't exist")
            }
            total += Int64(bytes.count)
            if f.type == .base { baseSize = Int64(bytes.count) } else if last { incrSize = Int64(bytes.count) }
            try loadFile(f.name, bytes, last: last)
        }
        engine.dirty = 0
        let secs = Double(unixMillis() - started) / 1000
        server.log(.notice, "DB loaded from append only file: \(cFormat("%.3f", secs)) seconds (\(engine.dbs.reduce(0) { $0 + $1.count }) keys)")
        return total > 0 || manifest.base != nil
    }

    func loadFile(_ name: String, _ bytes: [UInt8], last: Bool) throws {
        let base = engine.loading?.loadedBytes ?? 0
        defer { engine.loading?.loadedBytes = base + bytes.count }
        if bytes.starts(with: Array("REDIS".utf8)) {
            guard let loadRdb = server.loadRdbPreamble else {
                throw AofError("The AOF file \(name) starts with an RDB preamble, which this build can't read")
            }
            let used = try loadRdb(bytes)
            try replay(name, bytes, from: used, last: last, base: base)
            server.log(.notice, "Reading RDB base file on AOF loading...")
            return
        }
        try replay(name, bytes, from: 0, last: last, base: base)
    }

    /// Runs the commands of one file from `from`. MULTI/EXEC blocks are applied whole; one left
    /// open at the end counts as torn.
    func replay(_ name: String, _ bytes: [UInt8], from: Int, last: Bool, base: Int = 0) throws {
        // A negative id marks the loader's own client: it runs while clients get -LOADING.
        let client = ClientState(id: -1)
        var nextProgress = from + (2 << 20)
        client.denyBlocking = true
        var validUpTo = from
        var off = from
        var inMulti: [[[UInt8]]]? = nil
        var multiStart = 0
        try bytes.withUnsafeBytes { buf in
            loop: while true {
                switch parseAofCommand(buf, at: off) {
                case .end:
                    break loop
                case .annotation(let next):
                    off = next
                    if inMulti == nil { validUpTo = off }
                case .truncated:
                    try truncated(name, validUpTo: inMulti == nil ? validUpTo : multiStart, last: last)
                    return
                case .corrupt(let at):
                    throw AofError("Bad file format reading the append only file \(name) at offset \(at): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>")
                case .command(let ranges, let next):
                    let args = ranges.map { Array(buf[$0]) }
                    let cmdName = String(decoding: args[0], as: UTF8.self).lowercased()
                    if cmdName == "multi" {
                        inMulti = []
                        multiStart = off
                    } else if cmdName == "exec", let queued = inMulti {
                        for a in queued { try run(client, a, name) }
                        inMulti = nil
                    } else if inMulti != nil {
                        inMulti!.append(args)
                    } else {
                        try run(client, args, name)
                    }
                    off = next
                    if inMulti == nil {
                        validUpTo = off
                        if off >= nextProgress {
                            nextProgress = off + (2 << 20)
                            engine.loadingProgress(off, base: base)
                        }
                    }
                }
            }
            if inMulti != nil {
                server.log(.warning, "Revert incomplete MULTI/EXEC transaction in AOF file \(name)")
                try truncated(name, validUpTo: multiStart, last: last)
            }
        }
    }

    func run(_ client: ClientState, _ args: [[UInt8]], _ file: String) throws {
        guard engine.table.lookup(String(decoding: args[0], as: UTF8.self)) != nil else {
            throw AofError("Unknown command '\(String(decoding: args[0], as: UTF8.self))' reading the append only file \(file)")
        }
        Argv.with(args) { engine.execute(client, $0) }
        client.out.clear()
    }

    func truncated(_ name: String, validUpTo: Int, last: Bool) throws {
        guard last && engine.config.bool("aof-load-truncated") else {
            throw AofError("Unexpected end of file reading the append only file \(name). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.")
        }
        server.log(.warning, "!!! Warning: short read while loading the AOF file \(name)!!!")
        server.log(.warning, "!!! Truncating the AOF \(name) at offset \(validUpTo) !!!")
        guard truncate(path(name), off_t(validUpTo)) == 0 else {
            throw AofError("Error truncating the AOF file \(name): \(errnoText())")
        }
        incrSize = Int64(validUpTo)
        server.log(.warning, "AOF \(name) loaded anyway because aof-load-truncated is enabled")
    }
}
