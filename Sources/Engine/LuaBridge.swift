// One sandboxed Lua 5.1 interpreter set up as Redis 7.0 sets up its scripting engine
// (script_lua.c / eval.c): libraries base, table, string, math (with Redis's rand48
// math.random, one sequence for the process as in 7.0) and the `redis` API; no os/io/print/dofile/loadfile; `debug` only reaches the
// error handler. Globals are read-only and reading a missing global fails: the thread's
// globals table is replaced by a proxy whose __index reads the real table (kept in the
// registry) and whose __newindex fails, since the system Lua has no read-only tables.
//
// Lua errors longjmp: Swift code only calls non-raising API functions, and Swift-implemented
// Lua functions return -1 to make the C trampoline raise (CLua/shim.h).

import CLua

final class LuaVM {
    let L: OpaquePointer
    let ud: UnsafeMutablePointer<kw_lua_ud>
    /// Set by the owner; the redis.* functions reach the engine through it.
    unowned(unsafe) var scripting: Scripting
    /// redis.call's argv and formatted numbers, reused call after call.
    let scratch = ArgScratch()

    static let realGlobals = "__kw_G"
    static let errHandler = "__kw_err_handler"
    /// The same two as integer registry refs: every run fetches them, and a Swift String
    /// passed as a C string is copied to the heap first.
    private(set) var realGlobalsRef = LUA_NOREF
    private(set) var errHandlerRef = LUA_NOREF

    init(scripting: Scripting) {
        self.scripting = scripting
        ud = .allocate(capacity: 1)
        ud.initialize(to: kw_lua_ud(owner: nil, used: 0, hook: nil, rand48: 0x1234_ABCD_330E))
        L = kw_newstate(ud)!
        ud.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        openLibraries()
        registerRedisAPI()
        installErrorHandler()
        lockGlobals()
    }

    deinit {
        lua_close(L)
        ud.deallocate()
    }

    /// The VM owning state `L` (from the allocator's userdata).
    static func from(_ L: OpaquePointer?) -> LuaVM {
        Unmanaged<LuaVM>.fromOpaque(kw_ud(L)!.pointee.owner!).takeUnretainedValue()
    }

    /// Runs `body` with the VM owning `L`, without retaining it (the VM outlives its state).
    @inline(__always) static func borrowing<R>(_ L: OpaquePointer?, _ body: (LuaVM) -> R) -> R {
        Unmanaged<LuaVM>.fromOpaque(kw_ud(L)!.pointee.owner!)._withUnsafeGuaranteedRef(body)
    }

    /// Bytes the interpreter holds (INFO used_memory_lua).
    var memoryUsed: Int { ud.pointee.used }

    private func openLibraries() {
        let libs: [(String, lua_CFunction)] = [("", luaopen_base), ("table", luaopen_table), ("string", luaopen_string),
                                                ("math", luaopen_math), ("debug", luaopen_debug)]
        for (name, open) in libs {
            kw_pushcfunction(L, open)
            lua_pushstring(L, name)
            lua_call(L, 1, 0)
        }
        // Redis never lets these into the globals (its deny list).
        for name in ["print", "dofile", "loadfile"] {
            lua_pushnil(L)
            kw_setglobal(L, name)
        }
        kw_getglobal(L, "math")
        kw_pushcfunction(L, kw_math_random)
        lua_setfield(L, -2, "random")
        kw_pushcfunction(L, kw_math_randomseed)
        lua_setfield(L, -2, "randomseed")
        kw_pop(L, 1)
        kw_pushfn(L, { L in LuaVM.from(L).protectedPcall(L) })
        kw_setglobal(L, "pcall")
    }

    /// Redis's error handler: turns any error into a table and records where the script was
    /// (the caller of a failing C function such as redis.call), which becomes the
    /// ` script: <sha>, on @user_script:<line>.` suffix.
    private func installErrorHandler() {
        let code = """
        local dbg = debug
        return function(err)
          local i = dbg.getinfo(2,'nSl')
          if i and i.what == 'C' then
            i = dbg.getinfo(3,'nSl')
          end
          if type(err) ~= 'table' then
            err = {err='ERR ' .. tostring(err)}
          end
          if i then
            err['source'] = i.source
            err['line'] = i.currentline
          end
          return err
        end
        """
        _ = load(code, name: "@err_handler")
        lua_call(L, 0, 1)
        lua_pushvalue(L, -1)
        errHandlerRef = kw_ref(L)
        kw_setregistry(L, LuaVM.errHandler)
        lua_pushnil(L)
        kw_setglobal(L, "debug")
    }

    /// Makes library tables read-only and the globals strict and read-only (see header).
    private func lockGlobals() {
        for name in ["string", "math", "table", "coroutine", "redis"] {
            kw_getglobal(L, name)
            kw_push_readonly_proxy(L, -1, 0)
            kw_setglobal(L, name)
            kw_pop(L, 1)
        }
        lua_pushvalue(L, kw_globalsindex())
        lua_pushvalue(L, -1)
        realGlobalsRef = kw_ref(L)
        kw_setregistry(L, LuaVM.realGlobals)
        lua_pushvalue(L, kw_globalsindex())
        kw_push_readonly_proxy(L, -1, 1)
        lua_pushvalue(L, -1)
        kw_setglobal(L, "_G")           // _G in scripts is the protected view
        lua_replace(L, kw_globalsindex())
        kw_pop(L, 1)
    }

    // MARK: helpers

