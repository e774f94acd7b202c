/**
 * Argument readers shared by the core builtins, following builtins.md §0.3: a parameter
 * typed `string` takes a string or a number (converted with Lua's `tostring` rules) and
 * rejects everything else with `<fn>: <nth> argument must be a string`.
 */
import { LUA_TNUMBER, LUA_TSTRING, type LuaApi, LuaError } from "../loader/lua-api.ts";

const ORDINALS = ["first", "second", "third", "fourth", "fifth"];

/** "first", "second"... for argument positions in error messages. */
export function ordinal(arg: number): string {
  return ORDINALS[arg - 1] ?? `#${arg}`;
}

/** Whether the value at `arg` is a string or a number (what a `string` parameter accepts). */
export function isStringLike(api: LuaApi, L: number, arg: number): boolean {
  const t = api.type(L, arg);
  return t === LUA_TSTRING || t === LUA_TNUMBER;
}

/**
 * Reads a `string` parameter as text (numbers converted as `tostring` does), or raises
 * `<fn>: <nth> argument must be a string`.
 */
export function stringArg(api: LuaApi, L: number, arg: number, fn: string): string {
  if (!isStringLike(api, L, arg)) throw new LuaError(`${fn}: ${ordinal(arg)} argument must be a string`);
  // lua_tolstring converts a number in place; work on a copy so the caller's slot keeps its type.
  api.pushvalue(L, arg);
  const s = api.tostring(L, -1) ?? "";
  api.pop(L);
  return s;
}
