/**
 * The recursive listing behind `fs.readdir` and `disk.dir_size`: pre-order (a directory's
 * entry before its children), each directory's entries in the OS's order, symlinked
 * directories not followed. Paths are relative to the root and `/`-separated.
 */
import type { Host } from "../../loader/host-facade.ts";
import type { EntryKind } from "../../loader/host-files.ts";
import { fileError } from "../../loader/os-error.ts";

export interface TreeEntry {
  /** Relative to the root: `sub/b.txt`. */
  rel: string;
  /** The root joined with `rel`, to reach the entry. */
  path: string;
  kind: EntryKind;
}

/** `dir` joined with a name, as Rust's Path::join does. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/**
 * Every entry below `root`, down to `maxDepth` levels (1: direct children; undefined: all).
 * A directory that cannot be read raises `<fn>: failed to read "<dir>": <error>`.
 */
export async function walkTree(host: Host, fn: string, root: string, maxDepth?: number): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await host.list(fn, dir);
    } catch (e) {
      throw fileError(fn, "failed to read", dir, e);
    }
    for (const e of entries) {
      const entry = { rel: rel === "" ? e.name : `${rel}/${e.name}`, path: joinPath(dir, e.name), kind: e.kind };
      out.push(entry);
      // As in the reference, the root's own entries are depth 1, and depth 0 lists them too.
      if (e.kind === "directory" && (maxDepth === undefined || depth < maxDepth)) await walk(entry.path, entry.rel, depth + 1);
    }
  };
  await walk(root, "", 1);
  return out;
}
