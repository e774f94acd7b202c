/**
 * `require`, `package.path` and the assay searchers (module-loading.md, README item 15).
 * `require` itself is Lua (loader/lua/require.lua) so that a module's top level can call
 * async builtins; this file gives it the host side: the default `package.path`, probing and
 * reading files under the sandbox's rules, the embedded stdlib, and waiting for a module
 * another task is still loading.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import type { BuiltinContext } from "./plugin.ts";
import { LUA_OK, type LuaApi } from "./lua-api.ts";
import { canonicalPath } from "./sandbox/policy.ts";
import { loadMode, prepareSource } from "./run.ts";
import { runEmbedded } from "./vm.ts";
import { EMBEDDED } from "../stdlib/embedded.gen.ts";

export interface RequireOptions {
  /** Directory of the script (`.` for inline code): first in `package.path`, and the one
   * directory `restricted`/`pure` let `require` read. */
  scriptDir: string;
  /** An embedder's fixed global module directory, replacing `$ASSAY_MODULES_PATH` and
   * `~/.assay/modules`. */
  globalModulesPath?: string;
}

/** How long a task waiting for another task's module load sleeps before looking again,
 * in case that load died without anyone closing its coroutine. */
const WAIT_RECHECK_MS = 50;

/** `<dir>/?.lua;<dir>/?/init.lua` for the script's directory, then the same for `./`. */
export function defaultLuaPath(scriptDir: string): string {
  const local = "./?.lua;./?/init.lua";
  const dir = scriptDir.replace(/\/+$/, "") || (scriptDir.startsWith("/") ? "/" : "");
  if (dir === "" || dir === ".") return local;
  const prefix = dir === "/" ? "/" : dir + "/";
  return `${prefix}?.lua;${prefix}?/init.lua;${local}`;
}

/**
 * The path `lua5.4` would set from `LUA_PATH_5_4` (or else `LUA_PATH`): the variable as it
 * is, with its first `;;` replaced by the default path.
 */
export function luaPathFrom(env: string | undefined, dflt: string): string {
  if (env === undefined) return dflt;
  const mark = env.indexOf(";;");
  if (mark < 0) return env;
  const prefix = env.slice(0, mark);
  const suffix = env.slice(mark + 2);
  return (prefix ? prefix + ";" : "") + dflt + (suffix ? ";" + suffix : "");
}

/** strerror texts for the failures reading a module can meet (musl's wording). */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Symbolic link loop",
  ENAMETOOLONG: "Filename too long",
  EMFILE: "No file descriptors available",
  EIO: "I/O error",
};

function strerror(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code && STRERROR[code]) ?? (e instanceof Error ? e.message : String(e));
}

function readable(path: string): boolean {
  if (path === "" || path.includes("\0")) return false;
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}

/**
 * Loads source bytes as `luaL_loadfilex` would after opening the file: BOM and `#` line
 * skipped (the line still counted), and a binary chunk after a `#` line taken as binary.
 */
function loadChunk(api: LuaApi, L: number, bytes: Uint8Array, chunkname: string, mode: string): number {
  let source = prepareSource(bytes);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes[start] === 0x23 && source[1] === 0x1b) source = source.subarray(1);
  return api.load(L, source, chunkname, mode);
}

