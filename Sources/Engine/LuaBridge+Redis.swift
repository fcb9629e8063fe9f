// The `redis` table scripts see (script_lua.c's luaRegisterRedisAPI): call/pcall run a
// command on the engine's Lua client and convert its reply; the helpers build reply tables.

import CLua
import RESP

extension LuaVM {
    func registerRedisAPI() {
        lua_createtable(L, 0, 32)
        func fn(_ name: String, _ f: kw_swift_fn) {
            lua_pushstring(L, name)
            kw_pushfn(L, f)
            lua_rawset(L, -3)
        }
        func num(_ name: String, _ v: Double) {
            lua_pushstring(L, name)
            lua_pushnumber(L, v)
            lua_rawset(L, -3)
        }
        // The hot pair borrows the VM instead of retaining it for the call.
        fn("call") { L in LuaVM.borrowing(L) { $0.redisCall(L, raise: true) } }
        fn("pcall") { L in LuaVM.borrowing(L) { $0.redisCall(L, raise: false) } }
        fn("log") { L in LuaVM.from(L).redisLog(L) }
        num("LOG_DEBUG", 0); num("LOG_VERBOSE", 1); num("LOG_NOTICE", 2); num("LOG_WARNING", 3)
        num("REDIS_VERSION_NUM", Double(0x07_00_0f))
        lua_pushstring(L, "REDIS_VERSION"); lua_pushstring(L, "7.0.15"); lua_rawset(L, -3)
        fn("setresp") { L in LuaVM.from(L).redisSetResp(L) }
        fn("sha1hex") { L in LuaVM.from(L).redisSha1hex(L) }
        fn("error_reply") { L in LuaVM.from(L).redisErrorReply(L) }
        fn("status_reply") { L in LuaVM.from(L).redisStatusReply(L) }
        fn("set_repl") { L in LuaVM.from(L).redisSetRepl(L) }
        fn("replicate_commands") { L in lua_pushboolean(L, 1); return 1 }
        fn("breakpoint") { L in lua_pushboolean(L, 0); return 1 }
        fn("debug") { _ in 0 }
        fn("acl_check_cmd") { L in LuaVM.from(L).redisAclCheck(L) }
        num("REPL_NONE", 0); num("REPL_AOF", 1); num("REPL_SLAVE", 2); num("REPL_REPLICA", 2); num("REPL_ALL", 3)
        kw_setglobal(L, "redis")
    }

    /// Lua arguments as command arguments, without copies: strings point into Lua's own
    /// storage (valid while they stay on the stack, i.e. for the whole call), numbers are
    /// formatted as %.17g (Lua's own %.14g loses precision; integral ones without printf) into
    /// the VM's scratch. Nil when one is neither.
    func commandArgv(_ L: OpaquePointer?) -> Argv? {
        let argc = Int(lua_gettop(L))
        scratch.reserve(args: argc)
        var numbers = 0
        for i in 1...argc {
            let t = lua_type(L, Int32(i))
            if t == LUA_TNUMBER {
                let slot = scratch.number(numbers)
                numbers += 1
                let d = lua_tonumber(L, Int32(i))
                let n: Int
                // An integral value below 1e17 prints in %.17g as its plain decimal digits
                // (-0 keeps its sign there, so it takes the printf path).
                if d > -1e17 && d < 1e17 && d == d.rounded(.towardZero) && !(d == 0 && d.sign == .minus) {
                    n = formatDecimal(Int64(d), into: slot)
                } else {
                    n = Int(min(kw_format_g17(d, UnsafeMutableRawPointer(slot).assumingMemoryBound(to: CChar.self)), 31))
                }
                scratch.args[i - 1] = UnsafeRawBufferPointer(start: slot, count: n)
            } else if t == LUA_TSTRING {
                var len = 0
                let p = lua_tolstring(L, Int32(i), &len)
                scratch.args[i - 1] = UnsafeRawBufferPointer(start: p, count: len)
            } else {
                return nil
            }
        }
        return Argv(scratch.args, count: argc)
    }

