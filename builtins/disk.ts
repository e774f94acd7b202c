/**
 * `disk` (builtins.md §20): file system usage and two directory chores, through the
 * policy-checked host and off the Lua thread. Only in `full` (or where a flag grants what a
 * function needs).
 *
 * | function | |
 * |---|---|
 * | `disk.usage(path) -> {total, free, used, percent}` | statvfs of the file system holding `path`; `free` counts root's reserve (f_bfree) |
 * | `disk.sweep(dir, age_secs) -> count` | removes the direct entries of `dir` modified more than `age_secs` ago |
 * | `disk.dir_size(path) -> bytes` | the sizes of the regular files below `path` (symlinks not counted or followed) |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { float } from "../loader/bridge/values.ts";
import type { Host } from "../loader/host-facade.ts";
import { fileError } from "../loader/os-error.ts";
import { pathText } from "./fs/paths.ts";
import { walkTree } from "./fs/walk.ts";

const PATH = { name: "path", type: "bytes", expect: "a path string" } as const;

/** A byte count as a Lua integer: exact beyond 2^53 too. */
function integer(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

async function usage(host: Host, path: string) {
  let space;
  try {
    space = await host.statfs("disk.usage", path);
  } catch (e) {
    throw fileError("disk.usage", "failed to stat", path, e);
  }
  const size = BigInt(space.frsize);
  const total = BigInt(space.blocks) * size;
  const free = BigInt(space.bfree) * size;
  const used = total - free;
  return {
    total: integer(total),
    free: integer(free),
    used: integer(used),
    percent: float(total === 0n ? 0 : (Number(used) / Number(total)) * 100),
  };
}

async function sweep(host: Host, dir: string, ageSecs: number): Promise<number> {
  const fn = "disk.sweep";
  const now = Date.now() / 1000;
  let entries;
  try {
    entries = await host.list(fn, dir);
  } catch (e) {
    throw fileError(fn, "failed to list", dir, e);
  }
  let removed = 0;
  for (const entry of entries) {
    // The reference joins with "/" whatever `dir` ends with; so does this.
    const path = `${dir}/${entry.name}`;
    let modified: number;
    try {
      modified = (await host.stat(fn, path)).mtimeMs / 1000;
    } catch (e) {
      throw fileError(fn, "failed to stat", path, e);
    }
    if (!(now - modified > ageSecs)) continue;
    try {
      await host.remove(fn, path);
    } catch (e) {
      throw fileError(fn, "failed to remove", path, e);
    }
    removed++;
  }
  return removed;
}

async function dirSize(host: Host, root: string): Promise<number | bigint> {
  const fn = "disk.dir_size";
  let total = 0n;
  for (const entry of await walkTree(host, fn, root)) {
    // Listings call sockets, FIFOs and devices files too (fs.readdir's `file`).
    if (entry.kind !== "file" && entry.kind !== "other") continue;
    try {
      total += BigInt((await host.stat(fn, entry.path)).size);
    } catch (e) {
      throw fileError(fn, "failed to stat", entry.path, e);
    }
  }
  return integer(total);
}

registerBuiltin({
  name: "disk",
  description: "File system usage, sweeping old entries out of a directory, directory sizes",
  keywords: ["df", "du", "free", "space", "usage", "cleanup", "sweep", "size", "filesystem", "capacity"],
  example: 'if disk.usage("/var/lib").percent > 90 then disk.sweep("/var/lib/cache", 86400) end',
  functions: {
    usage: {
      signature: "disk.usage(path) -> {total, free, used, percent}",
      description: "Size, free bytes (root's reserve included), used bytes and percent used of the file system holding path",
      args: [PATH],
      returns: [{ type: "disk.Usage" }],
      capabilities: ["read"],
      async: true,
    },
    sweep: {
      signature: "disk.sweep(dir, age_secs) -> integer",
      description: "Remove the direct entries of dir (directories recursively) modified more than age_secs ago; returns how many",
      args: [{ ...PATH, name: "dir" }, { name: "age_secs", type: "number", description: "minimum age in seconds" }],
      returns: [{ type: "integer", description: "entries removed" }],
      capabilities: ["read", "write"],
      async: true,
    },
    dir_size: {
      signature: "disk.dir_size(path) -> integer",
      description: "Total size in bytes of the regular files below a directory (symlinks not followed)",
      args: [PATH],
      returns: [{ type: "integer" }],
      capabilities: ["read"],
      async: true,
    },
  },
  classes: {
    "disk.Usage": {
      description: "What disk.usage returns, in bytes",
      fields: {
        total: { type: "integer" },
        free: { type: "integer", description: "free bytes, root's reserve included" },
        used: { type: "integer" },
        percent: { type: "number", description: "used / total * 100" },
      },
    },
  },
  install: ({ host }) => ({
    usage: ([raw]: [Uint8Array]) => usage(host, pathText("disk.usage", raw)),
    sweep: ([raw, age]: [Uint8Array, number]) => sweep(host, pathText("disk.sweep", raw), age),
    dir_size: ([raw]: [Uint8Array]) => dirSize(host, pathText("disk.dir_size", raw)),
  }),
});
