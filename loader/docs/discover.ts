/**
 * Module discovery for `assay modules` and `assay context` (module-loading.md §5, with the
 * search order of spec README item 15): `./modules/*.lua` (project), each `ASSAY_LIB_PATH`
 * directory (lib), `$ASSAY_MODULES_PATH` or `~/.assay/modules` (global), the embedded stdlib's
 * top-level files and the native builtins (builtin). Only `*.lua` files directly inside a
 * directory count, and (beyond the reference, which misses them) `<name>/init.lua`, which
 * `require("assay.<name>")` loads when there is no `<name>.lua`; a missing directory is
 * skipped. When names collide the first source wins, as `require` would find it; the list
 * comes back sorted by name in byte order.
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

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * The modules directly inside `dir` (relative to `cwd`) as [module stem, file relative to
 * dir]: `x.lua`, or `x/init.lua` when there is no `x.lua`. None when `dir` is missing.
 */
function luaFiles(cwd: string, dir: string): [string, string][] {
  let names: string[];
  try {
    names = readdirSync(resolve(cwd, dir));
  } catch {
    return [];
  }
  const found = new Map<string, string>();
  for (const name of names.sort()) {
    if (name.endsWith(".lua") && name !== ".lua" && isFile(resolve(cwd, dir, name))) found.set(name.slice(0, -4), name);
  }
  for (const name of names) {
    if (!found.has(name) && !name.includes(".") && isFile(resolve(cwd, dir, name, "init.lua"))) found.set(name, `${name}/init.lua`);
  }
  return [...found];
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
    for (const [stem, file] of luaFiles(options.cwd, dir)) {
      const path = dir === "/" ? `/${file}` : `${dir}/${file}`;
      let text: string;
      try {
        text = readFileSync(resolve(options.cwd, path), "utf8");
      } catch {
        continue; // unreadable: require could not load it either
      }
      add(fromSource(`assay.${stem}`, source, text, path));
    }
  }
  // `x.lua` sorts before `x/init.lua`, so the flat file wins as it does in require.
  for (const [path, text] of Object.entries(options.embedded).sort(([a], [b]) => byteOrder(a, b))) {
    const m = /^stdlib\/([^/]+)(?:\.lua|\/init\.lua)$/.exec(path);
    if (m) add(fromSource(`assay.${m[1]}`, "builtin", text));
  }
  for (const doc of builtinModules(options.builtins)) add(doc);
  return [...found.values()].sort((a, b) => byteOrder(a.name, b.name));
}
