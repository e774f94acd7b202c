/**
 * The `.luarc.json` that makes lua-language-server read the files of `assay types`: the
 * types directory in `workspace.library` and `runtime.version` "Lua 5.4". An existing file is
 * merged into, never replaced: other settings stay, the directory is added once (to the
 * nested `workspace.library` when the file uses the nested form, else to the dotted key), and
 * `runtime.version` is set only when the file sets none. A file that is not a JSON object
 * (comments included, which the language server accepts but JSON does not) is refused with
 * what to add by hand, rather than rewritten.
 *
 * @example
 * ```ts
 * mergeLuarc(undefined, ".assay/types").text;
 * // '{\n  "$schema": "...",\n  "runtime.version": "Lua 5.4",\n  "workspace.library": [\n    ".assay/types"\n  ]\n}\n'
 * mergeLuarc('{"workspace.library": [".assay/types"]}', ".assay/types").changed; // false
 * ```
 */

const SCHEMA = "https://raw.githubusercontent.com/LuaLS/vscode-lua/master/setting/schema.json";

/** An existing `.luarc.json` that cannot be merged into. */
export class LuarcError extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The merged text and whether it differs from what was there. */
export function mergeLuarc(existing: string | undefined, library: string): { text: string; changed: boolean } {
  const manual = `add "${library}" to its "workspace.library" yourself`;
  let config: Json;
  if (existing === undefined || existing.trim() === "") {
    config = { $schema: SCHEMA, "runtime.version": "Lua 5.4", "workspace.library": [] };
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (e) {
      throw new LuarcError(`it is not plain JSON (${(e as Error).message}); ${manual}`);
    }
    if (!isObject(parsed)) throw new LuarcError(`it is not a JSON object; ${manual}`);
    config = parsed;
  }
  const before = JSON.stringify(config);
  // The nested form when the file already uses it, else the dotted key.
  const workspace = config.workspace;
  const nested = isObject(workspace) && !("workspace.library" in config);
  const holder: Json = nested ? workspace : config;
  const key = nested ? "library" : "workspace.library";
  const paths = holder[key] ??= [];
  if (!Array.isArray(paths) || !paths.every((x) => typeof x === "string")) {
    throw new LuarcError(`its workspace.library is not a list of paths; ${manual}`);
  }
  if (!paths.includes(library)) paths.push(library);
  const runtime = config.runtime;
  if (!("runtime.version" in config) && !(isObject(runtime) && "version" in runtime)) {
    if (isObject(runtime)) runtime.version = "Lua 5.4";
    else config["runtime.version"] = "Lua 5.4";
  }
  const changed = existing === undefined || JSON.stringify(config) !== before;
  return { text: JSON.stringify(config, null, 2) + "\n", changed };
}
