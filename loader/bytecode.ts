/**
 * Lua bytecode of the chunks the binary embeds (the loader's Lua and the `assay.*` stdlib),
 * made at build time by the same wasm Lua that runs them: parsing `require`'s 300 lines in a
 * cold process took ~5 ms of every start-up, loading its bytecode a fraction of that. Debug
 * information is kept, so errors and tracebacks name the same lines.
 *
 * @example
 * ```ts
 * const code = await compileChunks({ "loader/lua/require.lua": { source, chunkname: "=[assay loader/lua/require.lua]" } });
 * ```
 */
import { LUA_OK, LuaApi } from "./lua-api.ts";
import { compiledLua, instantiateLua } from "./wasm.ts";
import { wasmLocation } from "./host.ts";
import { concatBytes } from "./bytes.ts";

/** The bytecode of the Lua function on top of the stack (`lua_dump`, debug info kept). */
export function dumpFunction(api: LuaApi, L: number): Uint8Array {
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
  return concatBytes(chunks);
}

/** Compiles each source (under its chunk name) to bytecode; a syntax error fails the build. */
export async function compileChunks(
  chunks: Record<string, { source: string; chunkname: string }>,
): Promise<Record<string, Uint8Array>> {
  const m = instantiateLua(await compiledLua(wasmLocation()), {
    exit: (code) => {
      throw new Error(`exit ${code} while compiling chunks`);
    },
    environ: () => ({}),
  });
  const api = new LuaApi(m);
  const L = m._luaL_newstate();
  const out: Record<string, Uint8Array> = {};
  for (const [path, { source, chunkname }] of Object.entries(chunks)) {
    if (api.load(L, new TextEncoder().encode(source), chunkname, "t") !== LUA_OK) {
      throw new Error(`compiling ${path}: ${api.tostring(L, -1)}`);
    }
    out[path] = dumpFunction(api, L);
    api.settop(L, 0);
  }
  m._lua_close(L);
  return out;
}
