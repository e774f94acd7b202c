/**
 * `fs` (builtins.md §6): files and directories through the policy-checked host, every call off
 * the Lua thread (other tasks run meanwhile). Contents are bytes end to end (`fs.read` returns
 * any bytes, not only UTF-8: spec README §0 item 8). Paths must be UTF-8 (the host runtime
 * cannot pass other bytes through); names that are not come back from listings with U+FFFD.
 *
 * | function | |
 * |---|---|
 * | `fs.read(path) -> string` | the whole file (any bytes); past the heap limit a catchable `not enough memory` |
 * | `fs.read_bytes(path) -> string` | the same |
 * | `fs.write(path, content)` | creates missing parent directories; replaces the file without ever losing the old contents |
 * | `fs.write_bytes(path, data)` | the same |
 * | `fs.remove(path)` | a file, a symlink (not its target) or a directory recursively |
 * | `fs.list(path) -> {{name=, type=}, ...}` | direct entries in OS order; type `file`, `directory` or `symlink` |
 * | `fs.readdir(path, opts?) -> {{path=, type=}, ...}` | recursive pre-order, paths relative to `path`; `opts.depth` limits it |
 * | `fs.stat(path) -> {size, is_file, is_dir, is_symlink, modified?, created?}` | symlinks followed except for `is_symlink` |
 * | `fs.mkdir(path)` | like `mkdir -p` |
 * | `fs.exists(path) -> boolean` | symlinks followed; only a sandbox denial raises |
 * | `fs.copy(src, dst) -> bytes` | contents and permissions; no parent directories made |
 * | `fs.rename(src, dst)` | atomic within a file system |
 * | `fs.glob(pattern) -> {path, ...}` | `*`, `?`, `[...]`, `**`; sorted within each directory |
 * | `fs.tempdir() -> path` | a new `<tmp>/assay-<hex nanos>-<n>` directory (mode 0700) |
 * | `fs.chmod(path, mode)` | `mode` an integer (`tonumber("755", 8)`); a decimal string is read as decimal |
 */
import { dirname } from "node:path";
import { tmpdir } from "node:os";
import { type BuiltinContext, type Call, type FunctionDecl, registerBuiltin, type ReturnDecl } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { float } from "../loader/bridge/values.ts";
import type { ArgSpec } from "../loader/bridge/args.ts";
import type { DirEntry } from "../loader/host-files.ts";
import { errorCode, fileError, quoted } from "../loader/os-error.ts";
import { glob, PatternError } from "./fs/glob.ts";
import { pathText, typeName } from "./fs/paths.ts";
import { walkTree } from "./fs/walk.ts";

const PATH: ArgSpec = { name: "path", type: "bytes", expect: "a path string" };

function decl(
  signature: string,
  description: string,
  args: ArgSpec[],
  capabilities: ("read" | "write")[],
  returns: ReturnDecl[] = [],
): FunctionDecl {
  return { signature, description, args, returns, capabilities, profiles: ["restricted"], async: true };
}

const read = ["read"] as ("read" | "write")[];
const write = ["write"] as ("read" | "write")[];
const STRING: ReturnDecl[] = [{ type: "string" }];

