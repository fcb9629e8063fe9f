// redis.call's reply straight from the Lua client's RESP bytes to the Lua stack (as Redis's
// redisProtocolToLuaType does), without building a RESPValue tree first: decoding into
// RESPValue allocated an array per bulk and a String per line, per call. The conversions are
// exactly pushReply's (LuaBridge+Convert.swift), including its handling of odd replies: an
// incomplete or malformed reply becomes a null, an attribute is skipped.

import CLua

extension LuaVM {
    /// Pushes the reply at the front of `buf` as pushReply would push its parsed value.
    /// Returns true when that value is an error (redis.call raises it).
    func pushRESPReply(_ buf: UnsafeRawBufferPointer, resp3: Bool) -> Bool {
        let base = lua_gettop(L)
        var pos = 0
        var isError = false
        if buf.count == 0 || !pushRESP(buf, &pos, depth: 0, resp3: resp3, isError: &isError) {
            lua_settop(L, base)
            if resp3 { lua_pushnil(L) } else { lua_pushboolean(L, 0) }
            return false
        }
        return isError
    }

    /// One value from `pos`; false when incomplete or malformed (the caller drops what was
    /// pushed). Nesting deeper than 64 is malformed, as for parseRESPValue.
    private func pushRESP(_ buf: UnsafeRawBufferPointer, _ pos: inout Int, depth: Int, resp3: Bool,
                          isError: inout Bool) -> Bool {
        guard pos < buf.count, depth <= 64 else { return false }
        let type = buf[pos]
        var p = pos + 1
        guard let line = replyLine(buf, &p) else { return false }
        var ignored = false
        switch type {
        case 58:   // ':'
            guard let i = decimal(line) else { return false }
            lua_pushnumber(L, Double(i))
        case 36, 61, 33:   // '$' '=' '!'
            guard let n = decimal(line) else { return false }
            if n < 0 { pushNull(resp3); break }
            guard n <= Int64(buf.count - p) - 2 else { return false }
            let data = UnsafeRawBufferPointer(rebasing: buf[p..<(p + Int(n))])
            p += Int(n) + 2
            if type == 36 {
                pushRaw(data)
            } else if type == 33 {
                pushError("-" + String(decoding: data, as: UTF8.self), ignoreStats: true)
                isError = true
            } else {
                let s = String(decoding: data, as: UTF8.self)
                pushReply(.verbatim(format: String(s.prefix(3)), text: String(s.dropFirst(4))), resp3: resp3)
            }
        case 43:   // '+'
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "ok")
            pushLine(line)
            lua_rawset(L, -3)
        case 45:   // '-'
            pushError("-" + String(decoding: line, as: UTF8.self), ignoreStats: true)
            isError = true
        case 42, 126, 62:   // '*' '~' '>'
            guard let n = decimal(line) else { return false }
            if n < 0 { pushNull(resp3); break }
            if type == 126 {
                lua_checkstack(L, 6)
                lua_createtable(L, 0, 1)
                lua_pushstring(L, "set")
                lua_createtable(L, 0, presize(n, buf.count - p))
                for _ in 0..<n {
                    guard pushRESP(buf, &p, depth: depth + 1, resp3: resp3, isError: &ignored) else { return false }
                    lua_pushboolean(L, 1)
                    lua_settable(L, -3)
                }
                lua_rawset(L, -3)
            } else {
                lua_checkstack(L, 4)
                lua_createtable(L, presize(n, buf.count - p), 0)
                var i: Int32 = 1
                for _ in 0..<n {
                    guard pushRESP(buf, &p, depth: depth + 1, resp3: resp3, isError: &ignored) else { return false }
                    lua_rawseti(L, -2, i)
                    i += 1
                }
            }
        case 37:   // '%'
            guard let n = decimal(line) else { return false }
            lua_checkstack(L, 6)
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "map")
            lua_createtable(L, 0, presize(n, buf.count - p))
            var k: Int64 = 0
            while k < n {
                guard pushRESP(buf, &p, depth: depth + 1, resp3: resp3, isError: &ignored),
                      pushRESP(buf, &p, depth: depth + 1, resp3: resp3, isError: &ignored) else { return false }
                lua_settable(L, -3)
                k += 1
            }
            lua_rawset(L, -3)
        case 124:   // '|': an attribute precedes the real reply; parsed, then dropped
            guard let n = decimal(line) else { return false }
            let top = lua_gettop(L)
            var k: Int64 = 0
            while k < n {
                guard pushRESP(buf, &p, depth: depth + 1, resp3: resp3, isError: &ignored),
                      pushRESP(buf, &p, depth: depth + 1, resp3: resp3, isError: &ignored) else { return false }
                lua_settop(L, top)
                k += 1
            }
            pos = p
            return pushRESP(buf, &pos, depth: depth, resp3: resp3, isError: &isError)
        case 95:   // '_'
            pushNull(resp3)
        case 44:   // ','
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "double")
            lua_pushnumber(L, strtod(String(decoding: line, as: UTF8.self), nil))
            lua_rawset(L, -3)
        case 35:   // '#'
            lua_pushboolean(L, line.count == 1 && line[0] == 116 ? 1 : 0)
        case 40:   // '('
            lua_createtable(L, 0, 1)
            lua_pushstring(L, "big_number")
            pushLine(line)
            lua_rawset(L, -3)
        default:
            return false
        }
        pos = p
        return true
    }

    @inline(__always) private func pushRaw(_ raw: UnsafeRawBufferPointer) {
        if let p = raw.baseAddress {
            lua_pushlstring(L, p.assumingMemoryBound(to: CChar.self), raw.count)
        } else {
            lua_pushlstring(L, "", 0)
        }
    }

    @inline(__always) private func pushNull(_ resp3: Bool) {
        if resp3 { lua_pushnil(L) } else { lua_pushboolean(L, 0) }
    }

    /// A status or big-number line as pushReply pushed its String: as a C string (up to a
    /// NUL), with invalid UTF-8 replaced. Plain ASCII (every real reply) skips the String.
    private func pushLine(_ line: UnsafeRawBufferPointer) {
        var plain = true
        for b in line where b == 0 || b >= 0x80 { plain = false; break }
        if plain {
            pushRaw(line)
        } else {
            lua_pushstring(L, String(decoding: line, as: UTF8.self))
        }
    }
}

