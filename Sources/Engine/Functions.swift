// Redis 7.0 functions (functions.c / function_lua.c): libraries of Lua code whose first line
// is `#!lua name=<lib>`, registering functions with redis.register_function while loading.
// Functions live in their own interpreter; loading runs the code in an environment that only
// has `redis` with register_function/log (anything else fails as a missing global), and each
// registered callback then runs with the normal sandboxed globals.

import CLua

final class FunctionDef {
    let name: String
    let description: String?
    let flags: ScriptFlags
    let ref: Int32
    unowned let library: FunctionLibrary
    init(name: String, description: String?, flags: ScriptFlags, ref: Int32, library: FunctionLibrary) {
        self.name = name; self.description = description; self.flags = flags; self.ref = ref; self.library = library
    }
}

final class FunctionLibrary {
    let name: String
    let code: [UInt8]
    var functions: [FunctionDef] = []
    init(name: String, code: [UInt8]) { self.name = name; self.code = code }
}

/// Functions registered by the library being loaded (register_function appends here).
final class PendingLibrary {
    let library: FunctionLibrary
    init(_ l: FunctionLibrary) { library = l }
}

extension Scripting {
    /// Every library's code in load order (RDB files and AOF bases carry them).
    public var libraryCodes: [[UInt8]] { libraryOrder.compactMap { libraries[$0]?.code } }

    static func validName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
    }

    /// `#!lua name=<lib>` (functionExtractLibMetaData): the library name and shebang length.
    static func libraryMetadata(_ code: [UInt8]) -> Result<(String, Int), ScriptError> {
        guard code.count >= 2, code[0] == 35, code[1] == 33 else { return .failure(ScriptError("ERR Missing library metadata")) }
        guard let nl = code.firstIndex(of: 10) else { return .failure(ScriptError("ERR Invalid library metadata")) }
        let parts = String(decoding: code[0..<nl], as: UTF8.self).split(separator: " ")
        guard let first = parts.first else { return .failure(ScriptError("ERR Invalid library metadata")) }
        let engineName = first.dropFirst(2)
        if engineName.lowercased() != "lua" { return .failure(ScriptError("ERR Engine '\(engineName)' not found")) }
        var name: String? = nil
        for p in parts.dropFirst() {
            if p.hasPrefix("name=") { name = String(p.dropFirst(5)) } else {
                return .failure(ScriptError("ERR Invalid metadata value given: \(p)"))
            }
        }
        guard let n = name else { return .failure(ScriptError("ERR Library name was not given")) }
        if !validName(n) {
            return .failure(ScriptError("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"))
        }
        return .success((n, nl))
    }

    /// FUNCTION LOAD: compiles and runs the library code, then installs it (replacing an
    /// existing library of that name only when `replace`).
    func loadLibrary(_ code: [UInt8], replace: Bool) -> Result<String, ScriptError> {
        let name: String, skip: Int
        switch Scripting.libraryMetadata(code) {
        case .failure(let e): return .failure(e)
        case .success(let r): (name, skip) = r
        }
        if libraries[name] != nil && !replace { return .failure(ScriptError("ERR Library '\(name)' already exists")) }
        let vm = functionVM
        let L = vm.L
        var body = Array(code[skip...])
        if vm.load(&body, name: "@user_function") != 0 {
            let msg = vm.string(at: -1) ?? ""
            kw_pop(L, 1)
            return .failure(ScriptError("ERR Error compiling function: \(msg)"))
        }
        // Run it in the load environment.
        kw_getregistry(L, LuaVM.loadEnv)
        lua_setfenv(L, -2)
        let lib = FunctionLibrary(name: name, code: code)
        pendingLibrary = PendingLibrary(lib)
        let failed = lua_pcall(L, 0, 0, 0) != 0
        pendingLibrary = nil
        func dropRefs() { for f in lib.functions { luaL_unref(L, LUA_REGISTRYINDEX, f.ref) } }
        if failed {
            var msg = "ERR"
            if kw_istable(L, -1) != 0 {
                if vm.rawField(-1, "err") == LUA_TSTRING { msg = vm.string(at: -1) ?? msg }
                kw_pop(L, 1)
            } else if let s = vm.string(at: -1) {
                msg = "ERR " + s
            }
            kw_pop(L, 1)
            dropRefs()
            return .failure(ScriptError("ERR Error registering functions: \(msg)"))
        }
        if lib.functions.isEmpty { return .failure(ScriptError("ERR No functions registered")) }
        let old = libraries[name]
        for f in lib.functions {
            if let other = functionIndex[f.name], other.library !== old {
                dropRefs()
                return .failure(ScriptError("ERR Function \(f.name) already exists"))
            }
        }
        if let o = old { removeLibrary(o) }
        installLibrary(lib)
        return .success(name)
    }

    func installLibrary(_ lib: FunctionLibrary) {
        libraries[lib.name] = lib
        libraryOrder.append(lib.name)
        for f in lib.functions { functionIndex[f.name] = f }
    }

    func removeLibrary(_ lib: FunctionLibrary) {
        libraries[lib.name] = nil
        libraryOrder.removeAll { $0 == lib.name }
        for f in lib.functions {
            functionIndex[f.name] = nil
            luaL_unref(functionVM.L, LUA_REGISTRYINDEX, f.ref)
        }
    }

    func flushFunctions() {
        libraries.removeAll()
        libraryOrder.removeAll()
        functionIndex.removeAll()
        _functionVM = nil
    }

    /// FCALL / FCALL_RO.
    func fcall(_ c: Call, readOnly: Bool) {
        guard let (keys, args) = ScriptCommands.keysAndArgs(c, from: 2) else { return }
        guard let f = functionIndex[c.argv.string(1)] else { c.error("ERR Function not found"); return }
        if readOnly && !f.flags.contains(.noWrites) {
            c.error("ERR Can not execute a script with write flag using *_ro command.")
            return
        }
        let vm = functionVM
        lua_rawgeti(vm.L, LUA_REGISTRYINDEX, f.ref)
        kw_setregistry(vm.L, "__kw_fcall")
        run(c, vm: vm, registryName: "__kw_fcall", name: f.name, keys: keys, args: args,
            readOnly: readOnly || f.flags.contains(.noWrites), isEval: false)
    }
}

