// Reply conversions both ways, as script_lua.c does them.
// Command reply -> Lua: integer -> number, bulk -> string, null bulk/array -> false (RESP2) /
// nil (RESP3 null), status -> {ok=}, error -> {err=}, array -> table, RESP3 map -> {map={}},
// set -> {set={k=true}}, double -> {double=n}, big number -> {big_number=s}, verbatim ->
// {verbatim_string={format=, string=}}, booleans -> booleans.
// Lua -> reply: string -> bulk, number -> integer (truncated), boolean -> :1/null (RESP2
// script) or a RESP3 boolean, table -> err/ok/double/big_number/verbatim_string/map/set or an
// array that stops at the first nil; anything else -> null.

import CLua
import RESP

extension LuaVM {
    func pushReply(_ v: RESPValue, resp3: Bool) {
        switch v {
        case .integer(let i): lua_pushnumber(L, Double(i))
        case .bulk(let b): pushBytes(b)
        case .null: if resp3 { lua_pushnil(L) } else { lua_pushboolean(L, 0) }
        case .simple(let s):
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "ok"); lua_pushstring(L, s); lua_rawset(L, -3)
        case .error(let s):
            pushError("-" + s, ignoreStats: true)
        case .array(let items), .push(let items):
            lua_checkstack(L, 4)
            lua_createtable(L, Int32(items.count), 0)
            for (i, item) in items.enumerated() {
                pushReply(item, resp3: resp3)
                lua_rawseti(L, -2, Int32(i + 1))
            }
        case .map(let pairs):
            lua_checkstack(L, 6)
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "map")
            lua_createtable(L, 0, Int32(pairs.count))
            for (k, val) in pairs {
                pushReply(k, resp3: resp3)
                pushReply(val, resp3: resp3)
                lua_settable(L, -3)
            }
            lua_rawset(L, -3)
        case .set(let items):
            lua_checkstack(L, 6)
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "set")
            lua_createtable(L, 0, Int32(items.count))
            for item in items {
                pushReply(item, resp3: resp3)
                lua_pushboolean(L, 1)
                lua_settable(L, -3)
            }
            lua_rawset(L, -3)
        case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
        case .double(let s):
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "double"); lua_pushnumber(L, strtod(s, nil)); lua_rawset(L, -3)
        case .bigNumber(let s):
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "big_number"); lua_pushstring(L, s); lua_rawset(L, -3)
        case .verbatim(let format, let text):
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "verbatim_string")
            lua_createtable(L, 0, 2)
            lua_pushstring(L, "string"); lua_pushstring(L, text); lua_rawset(L, -3)
            lua_pushstring(L, "format"); lua_pushstring(L, format); lua_rawset(L, -3)
            lua_rawset(L, -3)
        }
    }

    /// Writes the value on top of the stack as a reply in `proto` and pops it. `scriptResp3`
    /// is the protocol the script chose with redis.setresp (booleans depend on it).
    /// Returns the error text when the value was an error table (for stats).
    @discardableResult
    func writeTop(_ out: inout ByteBuffer, proto: RESPVersion, scriptResp3: Bool) -> String? {
        defer { kw_pop(L, 1) }
        if lua_checkstack(L, 4) == 0 {
            out.writeError("ERR reached lua stack limit")
            return nil
        }
        switch lua_type(L, -1) {
        case LUA_TSTRING:
            var len = 0
            let p = lua_tolstring(L, -1, &len)!
            out.writeBulk(UnsafeRawBufferPointer(start: p, count: len))
        case LUA_TBOOLEAN:
            let b = lua_toboolean(L, -1) != 0
            if !scriptResp3 { if b { out.writeInt(1) } else { out.writeNull(proto) } } else { out.writeBool(b, proto) }
        case LUA_TNUMBER:
            out.writeInt(truncateToInt64(lua_tonumber(L, -1)))
        case LUA_TTABLE:
            return writeTable(&out, proto: proto, scriptResp3: scriptResp3)
        default:
            out.writeNull(proto)
        }
        return nil
    }

    private func writeTable(_ out: inout ByteBuffer, proto: RESPVersion, scriptResp3: Bool) -> String? {
        if rawField(-1, "err") == LUA_TSTRING {
            let msg = string(at: -1) ?? ""
            kw_pop(L, 1)
            out.writeError(msg)
            return msg
        }
        kw_pop(L, 1)
        if rawField(-1, "ok") == LUA_TSTRING {
            var s = bytes(at: -1) ?? []
            for i in s.indices where s[i] == 13 || s[i] == 10 { s[i] = 32 }
            out.append(byte: 43); out.append(s); out.append("\r\n" as StaticString)
            kw_pop(L, 1)
            return nil
        }
        kw_pop(L, 1)
        if rawField(-1, "double") == LUA_TNUMBER {
            out.writeDouble(formatDouble(lua_tonumber(L, -1)), proto)
            kw_pop(L, 1)
            return nil
        }
        kw_pop(L, 1)
        if rawField(-1, "big_number") == LUA_TSTRING {
            var s = bytes(at: -1) ?? []
            for i in s.indices where s[i] == 13 || s[i] == 10 { s[i] = 32 }
            out.writeBigNumber(String(decoding: s, as: UTF8.self), proto)
            kw_pop(L, 1)
            return nil
        }
        kw_pop(L, 1)
        if rawField(-1, "verbatim_string") == LUA_TTABLE {
            if rawField(-1, "format") == LUA_TSTRING {
                let format = bytes(at: -1) ?? []
                if rawField(-2, "string") == LUA_TSTRING {
                    let text = bytes(at: -1) ?? []
                    if proto == .v3 {
                        out.append(byte: 61); out.appendDecimal(Int64(text.count + 4)); out.append("\r\n" as StaticString)
                        out.append(Array(format.prefix(3))); out.append(byte: 58); out.append(text); out.append("\r\n" as StaticString)
                    } else {
                        out.writeBulk(text)
                    }
                    kw_pop(L, 3)
                    return nil
                }
                kw_pop(L, 1)
            }
            kw_pop(L, 1)
        }
        kw_pop(L, 1)
        if rawField(-1, "map") == LUA_TTABLE {
            let token = out.beginDeferred()
            var n = 0
            lua_pushnil(L)
            while lua_next(L, -2) != 0 {
                lua_pushvalue(L, -2)
                writeTop(&out, proto: proto, scriptResp3: scriptResp3)   // key
                writeTop(&out, proto: proto, scriptResp3: scriptResp3)   // value
                n += 1
            }
            out.fillDeferredMap(token, n, proto)
            kw_pop(L, 1)
            return nil
        }
        kw_pop(L, 1)
        if rawField(-1, "set") == LUA_TTABLE {
            let token = out.beginDeferred()
            var n = 0
            lua_pushnil(L)
            while lua_next(L, -2) != 0 {
                kw_pop(L, 1)
                lua_pushvalue(L, -1)
                writeTop(&out, proto: proto, scriptResp3: scriptResp3)
                n += 1
            }
            out.fillDeferredSet(token, n, proto)
            kw_pop(L, 1)
            return nil
        }
        kw_pop(L, 1)
        let token = out.beginDeferred()
        var n: Int32 = 0
        while true {
            lua_rawgeti(L, -1, n + 1)
            if lua_type(L, -1) == LUA_TNIL { kw_pop(L, 1); break }
            writeTop(&out, proto: proto, scriptResp3: scriptResp3)
            n += 1
        }
        out.fillDeferredArray(token, Int(n))
        return nil
    }
}

/// C's (long long) cast as x86 performs it: NaN and out-of-range values become Int64.min
/// (a Swift conversion would trap).
@inline(__always) func truncateToInt64(_ d: Double) -> Int64 {
    if d.isNaN || d >= 9.223372036854775807e18 || d < -9.223372036854775808e18 { return Int64.min }
    return Int64(d)
}

#if canImport(Glibc)
import Glibc
#endif