/// The line from `pos` up to CRLF (moving `pos` past it); nil when there is no CRLF.
@inline(__always) private func replyLine(_ buf: UnsafeRawBufferPointer, _ pos: inout Int) -> UnsafeRawBufferPointer? {
    var i = pos
    while i + 1 < buf.count {
        if buf[i] == 13 && buf[i + 1] == 10 {
            let line = UnsafeRawBufferPointer(rebasing: buf[pos..<i])
            pos = i + 2
            return line
        }
        i += 1
    }
    return nil
}

/// A table's preallocation for `n` announced elements: a malformed count can't make Lua
/// allocate more than the bytes left could hold (each element takes at least 3).
@inline(__always) private func presize(_ n: Int64, _ left: Int) -> Int32 {
    Int32(clamping: max(0, min(n, Int64(left / 3))))
}

/// Swift's `Int64(String)`: an optional sign, then at least one digit, no overflow.
@inline(__always) private func decimal(_ line: UnsafeRawBufferPointer) -> Int64? {
    var i = 0
    var negative = false
    if line.count > 0 && (line[0] == 45 || line[0] == 43) { negative = line[0] == 45; i = 1 }
    guard i < line.count else { return nil }
    var v: Int64 = 0
    while i < line.count {
        let d = line[i] &- 48
        guard d < 10 else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
        guard !o1 && !o2 else { return nil }
        v = s
        i += 1
    }
    return v
}

#if canImport(Glibc)
import Glibc
#endif