registerBuiltin({
  name: "fs",
  description: "Read, write, list and manage files and directories",
  keywords: ["file", "files", "directory", "folder", "path", "read", "write", "glob", "mkdir", "copy", "rename", "stat", "chmod", "tempdir"],
  example: 'fs.write("out/config.yaml", yaml.encode(cfg)) -- creates out/, never leaves a half-written file',
  functions: {
    read: decl("fs.read(path) -> string", "Read a whole file (any bytes)", [PATH], read, STRING),
    read_bytes: decl("fs.read_bytes(path) -> string", "Read a whole file as raw bytes", [PATH], read, STRING),
    write: decl(
      "fs.write(path, content)",
      "Write a file, creating missing parent directories; the old contents survive a failed write",
      [PATH, { name: "content", type: "bytes" }],
      write,
    ),
    write_bytes: decl(
      "fs.write_bytes(path, data)",
      "Write raw bytes to a file, creating missing parent directories",
      [PATH, { name: "data", type: "bytes" }],
      write,
    ),
    remove: decl("fs.remove(path)", "Remove a file, a symlink (not its target) or a directory recursively", [PATH], write),
    list: decl("fs.list(path) -> {{name=, type=}, ...}", "The direct entries of a directory, in the OS's order", [PATH], read, [
      { type: "fs.Entry[]" },
    ]),
    readdir: decl(
      "fs.readdir(path, opts?) -> {{path=, type=}, ...}",
      "Every entry below a directory, pre-order, paths relative to it; opts.depth limits the depth",
      [PATH, {
        name: "opts",
        type: "options",
        optional: true,
        luaType: "fs.ReaddirOptions",
        fields: { depth: { name: "depth", type: "number", optional: true, description: "levels below path (1: direct entries only; default: all)" } },
      }],
      read,
      [{ type: "fs.TreeEntry[]" }],
    ),
    stat: decl(
      "fs.stat(path) -> {size, is_file, is_dir, is_symlink, modified?, created?}",
      "Size, kind and times of a file (symlinks followed, except for is_symlink)",
      [PATH],
      read,
      [{ type: "fs.Stat" }],
    ),
    mkdir: decl("fs.mkdir(path)", "Create a directory and any missing parents (like mkdir -p)", [PATH], write),
    exists: decl("fs.exists(path) -> boolean", "Whether a path exists (symlinks followed, so a broken link is false)", [PATH], read, [
      { type: "boolean" },
    ]),
    copy: decl(
      "fs.copy(src, dst) -> integer",
      "Copy a file's contents and permissions; returns the number of bytes copied",
      [{ ...PATH, name: "src" }, { ...PATH, name: "dst" }],
      ["read", "write"],
      [{ type: "integer", description: "bytes copied" }],
    ),
    rename: decl("fs.rename(src, dst)", "Rename or move a file or directory (atomic within a file system)", [
      { ...PATH, name: "src" },
      { ...PATH, name: "dst" },
    ], write),
    glob: decl(
      "fs.glob(pattern) -> {path, ...}",
      "Paths matching a pattern with *, ?, [...] and ** (recursive), sorted within each directory",
      [{ name: "pattern", type: "bytes", expect: "a pattern string" }],
      read,
      [{ type: "string[]" }],
    ),
    tempdir: decl("fs.tempdir() -> string", "Create a new private directory under the system temporary directory", [], write, [
      { type: "string", description: "its path" },
    ]),
    chmod: decl(
      "fs.chmod(path, mode)",
      "Set a file's permission bits; mode is an integer such as tonumber(\"755\", 8)",
      [PATH, { name: "mode", type: ["integer", "text"], strict: true, expect: "an integer" }],
      write,
    ),
  },
  classes: {
    "fs.Entry": {
      description: "One entry of fs.list",
      fields: { name: { type: "string" }, type: { type: '"file"|"directory"|"symlink"' } },
    },
    "fs.TreeEntry": {
      description: "One entry of fs.readdir, its path relative to the directory listed",
      fields: { path: { type: "string" }, type: { type: '"file"|"directory"|"symlink"' } },
    },
    "fs.Stat": {
      description: "What fs.stat returns",
      fields: {
        size: { type: "integer", description: "bytes" },
        is_file: { type: "boolean" },
        is_dir: { type: "boolean" },
        is_symlink: { type: "boolean", description: "the path itself is a symlink" },
        modified: { type: "number", optional: true, description: "Unix time of the last change" },
        created: { type: "number", optional: true, description: "Unix time of creation, where the file system keeps it" },
      },
    },
  },
  install: (ctx) => installFs(ctx),
});

/** `fs.chmod`'s mode: an integer, or a string Lua would convert to one (`"755"` is decimal 755). */
function modeOf(mode: number | string): number {
  let n = mode as number;
  if (typeof mode === "string") {
    n = /^\s*[-+]?0[bo]/i.test(mode) || mode.trim() === "" ? NaN : Number(mode);
    if (!Number.isInteger(n)) throw new LuaError("fs.chmod: second argument must be an integer");
  }
  if (n < 0 || n > 0o7777) throw new LuaError(`fs.chmod: invalid mode ${n} (permission bits go from 0 to 0o7777, 4095)`);
  return n;
}

