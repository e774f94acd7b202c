/**
 * The raw exports of wasmoon's Lua 5.4 wasm build, typed. Pointers and `lua_State*` are wasm
 * addresses (numbers); `lua_Integer` and `lua_Unsigned` cross as BigInt (the module is built
 * with 64-bit integers passed natively); `lua_Number` is a double. Names are the C names.
 *
 * @example
 * ```ts
 * const top: number = exports.lua_gettop(L);
 * ```
 */
type Ptr = number;
type State = number;

/** The functions of the Lua C API and of libc that the runtime calls. */
export interface LuaExports {
  memory: WebAssembly.Memory;
  __indirect_function_table: WebAssembly.Table;
  __wasm_call_ctors(): void;
  emscripten_stack_init(): void;
  stackSave(): Ptr;
  stackRestore(sp: Ptr): void;
  setThrew(threw: number, value: number): void;
  malloc(size: number): Ptr;
  free(p: Ptr): void;
  realloc(p: Ptr, size: number): Ptr;
  fflush(stream: Ptr): number;

  luaL_newstate(): State;
  luaL_openlibs(L: State): void;
  lua_close(L: State): void;
  lua_newthread(L: State): State;
  lua_resetthread(L: State, from: State): number;
  lua_resume(L: State, from: State, nargs: number, nresults: Ptr): number;
  lua_status(L: State): number;
  lua_isyieldable(L: State): number;
  lua_yieldk(L: State, nresults: number, ctx: number, k: Ptr): number;
  lua_sethook(L: State, hook: Ptr, mask: number, count: number): void;
  lua_getstack(L: State, level: number, ar: Ptr): number;
  lua_gethook(L: State): Ptr;
  lua_getallocf(L: State, ud: Ptr): Ptr;
  lua_atpanic(L: State, panicf: Ptr): Ptr;
  lua_setallocf(L: State, f: Ptr, ud: Ptr): void;

  lua_absindex(L: State, idx: number): number;
  lua_gettop(L: State): number;
  lua_settop(L: State, idx: number): void;
  lua_pushvalue(L: State, idx: number): void;
  lua_rotate(L: State, idx: number, n: number): void;
  lua_copy(L: State, from: number, to: number): void;
  lua_checkstack(L: State, n: number): number;
  lua_xmove(from: State, to: State, n: number): void;

  lua_type(L: State, idx: number): number;
  lua_typename(L: State, t: number): Ptr;
  lua_isinteger(L: State, idx: number): number;
  lua_isnumber(L: State, idx: number): number;
  lua_tonumberx(L: State, idx: number, isnum: Ptr): number;
  lua_tointegerx(L: State, idx: number, isnum: Ptr): bigint;
  lua_toboolean(L: State, idx: number): number;
  lua_tolstring(L: State, idx: number, len: Ptr): Ptr;
  lua_rawlen(L: State, idx: number): bigint;
  lua_touserdata(L: State, idx: number): Ptr;
  lua_tothread(L: State, idx: number): State;
  lua_topointer(L: State, idx: number): Ptr;
  lua_rawequal(L: State, a: number, b: number): number;
  lua_compare(L: State, a: number, b: number, op: number): number;
  lua_stringtonumber(L: State, s: Ptr): number;

  lua_pushnil(L: State): void;
  lua_pushnumber(L: State, n: number): void;
  lua_pushinteger(L: State, n: bigint): void;
  lua_pushlstring(L: State, s: Ptr, len: number): Ptr;
  lua_pushstring(L: State, s: Ptr): Ptr;
  lua_pushcclosure(L: State, fn: Ptr, n: number): void;
  lua_pushboolean(L: State, b: number): void;
  lua_pushlightuserdata(L: State, p: Ptr): void;
  lua_pushthread(L: State): number;
  lua_newuserdatauv(L: State, size: number, nuvalue: number): Ptr;
  lua_getiuservalue(L: State, idx: number, n: number): number;
  lua_setiuservalue(L: State, idx: number, n: number): number;

  lua_getglobal(L: State, name: Ptr): number;
  lua_setglobal(L: State, name: Ptr): void;
  lua_gettable(L: State, idx: number): number;
  lua_settable(L: State, idx: number): void;
  lua_getfield(L: State, idx: number, k: Ptr): number;
  lua_setfield(L: State, idx: number, k: Ptr): void;
  lua_geti(L: State, idx: number, n: bigint): number;
  lua_seti(L: State, idx: number, n: bigint): void;
  lua_rawget(L: State, idx: number): number;
  lua_rawset(L: State, idx: number): void;
  lua_rawgeti(L: State, idx: number, n: bigint): number;
  lua_rawseti(L: State, idx: number, n: bigint): void;
  lua_rawgetp(L: State, idx: number, p: Ptr): number;
  lua_rawsetp(L: State, idx: number, p: Ptr): void;
  lua_createtable(L: State, narr: number, nrec: number): void;
  lua_getmetatable(L: State, idx: number): number;
  lua_setmetatable(L: State, idx: number): number;
  lua_next(L: State, idx: number): number;
  lua_concat(L: State, n: number): void;
  lua_len(L: State, idx: number): void;
  lua_getupvalue(L: State, fn: number, n: number): Ptr;
  lua_setupvalue(L: State, fn: number, n: number): Ptr;
  lua_toclose(L: State, idx: number): void;

  lua_dump(L: State, writer: Ptr, data: Ptr, strip: number): number;
  lua_callk(L: State, nargs: number, nresults: number, ctx: number, k: Ptr): void;
  lua_pcallk(L: State, nargs: number, nresults: number, msgh: number, ctx: number, k: Ptr): number;
  lua_error(L: State): number;

  luaL_ref(L: State, t: number): number;
  luaL_unref(L: State, t: number, ref: number): void;
  luaL_where(L: State, level: number): void;
  luaL_traceback(L: State, L1: State, msg: Ptr, level: number): void;
  luaL_tolstring(L: State, idx: number, len: Ptr): Ptr;
  luaL_callmeta(L: State, obj: number, e: Ptr): number;
  luaL_loadbufferx(L: State, buf: Ptr, size: number, name: Ptr, mode: Ptr): number;
  luaL_loadfilex(L: State, filename: Ptr, mode: Ptr): number;
  luaL_checklstring(L: State, arg: number, len: Ptr): Ptr;
  luaL_optlstring(L: State, arg: number, def: Ptr, len: Ptr): Ptr;
  luaL_checknumber(L: State, arg: number): number;
  luaL_checkinteger(L: State, arg: number): bigint;
  luaL_optinteger(L: State, arg: number, def: bigint): bigint;
  luaL_checktype(L: State, arg: number, t: number): void;
  luaL_checkany(L: State, arg: number): void;
  luaL_checkudata(L: State, arg: number, tname: Ptr): Ptr;
  luaL_testudata(L: State, arg: number, tname: Ptr): Ptr;
  luaL_newmetatable(L: State, tname: Ptr): number;
  luaL_argerror(L: State, arg: number, msg: Ptr): number;
  luaL_typeerror(L: State, arg: number, tname: Ptr): number;
}

/** The exports the bridge checks for when the module loads (a wrong wasm fails early). */
export const REQUIRED_EXPORTS: (keyof LuaExports)[] = [
  "memory",
  "__indirect_function_table",
  "luaL_newstate",
  "lua_resume",
  "lua_setallocf",
  "malloc",
];