    func redisCall(_ L: OpaquePointer?, raise: Bool) -> Int32 {
        // unowned(unsafe): the engine owns both for the whole script; no retain/release per call.
        unowned(unsafe) let scripting = scripting
        guard scripting.current != nil else {
            pushError("redis.call/pcall can only be called inside a script invocation")
            return -1
        }
        if lua_gettop(L) == 0 {
            pushError("Please specify at least one argument for this redis lib call")
            return raise ? -1 : 1
        }
        guard let argv = commandArgv(L) else {
            pushError("Lua redis lib command arguments must be strings or integers")
            return raise ? -1 : 1
        }
        // The arguments stay on the stack until the call returns (argv points into them);
        // the reply is pushed above them and returned as the only result.
        switch scripting.call(argv) {
        case .rejected(let text):
            pushError(text, ignoreStats: true)
            return raise ? -1 : 1
        case .ran:
            lua_checkstack(L, 8)
            unowned(unsafe) let lua = scripting.luaClient
            let isError = pushRESPReply(lua.out.readable, resp3: lua.proto == .v3)
            lua.out.clear()
            return raise && isError ? -1 : 1
        }
    }

    func redisLog(_ L: OpaquePointer?) -> Int32 {
        let argc = lua_gettop(L)
        if argc < 2 { pushError("redis.log() requires two arguments or more."); return -1 }
        if lua_isnumber(L, 1) == 0 { pushError("First argument must be a number (log level)."); return -1 }
        let level = Int(lua_tonumber(L, 1))
        if level < 0 || level > 3 { pushError("Invalid debug level."); return -1 }
        var parts: [String] = []
        for i in 2...argc { if let s = string(at: i) { parts.append(s) } }
        scripting.log?(level, parts.joined(separator: " "))
        return 0
    }

    func redisSetResp(_ L: OpaquePointer?) -> Int32 {
        guard scripting.current != nil else { pushError("redis.setresp can only be called inside a script invocation"); return -1 }
        if lua_gettop(L) != 1 { pushError("redis.setresp() requires one argument."); return -1 }
        let v = Int(lua_tonumber(L, 1))
        if v != 2 && v != 3 { pushError("RESP version must be 2 or 3."); return -1 }
        scripting.luaClient.proto = v == 3 ? .v3 : .v2
        return 0
    }

    func redisSha1hex(_ L: OpaquePointer?) -> Int32 {
        if lua_gettop(L) != 1 { pushError("wrong number of arguments"); return -1 }
        let b = bytes(at: 1) ?? []
        lua_pushstring(L, SHA1.hex(b))
        return 1
    }

    func redisErrorReply(_ L: OpaquePointer?) -> Int32 {
        if lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING {
            pushError("wrong number or type of arguments")
            return 1
        }
        let s = string(at: -1) ?? ""
        pushError(s.hasPrefix("-") ? s : "-" + s)
        return 1
    }

    func redisStatusReply(_ L: OpaquePointer?) -> Int32 {
        if lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING {
            pushError("wrong number or type of arguments")
            return 1
        }
        lua_createtable(L, 0, 1)
        lua_pushstring(L, "ok")
        lua_pushvalue(L, -3)
        lua_rawset(L, -3)
        return 1
    }

    func redisSetRepl(_ L: OpaquePointer?) -> Int32 {
        guard let run = scripting.current else { pushError("redis.set_repl can only be called inside a script invocation"); return -1 }
        if lua_gettop(L) != 1 { pushError("redis.set_repl() requires two arguments."); return -1 }
        let flags = Int(lua_tonumber(L, -1))
        if flags & ~3 != 0 { pushError("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."); return -1 }
        run.replFlags = flags
        return 0
    }

    func redisAclCheck(_ L: OpaquePointer?) -> Int32 {
        guard scripting.current != nil else { pushError("redis.acl_check_cmd can only be called inside a script invocation"); return -1 }
        if lua_gettop(L) == 0 { pushError("Please specify at least one argument for this redis lib call"); return -1 }
        guard let args = commandArgv(L) else { pushError("Lua redis lib command arguments must be strings or integers"); return -1 }
        guard scripting.lookupCommand(args) != nil else { pushError("Invalid command passed to redis.acl_check_cmd()"); return -1 }
        lua_pushboolean(L, 1)
        return 1
    }
}
