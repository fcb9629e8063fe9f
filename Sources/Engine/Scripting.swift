// Engine-owned scripting state (Redis's eval.c + script.c): the Lua interpreter, the script
// cache, the one "lua" client every redis.call runs on, and the context of the running script
// (its caller, read-only mode, whether it wrote, the timeout/kill state behind BUSY).
//
// Atomicity: a script runs to completion on the engine thread. Past busy-reply-threshold the
// count hook enters "busy" mode: the engine rejects other clients' commands with BUSY (one
// check in Engine.execute) and calls `engine.whileBusy` about every 100 ms so the server can
// answer them; SCRIPT KILL sets `killed` and the hook raises the kill error.

import CLua
import RESP

/// Flags a script declares in its `#!lua flags=...` shebang (Redis's SCRIPT_FLAG_*).
public struct ScriptFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let noWrites = ScriptFlags(rawValue: 1 << 0)
    public static let allowOOM = ScriptFlags(rawValue: 1 << 1)
    public static let allowStale = ScriptFlags(rawValue: 1 << 2)
    public static let noCluster = ScriptFlags(rawValue: 1 << 3)
    public static let allowCrossSlot = ScriptFlags(rawValue: 1 << 4)
    /// No shebang: a pre-7.0 script (may write, no flag checks).
    public static let evalCompat = ScriptFlags(rawValue: 1 << 5)

    static let names: [(String, ScriptFlags)] = [("no-writes", .noWrites), ("allow-oom", .allowOOM),
        ("allow-stale", .allowStale), ("no-cluster", .noCluster), ("allow-cross-slot-keys", .allowCrossSlot)]
}

/// The script being run.
public final class ScriptRun {
    let name: String
    let caller: ClientState
    let readOnly: Bool
    let isEval: Bool
    let start = monotonicMicros()
    var wrote = false
    var killed = false
    var timedOut = false
    var lastPoll: Int64 = 0
    /// redis.set_repl flags (REPL_ALL by default); used once effects are propagated.
    var replFlags = 3
    init(name: String, caller: ClientState, readOnly: Bool, isEval: Bool) {
        self.name = name; self.caller = caller; self.readOnly = readOnly; self.isEval = isEval
    }
}

public final class Scripting {
    unowned(unsafe) let engine: Engine
    /// Created on first use (a Lua state costs ~30 KB).
    private var _vm: LuaVM? = nil
    var vm: LuaVM {
        if let v = _vm { return v }
        let v = LuaVM(scripting: self)
        _vm = v
        return v
    }
    /// The client scripts' commands run on (Redis's script client): no socket, never blocks.
    public let luaClient: ClientState
    public internal(set) var current: ScriptRun? = nil
    /// Cached scripts by sha1 (SCRIPT EXISTS/EVALSHA): body, shebang flags and the registry
    /// reference of the compiled function (EVALSHA finds it without building strings).
    var scripts: [ScriptID: CachedScript] = [:]
    var scriptsMemory = 0
    /// busy-reply-threshold in ms (0 = never busy).
    var busyThresholdMs: Int64 = 5000
    /// redis.log lines (level 0...3, text); set by the server.
    public var log: ((Int, String) -> Void)? = nil

    // Functions (Functions.swift): their own interpreter, libraries by name in load order.
    var _functionVM: LuaVM? = nil
    var functionVM: LuaVM {
        if let v = _functionVM { return v }
        let v = LuaVM(scripting: self)
        v.installLoadEnvironment()
        _functionVM = v
        return v
    }
    var libraries: [String: FunctionLibrary] = [:]
    var libraryOrder: [String] = []
    var functionIndex: [String: FunctionDef] = [:]
    var pendingLibrary: PendingLibrary? = nil
    /// The interpreter running `current` (eval or functions).
    var runningVM: LuaVM? = nil

    init(engine: Engine) {
        self.engine = engine
        luaClient = ClientState(id: Int64.max)
        luaClient.denyBlocking = true
        luaClient.addr = ""
        busyThresholdMs = engine.config.value("busy-reply-threshold")?.numberValue ?? 5000
        engine.config.onChange("busy-reply-threshold") { [unowned self] v in self.busyThresholdMs = v.numberValue }
    }

    var memoryUsed: Int { _vm?.memoryUsed ?? 0 }
    var functionsMemoryUsed: Int { _functionVM?.memoryUsed ?? 0 }

    // MARK: script cache

