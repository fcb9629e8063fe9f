// Reading redis.conf-style configuration, as redis-server does (config.c loadServerConfig and
// server.c main): `name value...` lines split like sdssplitargs (quotes, escapes), comments,
// `include path` (globs allowed), later lines win; command-line `--name value ...` options are
// appended as extra lines after the file. Errors carry Redis's FATAL CONFIG FILE ERROR text.
//
// Entry point for keyward-server's main:
//     let engine = Engine()
//     do { try ConfigFile.load(arguments: Array(CommandLine.arguments.dropFirst()), into: engine.config) }
//     catch { fputs("\n\(error)\n", stderr); exit(1) }

#if canImport(Glibc)
import Glibc
#endif
import RESP

/// One non-config directive kept for its owner (user, rename-command, loadmodule, sentinel ...).
public struct ConfigDirective: Equatable, Sendable {
    /// Lowercase directive name.
    public var name: String
    public var args: [String]
    public var line: Int
    /// The line as written (trimmed).
    public var text: String
}

public struct ConfigFileError: Error, CustomStringConvertible, Equatable {
    public let line: Int?
    public let text: String?
    public let message: String
    /// When set, the error is a plain log line (e.g. an unreadable file), not the FATAL block.
    public let plain: Bool

    public init(line: Int?, text: String?, message: String, plain: Bool = false) {
        self.line = line; self.text = text; self.message = message; self.plain = plain
    }

    /// What redis-server prints to stderr (it prints a newline before it).
    public var description: String {
        if plain { return message }
        var s = "*** FATAL CONFIG FILE ERROR (Redis \(ServerIdentity.redisVersion)) ***\n"
        if let l = line, let t = text { s += "Reading the configuration file, at line \(l)\n>>> '\(t)'\n" }
        return s + message
    }
}

public enum ConfigFile {
    /// redis-server's argv handling (argv without the program name): an optional config file
    /// first (not starting with '-'), "-" to read stdin, and `--name value ...` options that
    /// become config lines (values quoted like sdscatrepr; `--save` alone means `save ""`).
    public static func parseArguments(_ argv: [String]) -> (path: String?, readStdin: Bool, options: String) {
        var j = 0
        var path: String? = nil
        if let first = argv.first, !first.hasPrefix("-") { path = first; j = 1 }
        var options = ""
        var stdin = false
        var handledLast = true
        while j < argv.count {
            let a = argv[j]
            if a == "-" && (j == 0 || j == argv.count - 1) {
                stdin = true
            } else if handledLast && a.hasPrefix("--") {
                if !options.isEmpty { options += "\n" }
                options += String(a.dropFirst(2)) + " "
                let words = a.withCString { p in splitArgs(UnsafeRawBufferPointer(start: p, count: strlen(p))) } ?? []
                if words.count == 1 {
                    handledLast = false
                    let last = j == argv.count - 1
                    let nextIsOption = !last && argv[j + 1].hasPrefix("--")
                    if a.lowercased() == "--save" && (last || nextIsOption) {
                        options += "\"\""
                        handledLast = true
                    } else if a.lowercased() == "--sentinel" && (last || nextIsOption) {
                        handledLast = true
                    }
                } else {
                    handledLast = true
                }
            } else {
                options += quoted(a) + " "
                handledLast = true
            }
            j += 1
        }
        return (path, stdin, options)
    }

    /// Loads the config file named in `arguments` (if any), stdin when asked, then the options,
    /// into `store`, and remembers the file's absolute path for CONFIG REWRITE. Throws a
    /// `ConfigFileError`.
    public static func load(arguments: [String], into store: ConfigStore,
                            readFiles: (String) throws -> [String] = ConfigFile.readFiles,
                            readStdin: () -> String = ConfigFile.readStandardInput) throws {
        let (path, fromStdin, options) = parseArguments(arguments)
        var text = ""
        if let p = path {
            text = try readFiles(p).joined()
            store.configFile = absolutePath(p, cwd: store.currentDirectory())
        }
        if fromStdin { text += readStdin() }
        if !options.isEmpty { text += "\n" + options }
        try apply(text, into: store, include: readFiles)
        let log = store.string("logfile")
        if !log.isEmpty {
            guard let f = fopen(log, "a") else {
                throw ConfigFileError(line: nil, text: nil, message: "Can't open the log file: " + String(cString: strerror(errno)))
            }
            fclose(f)
        }
    }

