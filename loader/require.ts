/**
 * `require`, `package.path` and the assay searchers (module-loading.md, README item 15).
 * The search is Lua (loader/lua/require.lua) so that a module's top level can call async
 * builtins; this file gives it the host side: `require` itself (a C function around the
 * Lua search), the default `package.path`, probing and reading files under the sandbox's
 * rules, the embedded stdlib, and waiting for a module another task is still loading.
 */
import { accessSync, closeSync, constants, readFileSync } from "node:fs";
import { openChecked, type SyscallPolicy } from "./sandbox/backstop.ts";
import type { BuiltinContext } from "./plugin.ts";
import { LUA_OK, LUA_TFUNCTION, type CFunction, type LuaApi } from "./lua-api.ts";
import { canonicalPath, type Refusal, within } from "./sandbox/policy.ts";
import { loadMode, prepareSource } from "./source.ts";
import { isEmbedded, loadEmbedded, runEmbedded } from "./embedded.ts";

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

/** Why a candidate is refused, as the miss list shows it: `denied '<file>' (<this>)`. */
function deniedNote(why: Refusal): string {
  const grant = why.grant === undefined ? "" : `; grant with ${why.grant}`;
  return `${why.what} access denied by ${why.by}${grant}`;
}

/** Continuation stages of `require` (the lua_KContext of its lua_callk calls). */
const FOUND = 1, LOADED = 2;

/**
 * `require` itself, around require.lua's `find` and `store` (registry references). It is a
 * C function, as in lua5.4, so that when it fails the error is raised from a C frame: the
 * traceback then reads `[C]: in function 'require'` under the caller, with none of the
 * loader's own frames, and the position is the caller's even after a tail call. It calls
 * Lua with lua_callk, so waiting for another task's load and a module's top level may
 * yield; the module's load entry is a to-be-closed slot, so other tasks waiting for the
 * module are told however the loader ends.
 */
function makeRequire(api: LuaApi, find: number, store: number): CFunction {
  const m = api.m;
  const k = api.kfunction((L, _status, stage) => (stage === FOUND ? found(L) : loaded(L)));
  // Stack: name, then find's answer: "fail", message, positioned | "loaded", value |
  // "load", entry, loader, data.
  const found = (L: number): number => {
    const answer = api.tostring(L, 2);
    if (answer === "loaded") {
      api.settop(L, 3);
      return 1;
    }
    if (answer === "fail") return fail(L);
    m._lua_toclose(L, 3);
    api.pushvalue(L, 4);
    api.pushvalue(L, 1);
    api.pushvalue(L, 5);
    m._lua_callk(L, 2, 1, LOADED, k);
    return loaded(L);
  };
  // Stack: name, "load", entry, loader, data, the loader's result.
  const loaded = (L: number): number => {
    api.pushref(L, store);
    api.pushvalue(L, 1);
    api.pushvalue(L, 6);
    api.call(L, 2, 1);
    api.pushvalue(L, 5);
    return 2;
  };
  const fail = (L: number): number => {
    api.pushvalue(L, 3);
    if (api.toboolean(L, 4)) {
      m._luaL_where(L, 1);
      api.insert(L, -2);
      m._lua_concat(L, 2);
    }
    return m._lua_error(L);
  };
  return (L) => {
    api.checkstring(L, 1);
    api.settop(L, 1);
    api.pushref(L, find);
    api.pushvalue(L, 1);
    m._lua_callk(L, 1, 4, FOUND, k);
    return found(L);
  };
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
  const refusal = (path: string): Refusal | null => {
    const why = policy.refusal("read", path);
    if (why === null || full || !why.byProfile) return why;
    scriptRoot ??= canonicalPath(options.scriptDir);
    return within(canonicalPath(path), scriptRoot) ? null : why;
  };

  /** The same rule as the policy the syscalls ask, for opening the very file that was judged. */
  const readPolicy: SyscallPolicy = {
    allows: (cap, target) => cap === "read" && refusal(target) === null,
    unrestricted: (cap) => cap === "read" && policy.unrestricted("read"),
  };

  const waiters = new Map<string, Set<() => void>>();

  const helpers: Record<string, (L: number) => number> = {
    // probe(path) -> true (readable) | false (not there) | why the sandbox refuses it. The
    // policy is asked first, and a refused file is never looked at: whether it exists must
    // not show.
    probe: (L) => {
      const path = api.checkstring(L, 1);
      const why = refusal(path);
      if (why === null) api.pushboolean(L, readable(path));
      else api.pushstring(L, deniedNote(why));
      return 1;
    },
    // loadfile(path) -> function | nil, message
    loadfile: (L) => {
      const path = api.checkstring(L, 1);
      let bytes: Uint8Array;
      try {
        // The file read is the one the policy judged: opened on the resolved path, without
        // following a symlink swapped in since the probe.
        const fd = openChecked(readPolicy, Buffer.from(path), constants.O_RDONLY, 0);
        try {
          bytes = readFileSync(fd);
        } finally {
          closeSync(fd);
        }
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
      const path = "stdlib/" + api.checkstring(L, 1);
      if (!isEmbedded(path)) return 0;
      if (loadEmbedded(api, L, path) === LUA_OK) return 1;
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
    // require(find, store) -> the `require` function (see makeRequire).
    require: (L) => {
      api.checktype(L, 1, LUA_TFUNCTION);
      api.checktype(L, 2, LUA_TFUNCTION);
      api.settop(L, 2);
      const store = api.ref(L);
      const find = api.ref(L);
      api.pushfunction(L, makeRequire(api, find, store));
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
