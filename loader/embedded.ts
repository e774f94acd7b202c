/**
 * Lua chunks embedded in the binary: the loader's own (loader/lua/*.lua, run at VM set-up)
 * and the `assay.*` stdlib (loaded by `require`). They load from the bytecode the build made
 * (loader/bytecode.ts), which is several times faster than parsing; the source is the fallback.
 *
 * @example
 * ```ts
 * runEmbedded(api, L, "loader/lua/require.lua", () => 0);
 * ```
 */
import { LUA_OK, type LuaApi } from "./lua-api.ts";
import { EMBEDDED, EMBEDDED_BYTECODE } from "../stdlib/embedded.gen.ts";
import { embeddedChunkName } from "./embedded-names.ts";

const decoded = new Map<string, Uint8Array>();

/** Whether the binary carries a chunk at this repository path (`stdlib/inspect.lua`). */
export function isEmbedded(path: string): boolean {
  return EMBEDDED[path] !== undefined;
}

/**
 * Loads the embedded chunk at `path` as a function on the stack (or the error message); returns
 * Lua's load status. Its chunk name is `embeddedChunkName(path)`.
 */
export function loadEmbedded(api: LuaApi, L: number, path: string): number {
  const name = embeddedChunkName(path);
  let code = decoded.get(path);
  if (!code && EMBEDDED_BYTECODE[path] !== undefined) {
    code = new Uint8Array(Buffer.from(EMBEDDED_BYTECODE[path], "base64"));
    decoded.set(path, code);
  }
  if (code) {
    const status = api.load(L, code, name, "b");
    if (status === LUA_OK) return status;
    api.pop(L); // bytecode from another Lua build: parse the source instead
    decoded.delete(path);
  }
  const source = EMBEDDED[path];
  if (source === undefined) throw new Error(`embedded chunk missing: ${path}`);
  return api.load(L, new TextEncoder().encode(source), name, "t");
}

/** Runs an embedded chunk with the values pushed by `pushArgs`; a failure is the runtime's bug. */
export function runEmbedded(api: LuaApi, L: number, path: string, pushArgs: () => number): void {
  if (loadEmbedded(api, L, path) !== LUA_OK) throw new Error(`loading ${path}: ${api.tostring(L, -1)}`);
  const nargs = pushArgs();
  if (api.pcall(L, nargs, 0) !== LUA_OK) {
    const msg = api.tostring(L, -1);
    api.pop(L);
    throw new Error(`running ${path}: ${msg}`);
  }
}
