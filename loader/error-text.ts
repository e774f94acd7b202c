/**
 * The text of a Lua error value as `lua.c` prints it: the string itself, the result of its
 * `__tostring`, or `(error object is a <type> value)`.
 *
 * @example
 * ```ts
 * log.write("ERROR", "assay", errorText(api, thread, -1));
 * ```
 */
import { LUA_TSTRING, type LuaApi } from "./lua-api.ts";

export function errorText(api: LuaApi, L: number, idx: number): string {
  if (api.type(L, idx) === LUA_TSTRING) return api.tostring(L, idx) ?? "";
  if (api.m._luaL_callmeta(L, idx, api.cstr("__tostring")) && api.type(L, -1) === LUA_TSTRING) {
    const s = api.tostring(L, -1) ?? "";
    api.pop(L);
    return s;
  }
  return `(error object is a ${api.typename(L, idx)} value)`;
}
