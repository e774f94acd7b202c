/**
 * `load`, `loadfile` and `dofile` under the sandbox (README items 9 and 15): `loadfile` and
 * `dofile` need `read` for their path (stdin needs nothing), and outside `full` only text
 * chunks load, so a binary chunk fails with Lua's own "attempt to load a binary chunk (mode
 * is 't')". Source is loaded by Lua's `luaL_loadfilex` itself (BOM and `#` line skipped with
 * the line counted, chunk name `@path`). `dofile` continues through `lua_callk` as Lua's does,
 * so a file whose top level calls an async builtin works.
 */
import { LUA_OK, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS, LUA_TFUNCTION, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, type LuaApi } from "../lua-api.ts";
import type { BuiltinContext } from "../plugin.ts";
import { callOriginal, LUA_MULTRET, optCString, pushNative } from "./cfn.ts";

/**
 * The load mode a profile allows for a requested one: unchanged in `full`; elsewhere "t"
 * whenever text is allowed, else the request without "b" (which then loads nothing).
 */
export function allowedMode(full: boolean, requested: string | null): string | null {
  if (full) return requested;
  if (requested === null || requested.includes("t")) return "t";
  return requested.replaceAll("b", "");
}

export function installLoad(ctx: BuiltinContext): void {
  const { api, L, policy } = ctx;
  const m = api.m;
  const full = policy.profile === "full";

  /** Pointer to the optional file-name argument (Lua's own bytes) or 0, after the policy check. */
  const fileArg = (L: number, fn: string): number => {
    const p = m._luaL_optlstring(L, 1, 0, 0);
    if (p) policy.check(fn, "read", api.readCString(p));
    return p;
  };
  /** Keeps a C string for a mode in wasm memory (scratch space is reused by later calls). */
  const modePtr = (mode: string | null): number => (mode === null ? 0 : m.stringToNewUTF8(mode));

  const loadfile = (L: number): number => {
    const fname = m._luaL_optlstring(L, 1, 0, 0);
    const mode = optCString(api, L, 2, null);
    const env = api.type(L, 3) !== LUA_TNONE ? 3 : 0;
    if (fname) policy.check("loadfile", "read", api.readCString(fname));
    const mp = modePtr(allowedMode(full, mode));
    const status = m._luaL_loadfilex(L, fname, mp);
    if (mp) m._free(mp);
    return loadResult(api, L, status, env);
  };

  const dofileK = api.kfunction((L) => api.gettop(L) - 1);
  const dofile = (L: number): number => {
    const fname = fileArg(L, "dofile");
    api.settop(L, 1);
    const mp = modePtr(allowedMode(full, null));
    const status = m._luaL_loadfilex(L, fname, mp);
    if (mp) m._free(mp);
    if (status !== LUA_OK) return m._lua_error(L);
    m._lua_callk(L, 0, LUA_MULTRET, 0, dofileK);
    return api.gettop(L) - 1;
  };

  pushGlobals(api, L);
  for (const [name, fn] of Object.entries({ loadfile, dofile })) {
    pushNative(api, L, fn);
    api.setfield(L, -2, name);
  }
  api.pop(L);
  if (full) return;

  pushGlobals(api, L);
  api.getfield(L, -1, "load");
  const original = api.ref(L);
  api.pop(L);
  const load = (L: number): number => {
    const t = api.type(L, 1);
    const mode = optCString(api, L, 3, "bt");
    if (t === LUA_TSTRING || t === LUA_TNUMBER) {
      optCString(api, L, 2, "");
    } else {
      optCString(api, L, 2, "");
      api.checktype(L, 1, LUA_TFUNCTION);
    }
    if (api.gettop(L) < 3) api.settop(L, 3);
    api.pushstring(L, allowedMode(false, mode)!);
    m._lua_copy(L, -1, 3);
    api.pop(L);
    return callOriginal(api, L, original, api.gettop(L));
  };
  pushGlobals(api, L);
  pushNative(api, L, load);
  api.setfield(L, -2, "load");
  api.pop(L);
}

/** Pushes the global table (whatever `_G` may have been set to). */
export function pushGlobals(api: LuaApi, L: number): void {
  api.rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
}

/** Lua's load_aux: the function (with `env` as its first upvalue), or nil plus the message. */
function loadResult(api: LuaApi, L: number, status: number, env: number): number {
  if (status === LUA_OK) {
    if (env !== 0) {
      api.pushvalue(L, env);
      if (!api.m._lua_setupvalue(L, -2, 1)) api.pop(L);
    }
    return 1;
  }
  api.pushnil(L);
  api.insert(L, -2);
  return 2;
}