    /// Compiles `code`; pushes the function (0) or the error message (nonzero).
    func load(_ code: String, name: String) -> Int32 {
        var c = Array(code.utf8)
        return load(&c, name: name)
    }
    func load(_ code: inout [UInt8], name: String) -> Int32 {
        code.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(b.count, 1)) { kw_loadbuffer(L, $0, b.count, name) }
        }
    }

    /// Sets a global the scripts can read (KEYS, ARGV) in the real globals table.
    func setRealGlobal(_ name: StaticString, _ push: () -> Void) {
        kw_getref(L, realGlobalsRef)
        name.withUTF8Buffer { lua_pushlstring(L, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }
        push()
        lua_rawset(L, -3)
        kw_pop(L, 1)
    }

    /// Pushes KEYS/ARGV as a Lua table straight from the caller's arguments.
    func pushStringArray(_ argv: Argv, _ items: ScriptArgs) {
        switch items {
        case .owned(let list): pushStringArray(list)
        case .argv(let r):
            lua_createtable(L, Int32(r.count), 0)
            var n: Int32 = 1
            for i in r {
                let raw = argv[i]
                if let p = raw.baseAddress {
                    lua_pushlstring(L, p.assumingMemoryBound(to: CChar.self), raw.count)
                } else {
                    lua_pushlstring(L, "", 0)
                }
                lua_rawseti(L, -2, n)
                n += 1
            }
        }
    }

    /// Pushes an array of strings as a Lua table.
    func pushStringArray(_ items: [[UInt8]]) {
        lua_createtable(L, Int32(items.count), 0)
        for (i, s) in items.enumerated() {
            pushBytes(s)
            lua_rawseti(L, -2, Int32(i + 1))
        }
    }

    func pushBytes(_ b: [UInt8]) {
        b.withUnsafeBytes { r in
            r.baseAddress.map { lua_pushlstring(L, $0.assumingMemoryBound(to: CChar.self), r.count) } ?? lua_pushlstring(L, "", 0)
        }
    }

    /// The string (or number, converted in place as Lua does) at `i`, else nil.
    func bytes(at i: Int32) -> [UInt8]? {
        var len = 0
        guard let p = lua_tolstring(L, i, &len) else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: len))
    }
    func string(at i: Int32) -> String? { bytes(at: i).map { String(decoding: $0, as: UTF8.self) } }

    /// `t[field]` without metamethods, left on the stack.
    func rawField(_ t: Int32, _ field: String) -> Int32 {
        let idx = t < 0 ? lua_gettop(L) + t + 1 : t
        lua_pushstring(L, field)
        lua_rawget(L, idx)
        return lua_type(L, -1)
    }

    /// Pushes Redis's error table: "-CODE msg" keeps its code, plain text gets "ERR".
    func pushError(_ text: String, ignoreStats: Bool = false) {
        var code = "ERR"
        var msg = Substring(text)
        if text.hasPrefix("-") {
            if let sp = text.firstIndex(of: " ") {
                code = String(text[text.index(after: text.startIndex)..<sp])
                msg = text[text.index(after: sp)...]
            } else {
                msg = text.dropFirst()
            }
        }
        while let f = msg.first, f == "\r" || f == "\n" || f == "\r\n" { msg = msg.dropFirst() }
        while let l = msg.last, l == "\r" || l == "\n" || l == "\r\n" { msg = msg.dropLast() }
        lua_createtable(L, 0, 2)
        lua_pushstring(L, "err")
        lua_pushstring(L, code + " " + msg)
        lua_rawset(L, -3)
        if ignoreStats {
            lua_pushstring(L, "ignore_error_stats_update")
            lua_pushboolean(L, 1)
            lua_rawset(L, -3)
        }
    }

    /// Redis's pcall: like Lua's, but an error table carrying `err` comes back as that text.
    func protectedPcall(_ L: OpaquePointer?) -> Int32 {
        let argc = lua_gettop(L)
        if argc == 0 {
            lua_pushstring(L, "bad argument #1 to 'pcall' (value expected)")
            return -1
        }
        lua_pushboolean(L, 1)
        lua_insert(L, 1)
        if lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0 {
            lua_remove(L, 1)
            if kw_istable(L, -1) != 0 {
                if rawField(-1, "err") == LUA_TSTRING { lua_replace(L, -2) } else { kw_pop(L, 1) }
            }
            lua_pushboolean(L, 0)
            lua_insert(L, 1)
        }
        return lua_gettop(L)
    }
}

/// Reusable storage for one redis.call's argument vector: pointers to the Lua strings, and
/// 32-byte slots for numbers formatted as text. Scripts can't nest redis.call into another
/// script, so one per interpreter suffices.
final class ArgScratch {
    private(set) var args: UnsafeMutablePointer<UnsafeRawBufferPointer>
    private var capacity = 16
    /// One 32-byte slot per argument (every argument may be a number).
    private var numbers: UnsafeMutablePointer<UInt8>

    init() {
        args = .allocate(capacity: capacity)
        numbers = .allocate(capacity: capacity * 32)
    }

    deinit {
        args.deallocate()
        numbers.deallocate()
    }

    func reserve(args n: Int) {
        guard n > capacity else { return }
        args.deallocate()
        capacity = max(n, capacity * 2)
        args = .allocate(capacity: capacity)
        numbers.deallocate()
        numbers = .allocate(capacity: capacity * 32)
    }

    func number(_ i: Int) -> UnsafeMutablePointer<UInt8> { numbers + i * 32 }
}