    /// Applies config text to `store` (pure apart from `dir`, which changes directory through the
    /// store). `include` returns the contents of the files a path (or glob) names.
    public static func apply(_ text: String, into store: ConfigStore, include: (String) throws -> [String]) throws {
        let before = store.values
        try applyLines(text, into: store, include: include)
        // Sanity checks done once everything is read.
        if store.bool("cluster-enabled") && !store.string("replicaof").isEmpty {
            throw ConfigFileError(line: nil, text: nil, message: "replicaof directive not allowed in cluster mode")
        }
        for (i, v) in store.values.enumerated() where v != before[i] { store.fireChange(i) }
    }

    static func applyLines(_ text: String, into store: ConfigStore, include: (String) throws -> [String]) throws {
        for (n, raw) in splitLines(text).enumerated() {
            let line = trim(raw)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ m: String) -> ConfigFileError { ConfigFileError(line: n + 1, text: line, message: m) }
            guard let words = line.withCString({ p in splitArgs(UnsafeRawBufferPointer(start: p, count: strlen(p))) }) else {
                throw fail("Unbalanced quotes in configuration line")
            }
            if words.isEmpty { continue }
            let argv = words.map { String(decoding: $0, as: UTF8.self) }
            let name = argv[0].lowercased()
            var args = Array(argv.dropFirst())
            if let i = store.slot(name) {
                let e = store.entries[i]
                // Redis 7.0: a multi-arg config given one non-empty argument is split again, so
                // `--replicaof "host port"` and `--save "60 1"` work from the command line.
                if e.flags.contains(.multiArg) && args.count == 1 && !args[0].isEmpty,
                   let split = args[0].withCString({ p in splitArgs(UnsafeRawBufferPointer(start: p, count: strlen(p))) }) {
                    args = split.map { String(decoding: $0, as: UTF8.self) }
                }
                if !e.flags.contains(.multiArg) && args.count != 1 { throw fail("wrong number of arguments") }
                let appending: Bool
                if case .special(.save) = e.kind { appending = store.saveLoadedFromFile; store.saveLoadedFromFile = true }
                else { appending = false }
                switch store.validate(e, e.parse(args, previous: store.values[i], appending: appending, store: store)) {
                case .failure(let err): throw fail(err.message)
                case .success(let v): store.values[i] = v
                }
                continue
            }
            if let n = ConfigStore.deprecatedDirectives[name], argv.count == n { continue }
            let directive = ConfigDirective(name: name, args: args, line: n + 1, text: line)
            switch name {
            case "include" where argv.count == 2:
                for content in try include(args[0]) { try applyLines(content, into: store, include: include) }
            case "rename-command" where argv.count == 3, "user" where argv.count >= 2, "loadmodule" where argv.count >= 2:
                store.extraDirectives.append(directive)
            case "sentinel":
                if argv.count == 1 { continue }
                guard store.sentinelMode else { throw fail("sentinel directive while not in sentinel mode") }
                store.extraDirectives.append(directive)
            default:
                if name.contains(".") {
                    guard argv.count == 2 else { throw fail("Module config specified without value") }
                    store.extraDirectives.append(directive)
                } else {
                    throw fail("Bad directive or wrong number of arguments")
                }
            }
        }
    }

    /// sdssplitlen(text, "\n"): split on every newline byte ("\r\n" is not one unit here).
    static func splitLines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }

    /// sdstrim(line, " \t\r\n").
    static func trim(_ s: String) -> String {
        let ws: Set<Character> = [" ", "\t", "\r", "\n"]
        guard let a = s.firstIndex(where: { !ws.contains($0) }), let b = s.lastIndex(where: { !ws.contains($0) }) else { return "" }
        return String(s[a...b])
    }

    /// Redis's sdscatrepr: a double-quoted string with C escapes.
    public static func quoted(_ s: String) -> String {
        var s = s
        return "\"" + s.withUTF8 { reprEscape(UnsafeRawBufferPointer($0)) } + "\""
    }

    static func absolutePath(_ p: String, cwd: String) -> String {
        if p.hasPrefix("/") { return p }
        return cwd.hasSuffix("/") ? cwd + p : cwd + "/" + p
    }

    /// The default include loader: a plain path must be readable; a glob may match nothing.
    public static func readFiles(_ path: String) throws -> [String] {
        var paths = [path]
        if path.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
            var g = glob_t()
            defer { globfree(&g) }
            guard glob(path, 0, nil, &g) == 0 else { return [] }
            paths = (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
        }
        return try paths.map { p in
            guard let f = fopen(p, "r") else {
                throw ConfigFileError(line: nil, text: nil,
                                      message: "Fatal error, can't open config file '\(p)': " + String(cString: strerror(errno)), plain: true)
            }
            defer { fclose(f) }
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buf, 1, buf.count, f)
                if n <= 0 { break }
                bytes.append(contentsOf: buf[0..<n])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    public static func readStandardInput() -> String {
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(0, &buf, buf.count)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
