/**
 * Helpers for replacing functions of Lua's standard library with JS C functions while the
 * originals keep doing the work. A replacement validates its arguments with the real
 * `luaL_check*` calls on its own frame (so "bad argument #2 to 'open'" names the function the
 * way the caller spelled it, with the caller's position), asks the policy, then calls the
 * original through `lua_pcall`; a runtime error of the original (say, io.lines on a missing
 * file) is re-raised with the caller's position, as the original would have shown it.
 */
import { LUA_OK, LUA_TSTRING, type LuaApi } from "../lua-api.ts";

export const LUA_MULTRET = -1;
export const FILEHANDLE = "FILE*";

/** The original function `lib[name]` (a global table such as "io"), kept in the registry. */
export function keepOriginal(api: LuaApi, L: number, lib: string, name: string): number {
  api.getglobal(L, lib);
  api.getfield(L, -1, name);
  const ref = api.ref(L);
  api.pop(L);
  return ref;
}

/** Pushes `fn` as a C closure (for functions without upvalues of their own). */
export function pushNative(api: LuaApi, L: number, fn: (L: number) => number): void {
  api.pushfunction(L, fn);
}

/** Sets `lib[name]` (and so `package.loaded[lib][name]`) to a JS C function. */
export function replace(api: LuaApi, L: number, lib: string, name: string, fn: (L: number) => number): void {
  api.getglobal(L, lib);
  pushNative(api, L, fn);
  api.setfield(L, -2, name);
  api.pop(L);
}

/**
 * Calls the original function `ref` with the top `nargs` values as arguments; returns the
 * number of results it left. Its errors propagate with the caller's position added.
 */
export function callOriginal(api: LuaApi, L: number, ref: number, nargs: number): number {
  const base = api.gettop(L) - nargs;
  api.pushref(L, ref);
  api.insert(L, base + 1);
  if (api.pcall(L, nargs, LUA_MULTRET) !== LUA_OK) {
    if (api.type(L, -1) === LUA_TSTRING) {
      api.m._luaL_where(L, 1);
      api.insert(L, -2);
      api.m._lua_concat(L, 2);
    }
    api.m._lua_error(L);
  }
  return api.gettop(L) - base;
}

/** The bytes of a C string argument up to its first NUL, as C code would see it. */
export function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** `luaL_checkstring` that gives the argument as a JS string (C view, up to a NUL). */
export function checkCString(api: LuaApi, L: number, arg: number): string {
  return cString(api.checkbytes(L, arg));
}

/** `luaL_optstring` with the C view of the string. */
export function optCString(api: LuaApi, L: number, arg: number, def: string): string;
export function optCString(api: LuaApi, L: number, arg: number, def: null): string | null;
export function optCString(api: LuaApi, L: number, arg: number, def: string | null): string | null {
  return api.isnoneornil(L, arg) ? def : checkCString(api, L, arg);
}

/** `luaL_checkudata(L, arg, "FILE*")` plus Lua's "attempt to use a closed file". */
export function checkOpenFile(api: LuaApi, L: number, arg: number): number {
  const p = api.m._luaL_checkudata(L, arg, api.cstr(FILEHANDLE));
  // luaL_Stream is { FILE *f; lua_CFunction closef; }; closef NULL marks a closed file.
  if (api.m.HEAPU32[(p + 4) >> 2] === 0) throw new Error("attempt to use a closed file");
  return p;
}