extension LuaVM {
    static let loadEnv = "__kw_load_env"

    /// The environment library code runs in while loading: `redis` with only
    /// register_function, log and the constants; every other name is a missing global.
    func installLoadEnvironment() {
        lua_createtable(L, 0, 8)
        func fn(_ name: String, _ f: kw_swift_fn) { lua_pushstring(L, name); kw_pushfn(L, f); lua_rawset(L, -3) }
        func num(_ name: String, _ v: Double) { lua_pushstring(L, name); lua_pushnumber(L, v); lua_rawset(L, -3) }
        fn("register_function") { L in LuaVM.from(L).registerFunction(L) }
        fn("log") { L in LuaVM.from(L).redisLog(L) }
        num("LOG_DEBUG", 0); num("LOG_VERBOSE", 1); num("LOG_NOTICE", 2); num("LOG_WARNING", 3)
        num("REDIS_VERSION_NUM", Double(0x07_00_0f))
        lua_pushstring(L, "REDIS_VERSION"); lua_pushstring(L, "7.0.15"); lua_rawset(L, -3)
        kw_push_readonly_proxy(L, -1, 1)     // strict redis table
        lua_createtable(L, 0, 1)
        lua_pushstring(L, "redis")
        lua_pushvalue(L, -3)
        lua_rawset(L, -3)
        kw_push_readonly_proxy(L, -1, 1)     // strict env
        kw_setregistry(L, LuaVM.loadEnv)
        kw_pop(L, 3)
    }

    func registerFunction(_ L: OpaquePointer?) -> Int32 {
        guard let pending = scripting.pendingLibrary else {
            pushError("redis.register_function can only be called on FUNCTION LOAD command")
            return -1
        }
        var name: String? = nil, description: String? = nil, flags: ScriptFlags = []
        let argc = lua_gettop(L)
        if argc == 1 && kw_istable(L, 1) != 0 {
            lua_pushnil(L)
            var callbackFound = false
            while lua_next(L, 1) != 0 {
                let key = lua_type(L, -2) == LUA_TSTRING ? string(at: -2) ?? "" : ""
                switch key {
                case "function_name":
                    guard lua_type(L, -1) == LUA_TSTRING else { pushError("function_name argument given to redis.register_function must be a string"); return -1 }
                    name = string(at: -1)
                case "description":
                    guard lua_type(L, -1) == LUA_TSTRING else { pushError("description argument given to redis.register_function must be a string"); return -1 }
                    description = string(at: -1)
                case "callback":
                    guard lua_type(L, -1) == LUA_TFUNCTION else { pushError("callback argument given to redis.register_function must be a function"); return -1 }
                    lua_pushvalue(L, -1)
                    kw_setregistry(L, "__kw_pending_cb")
                    callbackFound = true
                case "flags":
                    guard kw_istable(L, -1) != 0 else { pushError("flags argument to redis.register_function must be a table representing function flags"); return -1 }
                    var i: Int32 = 1
                    while true {
                        lua_rawgeti(L, -1, i)
                        if lua_type(L, -1) == LUA_TNIL { kw_pop(L, 1); break }
                        guard lua_type(L, -1) == LUA_TSTRING, let s = string(at: -1),
                              let (_, f) = ScriptFlags.names.first(where: { $0.0 == s }) else {
                            pushError("unknown flag given"); return -1
                        }
                        flags.insert(f)
                        kw_pop(L, 1)
                        i += 1
                    }
                default:
                    pushError("unknown argument given to redis.register_function")
                    return -1
                }
                kw_pop(L, 1)
            }
            guard name != nil else { pushError("redis.register_function must get a function name argument"); return -1 }
            guard callbackFound else { pushError("redis.register_function must get a callback argument"); return -1 }
            kw_getregistry(L, "__kw_pending_cb")
        } else if argc == 1 {
            pushError("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
            return -1
        } else if argc == 2 {
            guard lua_type(L, 1) == LUA_TSTRING else { pushError("first argument to redis.register_function must be a string"); return -1 }
            guard lua_type(L, 2) == LUA_TFUNCTION else { pushError("second argument to redis.register_function must be a function"); return -1 }
            name = string(at: 1)
            lua_pushvalue(L, 2)
        } else {
            pushError("wrong number of arguments to redis.register_function")
            return -1
        }
        let n = name!
        if !Scripting.validName(n) {
            kw_pop(L, 1)
            pushError("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
            return -1
        }
        if pending.library.functions.contains(where: { $0.name == n }) {
            kw_pop(L, 1)
            pushError("Function already exists in the library")
            return -1
        }
        // The callback runs with the normal globals, not the load environment.
        lua_pushvalue(L, kw_globalsindex())
        lua_setfenv(L, -2)
        let ref = luaL_ref(L, LUA_REGISTRYINDEX)
        pending.library.functions.append(FunctionDef(name: n, description: description, flags: flags, ref: ref, library: pending.library))
        return 0
    }
}
