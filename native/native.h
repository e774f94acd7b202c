/*
 * Shared by the native helpers: they are linked into one small wasm module that uses the Lua
 * module's memory, allocator and C API (imported), so there is no libc here. The module may
 * have no static data (its data segment would land on the Lua module's memory): tables are
 * built at run time in memory from malloc, and there are no string literals.
 *
 * Every function declared below is imported from the Lua wasm instance (its exports, passed
 * as `env` imports by loader/wasm/native.ts), except those marked as coming from JS. On
 * wasm32 pointers, `int` and `size_t` are i32, `lua_Integer` is i64, `lua_Number` is f64: the
 * declarations must match the Lua module's export signatures exactly or instantiation fails.
 */
#ifndef ASSAY_NATIVE_H
#define ASSAY_NATIVE_H

typedef unsigned long size_t;
typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;

void *malloc(size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

#define EXPORT(name) __attribute__((export_name(name)))

/* The Lua 5.4 C API, as far as the helpers use it. */
typedef struct lua_State lua_State;
typedef long long lua_Integer;
typedef double lua_Number;

#define LUA_TNONE (-1)
#define LUA_TNIL 0
#define LUA_TBOOLEAN 1
#define LUA_TLIGHTUSERDATA 2
#define LUA_TNUMBER 3
#define LUA_TSTRING 4
#define LUA_TTABLE 5

int lua_gettop(lua_State *L);
void lua_settop(lua_State *L, int idx);
void lua_pushvalue(lua_State *L, int idx);
void lua_rotate(lua_State *L, int idx, int n);
int lua_checkstack(lua_State *L, int n);

int lua_type(lua_State *L, int idx);
int lua_isinteger(lua_State *L, int idx);
lua_Number lua_tonumberx(lua_State *L, int idx, int *isnum);
lua_Integer lua_tointegerx(lua_State *L, int idx, int *isnum);
int lua_toboolean(lua_State *L, int idx);
const char *lua_tolstring(lua_State *L, int idx, size_t *len);
const void *lua_topointer(lua_State *L, int idx);
void *lua_touserdata(lua_State *L, int idx);
size_t lua_stringtonumber(lua_State *L, const char *s);

void lua_pushnil(lua_State *L);
void lua_pushnumber(lua_State *L, lua_Number n);
void lua_pushinteger(lua_State *L, lua_Integer n);
const char *lua_pushlstring(lua_State *L, const char *s, size_t len);
void lua_pushboolean(lua_State *L, int b);
void lua_pushlightuserdata(lua_State *L, void *p);

void lua_createtable(lua_State *L, int narr, int nrec);
void lua_rawset(lua_State *L, int idx);
int lua_rawget(lua_State *L, int idx);
void lua_rawseti(lua_State *L, int idx, lua_Integer n);
int lua_next(lua_State *L, int idx);

/*
 * From JS (loader/wasm/native.ts): writes the shortest round-trip text of the finite float
 * `x` in ryu's "pretty" layout (loader/bridge/float-format.ts) at `out`, which has room for
 * 32 bytes; returns its length.
 */
int assay_format_float(double x, uint8_t *out);

#endif