    /// Parses a `#!lua flags=a,b` first line (eval.c's evalExtractShebangFlags). Returns the
    /// flags and the shebang's length (the newline stays, so line numbers don't move).
    static func shebang(_ body: [UInt8]) -> Result<(ScriptFlags, Int), ScriptError> {
        guard body.count >= 2, body[0] == 35, body[1] == 33 else { return .success((.evalCompat, 0)) }
        guard let nl = body.firstIndex(of: 10) else { return .failure(ScriptError("ERR Invalid script shebang")) }
        let parts = String(decoding: body[0..<nl], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
        guard let engineName = parts.first else { return .failure(ScriptError("ERR Invalid engine in script shebang")) }
        if engineName != "#!lua" { return .failure(ScriptError("ERR Unexpected engine in script shebang: \(engineName)")) }
        var flags: ScriptFlags = []
        for p in parts.dropFirst() {
            guard p.hasPrefix("flags=") else { return .failure(ScriptError("ERR Unknown lua shebang option: \(p)")) }
            let list = p.dropFirst(6)
            for f in list.isEmpty ? [] : list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let (_, flag) = ScriptFlags.names.first(where: { $0.0 == f }) else {
                    return .failure(ScriptError("ERR Unexpected flag in script shebang: \(f)"))
                }
                flags.insert(flag)
            }
        }
        return .success((flags, nl))
    }

    /// Compiles and caches `body` (no-op when cached); returns its sha.
    func load(_ body: [UInt8]) -> Result<String, ScriptError> {
        let sha = SHA1.hex(body)
        let id = ScriptID(sha)!
        if scripts[id] != nil { return .success(sha) }
        let flags: ScriptFlags, skip: Int
        switch Scripting.shebang(body) {
        case .failure(let e): return .failure(e)
        case .success(let r): (flags, skip) = r
        }
        var code = Array(body[skip...])
        let L = vm.L
        if vm.load(&code, name: "@user_script") != 0 {
            let msg = vm.string(at: -1) ?? "unknown error"
            kw_pop(L, 1)
            return .failure(ScriptError("ERR Error compiling script (new function): \(msg)"))
        }
        scripts[id] = CachedScript(sha: sha, body: body, flags: flags, ref: kw_ref(L))
        scriptsMemory += body.count + 40
        return .success(sha)
    }

    /// SCRIPT FLUSH: forget every script and start a fresh interpreter.
    func flush() {
        scripts.removeAll()
        scriptsMemory = 0
        // Redis's rand48 state is process-wide: it survives a new interpreter.
        let rand = _vm?.ud.pointee.rand48
        _vm = nil
        if let r = rand { vm.ud.pointee.rand48 = r }
    }

    // MARK: running

    /// Runs the cached function registered as `registryName`, replying to `c`.
    func run(_ c: Call, vm: LuaVM? = nil, registryName: String = "", ref: Int32 = LUA_NOREF, name: String,
             keys: ScriptArgs, args: ScriptArgs, readOnly: Bool, isEval: Bool) {
        // Scripts replicate by their effects: the commands they run queue themselves.
        c.preventPropagation()
        let vm = vm ?? self.vm
        let L = vm.L
        kw_getref(L, vm.errHandlerRef)
        if ref != LUA_NOREF { kw_getref(L, ref) } else { kw_getregistry(L, registryName) }
        luaClient.db = c.client.db
        luaClient.proto = .v2
        luaClient.user = c.client.user
        let run = ScriptRun(name: name, caller: c.client, readOnly: readOnly, isEval: isEval)
        current = run
        runningVM = vm
        let hooked = busyThresholdMs > 0
        if hooked {
            vm.ud.pointee.hook = { L in LuaVM.from(L).scripting.interrupt() ? 1 : 0 }
            kw_sethook(L, 1)
        }
        let nargs: Int32
        if isEval {
            vm.setRealGlobal("KEYS") { vm.pushStringArray(c.argv, keys) }
            vm.setRealGlobal("ARGV") { vm.pushStringArray(c.argv, args) }
            nargs = 0
        } else {
            vm.pushStringArray(c.argv, keys)
            vm.pushStringArray(c.argv, args)
            nargs = 2
        }
        let err = lua_pcall(L, nargs, 1, -(nargs + 2))
        if hooked { kw_sethook(L, 0) }
        current = nil
        if run.timedOut { endBusy() }
        if err != 0 {
            replyError(c, run, vm)
        } else {
            vm.writeTop(&c.client.out, proto: c.client.proto, scriptResp3: luaClient.proto == .v3)
        }
        kw_pop(L, 1)   // the error handler
        gcTick += 1
        if gcTick == 50 { lua_gc(L, LUA_GCSTEP, 50); gcTick = 0 }
    }
    private var gcTick = 0

