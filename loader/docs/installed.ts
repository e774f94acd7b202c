/**
 * What a VM actually has, for the declaration check (declaration-check.ts): every global that
 * is not one of Lua's own, with the names of its function and non-function fields. The
 * additions to Lua's `os` are the keys beyond the standard ones; for `assert`, a function
 * whose assertion functions hang off its metatable, the table the installer recorded.
 *
 * @example
 * ```ts
 * const vm = await testVm();
 * installedGlobals(vm.api, vm.L); // [{ name: "json", type: "table", functions: ["array", ...], values: ["null"] }, ...]
 * ```
 */
import { LUA_REGISTRYINDEX, LUA_TFUNCTION, LUA_TSTRING, LUA_TTABLE, type LuaApi } from "../lua-api.ts";
import { INSTALLED_KEY } from "../install-builtins.ts";

export interface InstalledGlobal {
  name: string;
  type: "function" | "table" | "other";
  /** Keys whose values are functions. */
  functions: string[];
  /** Keys whose values are anything else. */
  values: string[];
}

/** Lua 5.4's globals (and `arg`), which no builtin declares. */
export const LUA_GLOBALS: ReadonlySet<string> = new Set(
  `_G _VERSION arg assert collectgarbage coroutine debug dofile error getmetatable io ipairs load loadfile math next os
  package pairs pcall print rawequal rawget rawlen rawset require select setmetatable string table tonumber tostring
  type utf8 warn xpcall`.split(/\s+/),
);

/** Lua 5.4's own `os` functions. */
const LUA_OS = new Set("clock date difftime execute exit getenv remove rename setlocale time tmpname".split(" "));

/** The string keys of the table on top of the stack, split by the type of their values. */
function keysOf(api: LuaApi, L: number, skip: ReadonlySet<string> = new Set()): { functions: string[]; values: string[] } {
  const t = api.gettop(L);
  const functions: string[] = [], values: string[] = [];
  api.pushnil(L);
  while (api.next(L, t)) {
    if (api.type(L, -2) === LUA_TSTRING) {
      const key = api.tostring(L, -2)!;
      if (!skip.has(key)) (api.type(L, -1) === LUA_TFUNCTION ? functions : values).push(key);
    }
    api.pop(L);
  }
  return { functions: functions.sort(), values: values.sort() };
}

/**
 * The globals beyond Lua's own, plus `os` and `assert` (which builtins extend), each with its
 * fields. `builtinNames` are the registered builtins, whose globals are looked at even when
 * they share a name with Lua's.
 */
export function installedGlobals(api: LuaApi, L: number, builtinNames: ReadonlySet<string>): InstalledGlobal[] {
  const top = api.gettop(L);
  api.checkstack(L, 6);
  const names: string[] = [];
  api.pushvalue(L, LUA_REGISTRYINDEX);
  api.rawgeti(L, -1, 2); // LUA_RIDX_GLOBALS
  const globals = api.gettop(L);
  api.pushnil(L);
  while (api.next(L, globals)) {
    if (api.type(L, -2) === LUA_TSTRING) names.push(api.tostring(L, -2)!);
    api.pop(L);
  }
  const out: InstalledGlobal[] = [];
  for (const name of names.sort()) {
    if (LUA_GLOBALS.has(name) && !builtinNames.has(name)) continue;
    api.getfield(L, globals, name);
    const t = api.type(L, -1);
    if (name === "assert") {
      // Lua's function; what the builtin added is in the installer's record.
      api.getfield(L, LUA_REGISTRYINDEX, INSTALLED_KEY);
      const recorded = api.type(L, -1) === LUA_TTABLE && api.getfield(L, -1, "assert") === LUA_TTABLE;
      out.push({ name, type: "function", ...(recorded ? keysOf(api, L) : { functions: [], values: [] }) });
    } else if (t === LUA_TTABLE) {
      out.push({ name, type: "table", ...keysOf(api, L, name === "os" ? LUA_OS : undefined) });
    } else {
      out.push({ name, type: t === LUA_TFUNCTION ? "function" : "other", functions: [], values: [] });
    }
    api.settop(L, globals);
  }
  api.settop(L, top);
  return out;
}
