/**
 * The chunk names of embedded Lua, which error messages and tracebacks show: the loader's own
 * chunks as `[assay loader/lua/require.lua]`, stdlib modules as `assay/<file>` (builtins.md
 * §0.2 names them so). Shared by the build (which compiles them) and the runtime.
 *
 * @example
 * ```ts
 * embeddedChunkName("stdlib/inspect.lua"); // "@assay/inspect.lua"
 * ```
 */
export function embeddedChunkName(path: string): string {
  return path.startsWith("stdlib/") ? "@assay/" + path.slice("stdlib/".length) : `=[assay ${path}]`;
}