    /// The error object on top of the stack as the caller's error reply (pops it).
    private func replyError(_ c: Call, _ run: ScriptRun, _ vm: LuaVM) {
        let L = vm.L
        defer { kw_pop(L, 1) }
        guard kw_istable(L, -1) != 0 else {
            let msg = vm.string(at: -1) ?? "execution failure"
            c.error("ERR Error running script \(run.name), \(msg.prefix(100))")
            return
        }
        var text = "ERR"
        if vm.rawField(-1, "err") == LUA_TSTRING { text = vm.string(at: -1) ?? text }
        kw_pop(L, 1)
        var source: String? = nil, line: String? = nil
        _ = vm.rawField(-1, "source")
        if lua_isstring(L, -1) != 0 { source = vm.string(at: -1) }
        kw_pop(L, 1)
        _ = vm.rawField(-1, "line")
        if lua_isstring(L, -1) != 0 { line = vm.string(at: -1) }
        kw_pop(L, 1)
        let ignore = vm.rawField(-1, "ignore_error_stats_update") == LUA_TBOOLEAN && lua_toboolean(L, -1) != 0
        kw_pop(L, 1)
        if let s = source, let l = line { text += " script: \(run.name), on \(s):\(l)." }
        if ignore {
            c.client.out.writeError(text)
        } else {
            c.error(text)
        }
    }

    /// Count-hook body: enters busy mode past the threshold, lets the server serve other
    /// clients, and reports a kill (pushing the error the hook raises).
    func interrupt() -> Bool {
        guard let run = current else { return false }
        let now = monotonicMicros()
        if !run.timedOut {
            if (now - run.start) / 1000 < busyThresholdMs { return false }
            run.timedOut = true
            engine.scriptBusy = true
            log?(3, "Slow script detected: still in execution after \((now - run.start) / 1000) milliseconds. You can try killing the script using the \(run.isEval ? "SCRIPT KILL" : "FUNCTION KILL") command. Script name is: \(run.name).")
        }
        if now - run.lastPoll >= 100_000 {
            run.lastPoll = now
            engine.whileBusy?()
        }
        if run.killed {
            (runningVM ?? vm).pushError(run.isEval ? "Script killed by user with SCRIPT KILL..." : "Script killed by user with FUNCTION KILL...")
            return true
        }
        return false
    }

    private func endBusy() {
        engine.scriptBusy = false
    }

    /// The BUSY error other clients get while a script runs too long.
    var busyError: String {
        current?.isEval == false
            ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
            : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    }

    /// SCRIPT KILL / FUNCTION KILL.
    func kill(_ c: Call, eval: Bool) {
        guard let run = current else { c.error("NOTBUSY No scripts in execution right now."); return }
        if run.caller.isMaster {
            c.error("UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.")
            return
        }
        if run.wrote {
            c.error("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
            return
        }
        if eval && !run.isEval { c.error(busyError); return }
        if !eval && run.isEval { c.error(busyError); return }
        run.killed = true
        c.ok()
    }
}

public struct ScriptError: Error {
    public let text: String
    init(_ t: String) { text = t }
}

/// A script's sha1 as 40 lowercase hex digits packed in 5 words: EVALSHA looks scripts up
/// without building a String (the lookup was 5% of an EVALSHA in a profile).
struct ScriptID: Hashable {
    var w: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count == 40 else { return nil }
        withUnsafeMutableBytes(of: &w) { out in
            for i in 0..<40 {
                let b = raw[i]
                out[i] = b >= 65 && b <= 90 ? b | 0x20 : b   // Redis lowercases the sha first
            }
        }
    }

    init?(_ s: String) {
        var s = s
        guard let id = s.withUTF8({ ScriptID(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = id
    }

    /// The id of the sha1 of `body`, hashed straight into the words.
    init(sha1Of body: UnsafeRawBufferPointer) {
        withUnsafeMutableBytes(of: &w) { SHA1.writeHex(body, into: $0.baseAddress!) }
    }

    static func == (a: ScriptID, b: ScriptID) -> Bool { a.w == b.w }
    func hash(into h: inout Hasher) {
        h.combine(w.0); h.combine(w.1); h.combine(w.2); h.combine(w.3); h.combine(w.4)
    }
}

final class CachedScript {
    let sha: String
    let body: [UInt8]
    let flags: ScriptFlags
    let ref: Int32
    init(sha: String, body: [UInt8], flags: ScriptFlags, ref: Int32) {
        self.sha = sha; self.body = body; self.flags = flags; self.ref = ref
    }
}

/// KEYS or ARGV: a range of the caller's argv (EVAL/FCALL) or owned strings.
enum ScriptArgs {
    case argv(Range<Int>)
    case owned([[UInt8]])
}
