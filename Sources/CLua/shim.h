// The system Lua 5.1 plus the few pieces that must be C: Lua's API macros (Swift cannot import
// function-like macros), and every path that raises a Lua error. lua_error longjmps, which must
// never unwind Swift frames, so Swift-implemented Lua functions run under `kw_trampoline`: they
// return -1 with the error value on the stack and the C side raises it.
#ifndef KEYWARD_CLUA_SHIM_H
#define KEYWARD_CLUA_SHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>

typedef int (*kw_swift_fn)(lua_State *L);

/// Per-state data reached through the allocator's userdata: the Swift owner, the bytes Lua
/// holds (INFO used_memory_lua), the count-hook callback and Redis's rand48 state.
struct kw_lua_ud {
    void *owner;
    size_t used;
    kw_swift_fn hook;
    uint64_t rand48;
};

static inline void *kw_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    struct kw_lua_ud *u = (struct kw_lua_ud *)ud;
    if (nsize == 0) { u->used -= osize; free(ptr); return NULL; }
    void *p = realloc(ptr, nsize);
    if (p) u->used += nsize - osize;
    return p;
}

static inline lua_State *kw_newstate(struct kw_lua_ud *ud) { return lua_newstate(kw_alloc, ud); }

static inline struct kw_lua_ud *kw_ud(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (struct kw_lua_ud *)ud;
}

static inline int kw_trampoline(lua_State *L) {
    kw_swift_fn f = (kw_swift_fn)lua_touserdata(L, lua_upvalueindex(1));
    int n = f(L);
    if (n < 0) return lua_error(L);
    return n;
}

static inline void kw_pushfn(lua_State *L, kw_swift_fn f) {
    lua_pushlightuserdata(L, (void *)f);
    lua_pushcclosure(L, kw_trampoline, 1);
}

// Count hook (script timeout). Once the Swift side reports a kill it returns nonzero with the
// error on the stack; the hook then fires on every line so pcall cannot swallow the kill.
static inline void kw_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    struct kw_lua_ud *u = kw_ud(L);
    if (u->hook && u->hook(L)) {
        lua_sethook(L, kw_hook, LUA_MASKLINE, 0);
        lua_error(L);
    }
}
static inline void kw_sethook(lua_State *L, int on) {
    if (on) lua_sethook(L, kw_hook, LUA_MASKCOUNT, 100000); else lua_sethook(L, NULL, 0, 0);
}

// Sandbox: reading a missing global and writing any protected table fail as in Redis 7.0.
// A strict table's own metatable sends reads of missing names here (args: table, key).
static inline int kw_missing_global(lua_State *L) {
    if (!lua_isstring(L, 2)) { lua_pushnil(L); return 1; }
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", lua_tostring(L, 2));
}
static inline int kw_readonly_newindex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}
/// Replaces the table at `idx` ... pushes a read-only proxy of the table on top of the stack.
/// `strict` makes reads of missing names fail (the globals): the table itself gets a metatable
/// whose __index raises, so the proxy's __index stays a plain table and reading a global that
/// exists costs a second table lookup in the VM rather than a C call.
static inline void kw_push_readonly_proxy(lua_State *L, int idx, int strict) {
    idx = idx < 0 && idx > LUA_REGISTRYINDEX ? lua_gettop(L) + idx + 1 : idx;
    if (strict) {
        lua_newtable(L);
        lua_pushcfunction(L, kw_missing_global);
        lua_setfield(L, -2, "__index");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_setmetatable(L, idx);
    }
    lua_newtable(L);                 // proxy
    lua_newtable(L);                 // its metatable
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, kw_readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

// Redis's math.random: rand48, the same sequence on every platform.
static inline int32_t kw_lrand48(lua_State *L) {
    struct kw_lua_ud *u = kw_ud(L);
    u->rand48 = (u->rand48 * 0x5DEECE66DULL + 0xB) & 0xFFFFFFFFFFFFULL;
    return (int32_t)(u->rand48 >> 17);
}
static inline void kw_srand48(lua_State *L, int32_t seed) {
    kw_ud(L)->rand48 = (((uint64_t)(uint32_t)seed) << 16 | 0x330E) & 0xFFFFFFFFFFFFULL;
}
static inline int kw_math_random(lua_State *L) {
    lua_Number r = (lua_Number)(kw_lrand48(L) % 2147483647) / (lua_Number)2147483647;
    switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, r); break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default: return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}
static inline int kw_math_randomseed(lua_State *L) {
    kw_srand48(L, luaL_checkint(L, 1));
    return 0;
}

// Macros Swift cannot import.
/// A Lua number as redis.call passes it ("%.17g", as script_lua.c formats it): snprintf
/// called from C, since Swift's withVaList boxes the double (a dynamic cast per argument).
static inline int kw_format_g17(double d, char *buf) { return snprintf(buf, 32, "%.17g", d); }

static inline void kw_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void kw_newtable(lua_State *L) { lua_newtable(L); }
static inline int kw_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int kw_isnil(lua_State *L, int i) { return lua_isnil(L, i); }
static inline int kw_istable(lua_State *L, int i) { return lua_istable(L, i); }
static inline void kw_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline void kw_getglobal(lua_State *L, const char *s) { lua_getfield(L, LUA_GLOBALSINDEX, s); }
static inline void kw_setglobal(lua_State *L, const char *s) { lua_setfield(L, LUA_GLOBALSINDEX, s); }
static inline void kw_getregistry(lua_State *L, const char *s) { lua_getfield(L, LUA_REGISTRYINDEX, s); }
static inline void kw_setregistry(lua_State *L, const char *s) { lua_setfield(L, LUA_REGISTRYINDEX, s); }
static inline int kw_globalsindex(void) { return LUA_GLOBALSINDEX; }
// Registry references: a cached script's function is found by integer, not by name.
static inline int kw_ref(lua_State *L) { return luaL_ref(L, LUA_REGISTRYINDEX); }
static inline void kw_getref(lua_State *L, int ref) { lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }
static inline int kw_loadbuffer(lua_State *L, const char *b, size_t n, const char *name) { return luaL_loadbuffer(L, b, n, name); }

#endif