/** Replaces `require` and `package.searchpath`, fills `package.searchers` and sets `package.path`. */
export function installRequire(ctx: BuiltinContext, options: RequireOptions): void {
  const { api, L, policy, vars, scheduler } = ctx;
  const full = policy.profile === "full";
  const mode = loadMode(policy.profile);
  let scriptRoot: string | undefined;

  // Whether reading `path` for require is allowed, or why not. Outside `full` the script's
  // own directory is always readable (on the symlink-resolved path), unless a --deny-read
  // flag covers it; everything else is up to the policy's read rules.
  const denial = (fn: string, path: string): string | null => {
    const why = policy.denial("read", path);
    if (why === null) return null;
    // Only a refusal by the profile itself yields to the script-directory rule; the policy
    // words a --deny-* refusal differently ("denied by --deny-read..."), and that one wins.
    if (!full && why.includes("denied by sandbox profile")) {
      scriptRoot ??= canonicalPath(options.scriptDir);
      if (within(canonicalPath(path), scriptRoot)) return null;
    }
    return `${fn}: ${why}`;
  };

  const waiters = new Map<string, Set<() => void>>();

  const helpers: Record<string, (L: number) => number> = {
    // probe(path, fn) -> true | false | denial message
    probe: (L) => {
      const path = api.checkstring(L, 1);
      const fn = api.checkstring(L, 2);
      if (!readable(path)) {
        api.pushboolean(L, false);
        return 1;
      }
      const why = denial(fn, path);
      if (why === null) api.pushboolean(L, true);
      else api.pushstring(L, why);
      return 1;
    },
    // exists(path) -> boolean, with no sandbox check: the C searchers only list files.
    exists: (L) => {
      api.pushboolean(L, readable(api.checkstring(L, 1)));
      return 1;
    },
    // loadfile(path) -> function | nil, message
    loadfile: (L) => {
      const path = api.checkstring(L, 1);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch (e) {
        const what = (e as { code?: string }).code === "EISDIR" ? "read" : "open";
        api.pushnil(L);
        api.pushstring(L, `cannot ${what} ${path}: ${strerror(e)}`);
        return 2;
      }
      if (loadChunk(api, L, bytes, "@" + path, mode) === LUA_OK) return 1;
      api.pushnil(L);
      api.insert(L, -2);
      return 2;
    },
    // embedded(candidate) -> function | nil (absent) | false, message
    embedded: (L) => {
      const candidate = api.checkstring(L, 1);
      const source = EMBEDDED["stdlib/" + candidate];
      if (source === undefined) return 0;
      const bytes = new TextEncoder().encode(source);
      if (loadChunk(api, L, bytes, "@assay/" + candidate, "t") === LUA_OK) return 1;
      api.pushboolean(L, false);
      api.insert(L, -2);
      return 2;
    },
    env: (L) => {
      const value = vars.get(api.checkstring(L, 1));
      if (value === undefined) api.pushnil(L);
      else api.pushstring(L, value);
      return 1;
    },
    // wait(name): until the task loading `name` finishes (or a short while passes).
    wait: (L) => {
      const name = api.checkstring(L, 1);
      return scheduler.suspend(
        L,
        new Promise((resolve) => {
          const set = waiters.get(name) ?? new Set();
          waiters.set(name, set);
          const wake = () => {
            clearTimeout(timer);
            set.delete(wake);
            if (set.size === 0 && waiters.get(name) === set) waiters.delete(name);
            resolve(() => 0);
          };
          const timer = setTimeout(wake, WAIT_RECHECK_MS);
          set.add(wake);
        }),
      );
    },
    // where(level): luaL_where, but empty inside the loader's own Lua (see require.lua).
    where: (L) => {
      api.m._luaL_where(L, Number(api.checkinteger(L, 1)));
      if (api.tostring(L, -1)?.startsWith("[assay loader/lua/")) api.pushstring(L, "");
      return 1;
    },
    notify: (L) => {
      const set = waiters.get(api.checkstring(L, 1));
      if (set) for (const wake of [...set]) wake();
      return 0;
    },
  };

  api.getglobal(L, "package");
  api.pushstring(L, luaPathFrom(vars.get("LUA_PATH_5_4") ?? vars.get("LUA_PATH"), defaultLuaPath(options.scriptDir)));
  api.setfield(L, -2, "path");
  api.pop(L);

  runEmbedded(api, L, "loader/lua/require.lua", () => {
    api.newtable(L);
    api.setfuncs(L, -1, helpers);
    api.pushboolean(L, full);
    api.setfield(L, -2, "full");
    if (options.globalModulesPath !== undefined) {
      api.pushstring(L, options.globalModulesPath);
      api.setfield(L, -2, "global_dir");
    }
    scheduler.pushTaskSet(L);
    return 2;
  });
}