function installFs(ctx: BuiltinContext) {
  const { host, heap } = ctx;

  const readFile = (fn: string) => async ([raw]: [Uint8Array], call: Call) => {
    const path = pathText(fn, raw);
    let charged = 0;
    // Charged while the buffer is held, so a file past the heap limit is refused before it is
    // read; released before the push, which charges Lua's own copy.
    const reserve = (bytes: number) => {
      if (!heap.charge(bytes)) throw new LuaError(`${fn}: failed to read ${quoted(path)}: not enough memory`);
      charged += bytes;
    };
    try {
      return await host.readFile(fn, path, call.signal, reserve);
    } catch (e) {
      throw fileError(fn, "failed to read", path, e);
    } finally {
      heap.release(charged);
    }
  };

  const writeFile = (fn: string) => async ([raw, data]: [Uint8Array, Uint8Array], call: Call) => {
    const path = pathText(fn, raw);
    try {
      await host.writeFile(fn, path, data, call.signal);
      return;
    } catch (e) {
      const parent = dirname(path);
      // A missing parent (ENOENT), or a file where a parent should be (ENOTDIR, which mkdir -p
      // reports as the reference does).
      const parentTrouble = errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR";
      if (!parentTrouble || parent === "." || parent === path) throw fileError(fn, "failed to write", path, e);
    }
    // Parents are made only when missing: a grant for the file alone must still let it be written.
    try {
      await host.mkdir(fn, dirname(path));
    } catch (e) {
      throw fileError(fn, "failed to create directories for", path, e);
    }
    try {
      await host.writeFile(fn, path, data, call.signal);
    } catch (e) {
      throw fileError(fn, "failed to write", path, e);
    }
  };

  /** Runs `work`, wording its failure as `<fn>: <what> "<path>": <error>`. */
  const attempt = async <T>(fn: string, what: string, path: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw fileError(fn, what, path, e);
    }
  };

  const readdir = async ([raw, opts]: [Uint8Array, { depth?: number } | undefined]) => {
    const path = pathText("fs.readdir", raw);
    const max = opts?.depth;
    if (max !== undefined && !(Number.isInteger(max) && max >= 0)) {
      throw new LuaError(`fs.readdir: opts.depth must be a non-negative integer, got ${max}`);
    }
    const entries = await walkTree(host, "fs.readdir", path, max);
    return entries.map((e) => ({ path: e.rel, type: typeName(e.kind) }));
  };

  const stat = async ([raw]: [Uint8Array]) => {
    const path = pathText("fs.stat", raw);
    const st = await attempt("fs.stat", "failed to stat", path, () => host.stat("fs.stat", path));
    let isSymlink = false;
    try {
      isSymlink = (await host.lstat("fs.stat", path)).isSymbolicLink();
    } catch (e) {
      if (e instanceof LuaError) throw e;
    }
    const info: Record<string, unknown> = { size: st.size, is_file: st.isFile(), is_dir: st.isDirectory(), is_symlink: isSymlink };
    if (Number.isFinite(st.mtimeMs)) info.modified = float(st.mtimeMs / 1000);
    // Where the file system keeps no birth time, stat reports 0 (or nothing).
    if (Number.isFinite(st.birthtimeMs) && st.birthtimeMs > 0) info.created = float(st.birthtimeMs / 1000);
    return info;
  };

  const globImpl = async ([raw]: [Uint8Array]) => {
    const pattern = pathText("fs.glob", raw, "pattern");
    const fn = "fs.glob";
    try {
      return await glob(pattern, {
        list: (dir) => attempt(fn, "failed to read", dir, () => host.list(fn, dir)),
        exists: async (path) => {
          try {
            await host.lstat(fn, path);
            return true;
          } catch (e) {
            if (e instanceof LuaError) throw e;
            return false;
          }
        },
        isDir: async (path) => {
          try {
            return (await host.stat(fn, path)).isDirectory();
          } catch (e) {
            if (e instanceof LuaError) throw e;
            return false;
          }
        },
      });
    } catch (e) {
      if (e instanceof PatternError) throw new LuaError(`fs.glob: invalid pattern ${quoted(pattern)}: ${e.message}`);
      throw e;
    }
  };

  return {
    read: readFile("fs.read"),
    read_bytes: readFile("fs.read_bytes"),
    write: writeFile("fs.write"),
    write_bytes: writeFile("fs.write_bytes"),
    remove: ([raw]: [Uint8Array]) => {
      const path = pathText("fs.remove", raw);
      return attempt("fs.remove", "failed to remove", path, () => host.remove("fs.remove", path));
    },
    list: async ([raw]: [Uint8Array]) => {
      const path = pathText("fs.list", raw);
      const entries: DirEntry[] = await attempt("fs.list", "failed to list", path, () => host.list("fs.list", path));
      return entries.map((e) => ({ name: e.name, type: typeName(e.kind) }));
    },
    readdir,
    stat,
    mkdir: ([raw]: [Uint8Array]) => {
      const path = pathText("fs.mkdir", raw);
      return attempt("fs.mkdir", "failed to create", path, () => host.mkdir("fs.mkdir", path));
    },
    exists: ([raw]: [Uint8Array]) => host.exists("fs.exists", pathText("fs.exists", raw)),
    copy: ([rawSrc, rawDst]: [Uint8Array, Uint8Array], call: Call) => {
      const src = pathText("fs.copy", rawSrc, "source path");
      const dst = pathText("fs.copy", rawDst, "destination path");
      return attempt("fs.copy", `failed to copy ${quoted(src)} to`, dst, () => host.copy("fs.copy", src, dst, call.signal));
    },
    rename: ([rawSrc, rawDst]: [Uint8Array, Uint8Array]) => {
      const src = pathText("fs.rename", rawSrc, "source path");
      const dst = pathText("fs.rename", rawDst, "destination path");
      return attempt("fs.rename", `failed to rename ${quoted(src)} to`, dst, () => host.rename("fs.rename", src, dst));
    },
    glob: globImpl,
    tempdir: () => attempt("fs.tempdir", "failed to create a directory in", tmpdir(), () => host.tempdir("fs.tempdir")),
    chmod: ([raw, mode]: [Uint8Array, number | string]) => {
      const path = pathText("fs.chmod", raw);
      const bits = modeOf(mode);
      return attempt("fs.chmod", "failed to chmod", path, () => host.chmod("fs.chmod", path, bits));
    },
  };
}
