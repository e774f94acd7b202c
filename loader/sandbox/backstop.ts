/**
 * The policy check inside the host syscalls (host-syscalls.ts). `io.open`, `os.remove` and
 * the rest already ask the policy at the Lua level (luastd/); this is the backstop under them:
 * whatever path leads Lua's C library to open, rename or remove a file or to run a command,
 * the policy is asked again where the host acts, and for `openat` about the very file that
 * is opened, so a symlink swapped in between the check and the open cannot redirect it.
 */
import { closeSync, openSync, readlinkSync } from "node:fs";
import { resolvePath } from "./paths.ts";

export type SyscallCap = "read" | "write" | "run";

/** What the host syscalls need of the run's policy (a `Policy` is one). */
export interface SyscallPolicy {
  allows(cap: SyscallCap, target: string): boolean;
  /** True when nothing can be refused for `cap`; the syscalls then skip resolving paths. */
  unrestricted?(cap: SyscallCap): boolean;
}

// open(2) flags as emscripten's musl passes them (the Linux values, handed on to the host).
const O_ACCMODE = 0o3, O_RDONLY = 0o0, O_WRONLY = 0o1, O_RDWR = 0o2;
const O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NOFOLLOW = 0o400000;

/** How many `hostOwned` calls are running (they nest). */
let hostOwnedDepth = 0;

/**
 * Runs `fn` with the syscall checks off, for the runtime's own use of Lua's C `io` on a file
 * it made itself (io.popen reads its command's output back through Lua's io.open). `fn` must
 * not run Lua code: the checks are off for everything it does.
 */
export function hostOwned<T>(fn: () => T): T {
  hostOwnedDepth++;
  try {
    return fn();
  } finally {
    hostOwnedDepth--;
  }
}

/**
 * The capabilities an open with these flags needs: `read` for reading access, `write` for
 * writing access or for creating, truncating or appending. An exclusive create needs no
 * `read`: the file it opens is new and empty, so reading it reveals nothing (musl's
 * `tmpfile()` opens `/tmp/tmpfile_XXXXXX` that way, and `io.tmpfile` asks only for write).
 */
export function openNeeds(flags: number): ("read" | "write")[] {
  const access = flags & O_ACCMODE;
  const needs: ("read" | "write")[] = [];
  if ((access === O_RDONLY || access === O_RDWR) && !exclusiveCreate(flags)) needs.push("read");
  if (access === O_WRONLY || access === O_RDWR || (flags & (O_CREAT | O_TRUNC | O_APPEND)) !== 0) needs.push("write");
  return needs;
}

function exclusiveCreate(flags: number): boolean {
  return (flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL);
}

/**
 * open(2) on the host under the policy; returns the host descriptor or throws an error with
 * a Node `code` (EACCES when refused). When the policy may refuse, the path is resolved once
 * (symlinks followed, as the policy does), the policy is asked about that resolved path, and
 * that path is opened with O_NOFOLLOW, so nothing swapped in after the walk is followed at
 * its end; where the host can tell (/proc), the descriptor is also checked to be that file,
 * which catches a directory swapped for a symlink higher up. Errors stay the kernel's
 * (ENOENT for a missing file, ENOTDIR, ...), because the resolved path fails the same way.
 */
export function openChecked(policy: SyscallPolicy | undefined, path: Buffer, flags: number, mode: number): number {
  if (!checking(policy)) return openSync(path, flags, mode);
  const needs = openNeeds(flags).filter((cap) => !policy.unrestricted?.(cap));
  if (needs.length === 0) return openSync(path, flags, mode);
  const where = resolvePath(pathText(path), !exclusiveCreate(flags));
  if (!needs.every((cap) => policy.allows(cap, where.canonical))) throw refused();
  if (where.error !== null) throw failure(where.error);
  // A procfs link to a pipe has no path to check: it is one of this process's descriptors.
  if (where.opaque) return openSync(where.open, flags, mode);
  const fd = openSync(where.open, flags | O_NOFOLLOW, mode);
  if (!isOpenedAt(fd, where.canonical)) {
    closeSync(fd);
    throw refused();
  }
  return fd;
}

/** Throws EACCES unless the policy grants `cap` on `path` (as given: the policy resolves it). */
export function checkPath(policy: SyscallPolicy | undefined, cap: "read" | "write", path: Buffer): void {
  if (!checking(policy) || policy.unrestricted?.(cap)) return;
  if (!policy.allows(cap, pathText(path))) throw refused();
}

/** Whether the policy lets `command` run (`system()`). */
export function allowsCommand(policy: SyscallPolicy | undefined, command: string): boolean {
  if (!checking(policy) || policy.unrestricted?.("run")) return true;
  return policy.allows("run", command);
}

/** Whether there is a policy to ask (none in tests and outside hostOwned). */
function checking(policy: SyscallPolicy | undefined): policy is SyscallPolicy {
  return policy !== undefined && hostOwnedDepth === 0;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The path as the policy sees it; a name that is not UTF-8 cannot be judged, so it is refused. */
function pathText(path: Buffer): string {
  try {
    return strictUtf8.decode(path);
  } catch {
    throw refused();
  }
}

/** Whether the kernel says `fd` is the file at `path`; true where it cannot say (no /proc). */
function isOpenedAt(fd: number, path: string): boolean {
  let actual: string;
  try {
    actual = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return true;
  }
  return actual === path;
}

function refused(): Error {
  return failure("EACCES", "denied by the sandbox policy");
}

function failure(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}
