/**
 * The text of a Lua error value as `lua.c` prints it: the string itself, the result of its
 * `__tostring`, or `(error object is a <type> value)` (also when `__tostring` itself fails).
 * For a value on a failed thread, pass a live state as `host` to run `__tostring` on.
 *
 * @example
 * ```ts
 * log.write("ERROR", "assay", errorText(api, thread, -1));
 * ```
 */
import { LUA_TSTRING, type LuaApi } from "./lua-api.ts";

export function errorText(api: LuaApi, L: number, idx: number, host: number = L): string {
  if (api.type(L, idx) === LUA_TSTRING) return api.tostring(L, idx) ?? "";
  const fallback = `(error object is a ${api.typename(L, idx)} value)`;
  // __tostring is Lua code that may fail or allocate: call it protected, on `host` (a thread
  // that failed cannot run anything itself), with a copy of the value.
  let text: string | null = null;
  api.pushvalue(L, idx);
  if (host !== L) api.xmove(L, host, 1);
  const failed = api.protect(host, 1, (H) => {
    if (api.m._luaL_callmeta(H, 1, api.cstr("__tostring")) && api.type(H, -1) === LUA_TSTRING) {
      text = api.tostring(H, -1);
    }
  });
  return failed === null && text !== null ? text : fallback;
}
