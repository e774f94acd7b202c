/**
 * Module discovery for `assay modules` and `assay context` (module-loading.md §5, with the
 * search order of spec README item 15): `./modules/*.lua` (project), each `ASSAY_LIB_PATH`
 * directory (lib), `$ASSAY_MODULES_PATH` or `~/.assay/modules` (global), the embedded stdlib's
 * top-level files and the native builtins (builtin). Only `*.lua` files directly inside a
 * directory count; a missing directory is skipped. When names collide the first source wins,
 * as `require` would find it; the list comes back sorted by name in byte order.
 *
 * @example
 * ```ts
 * const mods = discoverModules({ cwd: ".", env: process.env, embedded: EMBEDDED, builtins: builtins() });
 * mods.map((m) => `${m.name} ${m.source}`); // ["assay.inspect builtin", "async builtin", ...]
 * ```
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Builtin } from "../plugin.ts";
import { parseLdoc } from "./ldoc.ts";
import type { ModuleDoc, ModuleSource } from "./module-doc.ts";
import { builtinModules } from "./builtin-docs.ts";

export interface DiscoveryOptions {
  /** The directory `./modules` is relative to. */
  cwd: string;
  /** Where `ASSAY_LIB_PATH`, `ASSAY_MODULES_PATH` and `HOME` are read. */
  env: Record<string, string | undefined>;
  /** The embedded Lua sources by repository path (`stdlib/inspect.lua`). */
  embedded: Record<string, string>;
  builtins: Builtin[];
}

/** The module directories in search order, as `require` reads them (loader/lua/require.lua). */
export function moduleDirectories(env: Record<string, string | undefined>): { dir: string; source: ModuleSource }[] {
  const dirs: { dir: string; source: ModuleSource }[] = [{ dir: "./modules", source: "project" }];
  for (const dir of (env.ASSAY_LIB_PATH ?? "").split(":")) if (dir) dirs.push({ dir: trimDir(dir), source: "lib" });
  const global = env.ASSAY_MODULES_PATH || (env.HOME ? join(trimDir(env.HOME), ".assay/modules") : undefined);
  if (global) dirs.push({ dir: trimDir(global), source: "global" });
  return dirs;
}

function trimDir(dir: string): string {
  return dir.replace(/\/+$/, "") || "/";
}

/** The `*.lua` files directly inside `dir` (relative to `cwd`), sorted; none when it is missing. */
function luaFiles(cwd: string, dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(resolve(cwd, dir));
  } catch {
    return [];
  }
  return names.filter((name) => {
    if (!name.endsWith(".lua") || name === ".lua") return false;
    try {
      return statSync(resolve(cwd, dir, name)).isFile();
    } catch {
      return false;
    }
  }).sort();
}

function fromSource(name: string, source: ModuleSource, text: string, path?: string): ModuleDoc {
  const meta = parseLdoc(text);
  return { name, source, description: meta.description, keywords: meta.keywords, env: meta.env, quickref: meta.quickref, functions: meta.functions, path };
}

/** Plain byte order of the UTF-8 names (cli.md §5). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every discoverable module, duplicates removed (first source wins), sorted by name. */
export function discoverModules(options: DiscoveryOptions): ModuleDoc[] {
  const found = new Map<string, ModuleDoc>();
  const add = (doc: ModuleDoc) => {
    if (!found.has(doc.name)) found.set(doc.name, doc);
  };
  for (const { dir, source } of moduleDirectories(options.env)) {
    for (const file of luaFiles(options.cwd, dir)) {
      const path = dir === "/" ? `/${file}` : `${dir}/${file}`;
      let text: string;
      try {
        text = readFileSync(resolve(options.cwd, path), "utf8");
      } catch {
        continue; // unreadable: require could not load it either
      }
      add(fromSource(`assay.${file.slice(0, -4)}`, source, text, path));
    }
  }
  for (const [path, text] of Object.entries(options.embedded).sort(([a], [b]) => byteOrder(a, b))) {
    const m = /^stdlib\/([^/]+)\.lua$/.exec(path);
    if (m) add(fromSource(`assay.${m[1]}`, "builtin", text));
  }
  for (const doc of builtinModules(options.builtins)) add(doc);
  return [...found.values()].sort((a, b) => byteOrder(a.name, b.name));
}
