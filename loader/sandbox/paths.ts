/**
 * Path resolution as the kernel does it, for the sandbox. The policy judges a path by where
 * it really leads (every symlink resolved, one component at a time); the host `openat` then
 * opens that same resolved path, so what is opened is what was judged (see backstop.ts).
 * For that the walk also reports what the kernel would say where a purely textual resolution
 * would differ (`file/..`, `missing/.`, a trailing slash, a symlink loop).
 */
import { lstatSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";

const MAX_SYMLINK_HOPS = 40;

export interface ResolvedPath {
  /** Every symlink resolved; missing components appended as they are. What the policy judges. */
  canonical: string;
  /** What to open to reach the same file as `canonical` would name. Equal to it, except for a
   * trailing slash the kernel needs to see, and procfs links that name no path (below). */
  open: string;
  /** The errno code the kernel fails with before reaching any file, when the walk can tell. */
  error: string | null;
  /** The walk went through a procfs link to a pipe, socket or the like, which has no path. */
  opaque: boolean;
}

/**
 * Resolves `path` against the working directory, following symlinks component by component
 * (so `link/..` means the parent of the link's target, as for open(2)). Components that do
 * not exist are appended as they are, so a new file is judged by its nearest existing parent,
 * and a dangling symlink is followed to where writing through it would create the file.
 * `followFinal: false` keeps a symlink in the last component, as `O_CREAT|O_EXCL` does.
 */
export function resolvePath(path: string, followFinal = true): ResolvedPath {
  // Plain concatenation: join() would fold `link/..` as text before the links are followed.
  const pending = (isAbsolute(path) ? path : process.cwd() + sep + path).split(sep);
  let current: string = sep;
  let isDir = true;
  /** Why the walk can no longer look at the disk (ENOENT, ENOTDIR, EACCES...). */
  let blocked: string | null = null;
  let error: string | null = path === "" ? "ENOENT" : null;
  let opaque: string | null = null;
  let hops = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === "") continue;
    if (part === "." || part === "..") {
      // The kernel looks `.` and `..` up in the directory reached so far; text cannot.
      error ??= blocked ?? (isDir ? null : "ENOTDIR");
      if (part === "..") current = dirname(current);
      continue;
    }
    const next = join(current, part);
    current = next;
    if (blocked !== null) continue;
    const entry = inspect(next);
    if (typeof entry === "string") {
      blocked = entry;
      continue;
    }
    if (entry.link === null || (!followFinal && pending.every((p) => p === ""))) {
      isDir = entry.isDir;
      continue;
    }
    // A loop has no canonical form; the path then stays as the kernel would refuse it.
    if (++hops > MAX_SYMLINK_HOPS) {
      const given = resolve(path);
      return { canonical: given, open: given, error: "ELOOP", opaque: false };
    }
    // procfs links to pipes and sockets read `pipe:[123]`: only the kernel can follow them.
    if (opaque === null && next.startsWith("/proc/") && /^[^/]+:/.test(entry.link)) {
      opaque = [next, ...pending].join(sep);
    }
    current = isAbsolute(entry.link) ? sep : dirname(next);
    pending.unshift(...entry.link.split(sep));
  }
  return { canonical: current, open: opaque ?? withDirectorySlash(current, path), error, opaque: opaque !== null };
}

/** The path with every symlink resolved (see resolvePath); what the policy compares. */
export function canonicalPath(path: string): string {
  return resolvePath(path).canonical;
}

/** A symlink's text or whether it is a directory; the error code when it cannot be seen. */
function inspect(path: string): { link: string | null; isDir: boolean } | string {
  try {
    const st = lstatSync(path);
    return { link: st.isSymbolicLink() ? readlinkSync(path) : null, isDir: st.isDirectory() };
  } catch (err) {
    return (err as { code?: string }).code ?? "ENOENT";
  }
}

/** `resolved` with a trailing slash when `given` ends in `/`, `.` or `..`: the kernel then
 * insists on a directory (`file/` is ENOTDIR, creating `new/` is EISDIR). */
function withDirectorySlash(resolved: string, given: string): string {
  if (resolved === sep || !/(^|\/)\.{0,2}$/.test(given)) return resolved;
  return resolved + sep;
}
