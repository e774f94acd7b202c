/**
 * Runs the loader's own Lua chunks (loader/lua/*.lua, embedded at build time like the
 * stdlib) at VM set-up.
 *
 * @example
 * ```ts
 * runEmbedded(api, L, "loader/lua/require.lua", () => 0);
 * ```
 */
import { LUA_OK, type LuaApi } from "./lua-api.ts";
import { EMBEDDED } from "../stdlib/embedded.gen.ts";

/**
 * Compiled chunks by path: the first VM of a process parses the source, later ones load the
 * bytecode, which is several times faster (every fresh VM pays for this; check mode makes one
 * per attempt).
 */
const bytecode = new Map<string, Uint8Array>();

/** Runs an embedded chunk with the values pushed by `pushArgs`; a failure is the runtime's bug. */
export function runEmbedded(api: LuaApi, L: number, path: string, pushArgs: () => number): void {
  const name = `=[assay ${path}]`;
  const compiled = bytecode.get(path);
  if (compiled) {
    if (api.load(L, compiled, name, "b") !== LUA_OK) throw new Error(`loading ${path}: ${api.tostring(L, -1)}`);
  } else {
    const source = EMBEDDED[path];
    if (source === undefined) throw new Error(`embedded chunk missing: ${path}`);
    if (api.load(L, new TextEncoder().encode(source), name, "t") !== LUA_OK) {
      throw new Error(`loading ${path}: ${api.tostring(L, -1)}`);
    }
    bytecode.set(path, dumpFunction(api, L));
  }
  const nargs = pushArgs();
  if (api.pcall(L, nargs, 0) !== LUA_OK) {
    const msg = api.tostring(L, -1);
    api.pop(L);
    throw new Error(`running ${path}: ${msg}`);
  }
}

/** The bytecode of the Lua function on top of the stack (`lua_dump`, debug info kept). */
function dumpFunction(api: LuaApi, L: number): Uint8Array {
  const m = api.m;
  const chunks: Uint8Array[] = [];
  const writer = m.addFunction((_L: number, p: number, size: number, _ud: number) => {
    chunks.push(m.HEAPU8.slice(p, p + size));
    return 0;
  }, "iiiii");
  try {
    m._lua_dump(L, writer, 0, 0);
  } finally {
    m.removeFunction(writer);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
