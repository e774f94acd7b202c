/**
 * File operations for the host facade (host-facade.ts), each judged by the sandbox policy
 * before it acts and done off the Lua thread (libuv's thread pool, through node's callback
 * API on descriptors), so other Lua tasks run while a large file is read, written or copied.
 *
 * - Reads and writes open the file where the policy judged it (`openChecked`), so a symlink
 *   swapped in after the check is not followed.
 * - A write never loses the old contents: the data goes to a temporary file beside the
 *   resolved target (a symlink chain such as a mounted ConfigMap is followed, not replaced),
 *   which is then renamed over it with the old file's mode. Targets that cannot be replaced
 *   that way (devices, FIFOs, hard-linked files, a directory the sandbox or the OS does not
 *   let us create files in) are written in place.
 * - Operations on a directory entry itself (remove, rename, lstat) do not follow a final
 *   symlink; the policy names paths by where they lead, so a symlink itself is judged by the
 *   directory that holds it.
 *
 * Failures are Node-style errors with an errno `code` (ENOENT, EACCES...) for the builtin to
 * word; denials are the policy's LuaError.
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Policy } from "./sandbox/policy.ts";
import { openChecked } from "./sandbox/backstop.ts";
import { resolvePath } from "./sandbox/paths.ts";
import { errorCode } from "./os-error.ts";

/** What a directory entry is, symlinks not followed. */
export type EntryKind = "file" | "directory" | "symlink" | "other";

export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/** A file system's size from statvfs: block counts in units of `frsize` bytes. */
export interface DiskSpace {
  blocks: number;
  bfree: number;
  bavail: number;
  frsize: number;
}

/** Called with each growth of a read buffer before it is allocated; throws to refuse it. */
export type Reserve = (bytes: number) => void;

/** Writes the new contents into `fd`; returns how many bytes it wrote. */
export type Producer = (fd: number, signal?: AbortSignal) => Promise<number>;

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC } = fs.constants;

/** Bytes per read or write call: small enough that an abort is noticed between calls. */
const CHUNK = 8 << 20;
/** First buffer for a file whose size stat cannot tell (/proc, pipes). */
const UNKNOWN_SIZE_START = 64 << 10;

function failure(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

// ---- descriptor calls on the thread pool ------------------------------------------------

const fstat = (fd: number) =>
  new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (e, st) => (e ? reject(e) : resolve(st))));

const readAt = (fd: number, buf: Uint8Array, offset: number, length: number) =>
  new Promise<number>((resolve, reject) => fs.read(fd, buf, offset, length, null, (e, n) => (e ? reject(e) : resolve(n))));

const writeAt = (fd: number, buf: Uint8Array, offset: number, length: number) =>
  new Promise<number>((resolve, reject) => fs.write(fd, buf, offset, length, null, (e, n) => (e ? reject(e) : resolve(n))));

const close = (fd: number) => new Promise<void>((resolve, reject) => fs.close(fd, (e) => (e ? reject(e) : resolve())));

const fchmod = (fd: number, mode: number) =>
  new Promise<void>((resolve, reject) => fs.fchmod(fd, mode, (e) => (e ? reject(e) : resolve())));

/** Writes all of `data` at the descriptor's position. */
export async function writeAll(fd: number, data: Uint8Array, signal?: AbortSignal): Promise<number> {
  let done = 0;
  while (done < data.length) {
    signal?.throwIfAborted();
    done += await writeAt(fd, data, done, Math.min(CHUNK, data.length - done));
  }
  return data.length;
}

/** Reads from `fd` to its end; `expected` is the size stat gave (0 when it cannot tell). */
async function readAll(fd: number, expected: number, signal: AbortSignal | undefined, reserve: Reserve): Promise<Uint8Array> {
  let size = expected > 0 ? expected : UNKNOWN_SIZE_START;
  reserve(size);
  let buf = new Uint8Array(size);
  let filled = 0;
  for (;;) {
    signal?.throwIfAborted();
    if (filled === buf.length) {
      // Full: the file may have grown since stat. Look before doubling the buffer, so a file
      // of exactly the size stat gave costs no more than its size.
      const probe = new Uint8Array(Math.min(UNKNOWN_SIZE_START, CHUNK));
      const n = await readAt(fd, probe, 0, probe.length);
      if (n === 0) return buf;
      size = Math.max(buf.length * 2, buf.length + n);
      reserve(size - buf.length);
      const grown = new Uint8Array(size);
      grown.set(buf);
      grown.set(probe.subarray(0, n), filled);
      buf = grown;
      filled += n;
      continue;
    }
    const n = await readAt(fd, buf, filled, Math.min(CHUNK, buf.length - filled));
    if (n === 0) return buf.subarray(0, filled);
    filled += n;
  }
}

/** Copies `from` to `to` (both descriptors) chunk by chunk; returns the bytes copied. */
function pump(from: number): Producer {
  return async (to, signal) => {
    const buf = new Uint8Array(Math.min(CHUNK, 1 << 20));
    let total = 0;
    for (;;) {
      signal?.throwIfAborted();
      const n = await readAt(from, buf, 0, buf.length);
      if (n === 0) return total;
      await writeAll(to, buf.subarray(0, n), signal);
      total += n;
    }
  };
}

// ---- the policy gate --------------------------------------------------------------------

/**
 * Judges `path` for `cap` and returns the path to act on: resolved as the policy resolved it
 * (so what is touched is what was judged), or as given when the policy refuses nothing.
 */
function judged(policy: Policy, fn: string, cap: "read" | "write", path: string): string {
  policy.check(fn, cap, path);
  if (policy.unrestricted(cap)) return path;
  const where = resolvePath(path);
  if (where.error !== null) throw failure(where.error);
  return where.open;
}

/**
 * Judges the directory entry `path` itself (a final symlink not followed) and returns the
 * path to act on. The policy names paths by where they lead, so a symlink is judged by the
 * directory that holds it: removing or renaming a link changes that directory, not the
 * link's target.
 */
function judgedEntry(policy: Policy, fn: string, cap: "read" | "write", path: string): string {
  if (policy.unrestricted(cap)) {
    policy.check(fn, cap, path);
    return path;
  }
  const where = resolvePath(path, false);
  let isLink = false;
  try {
    isLink = fs.lstatSync(where.canonical).isSymbolicLink();
  } catch {
    // missing: judged like any path that does not exist yet
  }
  policy.check(fn, cap, isLink ? dirname(where.canonical) : path);
  if (where.error !== null) throw failure(where.error);
  return where.canonical;
}

// ---- reads --------------------------------------------------------------------------------

/** The whole file, read through the descriptor the policy judged. */
export async function readFile(policy: Policy, fn: string, path: string, signal?: AbortSignal, reserve: Reserve = () => {}): Promise<Uint8Array> {
  policy.check(fn, "read", path);
  signal?.throwIfAborted();
  const fd = openChecked(policy, Buffer.from(path), O_RDONLY, 0);
  try {
    const st = await fstat(fd);
    if (st.isDirectory()) throw failure("EISDIR", "Is a directory");
    return await readAll(fd, st.isFile() ? st.size : 0, signal, reserve);
  } finally {
    await close(fd).catch(() => {});
  }
}

export async function list(policy: Policy, fn: string, path: string): Promise<DirEntry[]> {
  const target = judged(policy, fn, "read", path);
  const entries = await fs.promises.readdir(target, { withFileTypes: true });
  return entries.map((d) => ({
    name: d.name,
    kind: d.isDirectory() ? "directory" : d.isSymbolicLink() ? "symlink" : d.isFile() ? "file" : "other",
  }));
}

export async function stat(policy: Policy, fn: string, path: string): Promise<fs.Stats> {
  return await fs.promises.stat(judged(policy, fn, "read", path));
}

export async function lstat(policy: Policy, fn: string, path: string): Promise<fs.Stats> {
  return await fs.promises.lstat(judgedEntry(policy, fn, "read", path));
}

/** Whether `path` leads to something (symlinks followed); only a denial raises. */
export async function exists(policy: Policy, fn: string, path: string): Promise<boolean> {
  let target: string;
  try {
    target = judged(policy, fn, "read", path);
  } catch (e) {
    if (errorCode(e) !== undefined) return false; // the walk met ENOENT, ENOTDIR, ELOOP...
    throw e;
  }
  try {
    await fs.promises.stat(target);
    return true;
  } catch {
    return false;
  }
}

export async function statfs(policy: Policy, fn: string, path: string): Promise<DiskSpace> {
  const st = await fs.promises.statfs(judged(policy, fn, "read", path));
  // Node's StatFs has no frsize; Bun's and Deno's do (statvfs counts blocks in frsize units).
  const frsize = (st as { frsize?: number }).frsize ?? st.bsize;
  return { blocks: Number(st.blocks), bfree: Number(st.bfree), bavail: Number(st.bavail), frsize: Number(frsize) };
}

// ---- writes -------------------------------------------------------------------------------

/** Errors creating the temporary file that mean "not here": the file is then written in place. */
const NO_TEMP_HERE = new Set(["EACCES", "EPERM", "EROFS"]);

/** A name for the temporary file beside the target (hidden, and never a name a user picks). */
function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target).slice(0, 64)}.${randomBytes(6).toString("hex")}.assay-tmp`);
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Replaces the contents of the file at `path` with what `produce` writes, without losing the
 * old contents if that fails. `mode` forces the new file's permission bits (a copy takes its
 * source's); otherwise an existing file keeps its mode and a new one gets 0666 & ~umask.
 */
export async function replaceFile(policy: Policy, fn: string, path: string, produce: Producer, signal?: AbortSignal, mode?: number): Promise<number> {
  policy.check(fn, "write", path);
  signal?.throwIfAborted();
  const where = resolvePath(path);
  if (where.error !== null) throw failure(where.error);
  // A trailing slash (the kernel then insists on a directory and fails) or a procfs link to a
  // pipe (/dev/stdout) names nothing a rename could replace.
  if (where.opaque || where.open !== where.canonical) return await inPlace(policy, path, produce, signal, mode);
  const target = where.canonical;
  let existing: fs.Stats | undefined;
  try {
    existing = await fs.promises.lstat(target);
  } catch (e) {
    if (errorCode(e) !== "ENOENT") throw e;
  }
  // A device or FIFO must be written, not replaced; a hard-linked file keeps its identity,
  // which every other name of it shares.
  if (existing && (!existing.isFile() || existing.nlink > 1)) return await inPlace(policy, path, produce, signal, mode);
  const temp = tempBeside(target);
  const keepMode = mode ?? (existing ? existing.mode & 0o7777 : undefined);
  let fd: number;
  try {
    fd = openChecked(policy, Buffer.from(temp), O_WRONLY | O_CREAT | O_EXCL, keepMode ?? 0o666);
  } catch (e) {
    // The directory is not ours to create files in (the OS or the sandbox says so), though the
    // file itself may be writable.
    if (NO_TEMP_HERE.has(errorCode(e) ?? "")) return await inPlace(policy, path, produce, signal, mode);
    throw e;
  }
  let open = true;
  try {
    // open() applied the umask; an existing file's mode is restored as it was.
    if (keepMode !== undefined) await fchmod(fd, keepMode);
    if (existing && isRoot() && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) {
      await new Promise<void>((resolve) => fs.fchown(fd, existing.uid, existing.gid, () => resolve()));
    }
    const written = await produce(fd, signal);
    open = false;
    await close(fd);
    signal?.throwIfAborted();
    await fs.promises.rename(temp, target);
    return written;
  } catch (e) {
    if (open) fs.closeSync(fd);
    await fs.promises.unlink(temp).catch(() => {});
    throw e;
  }
}

/** Truncates and writes the file where it is (for targets that cannot be replaced). */
async function inPlace(policy: Policy, path: string, produce: Producer, signal?: AbortSignal, mode?: number): Promise<number> {
  const fd = openChecked(policy, Buffer.from(path), O_WRONLY | O_CREAT | O_TRUNC, mode ?? 0o666);
  try {
    if (mode !== undefined && (await fstat(fd)).isFile()) await fchmod(fd, mode);
    return await produce(fd, signal);
  } finally {
    await close(fd).catch(() => {});
  }
}

export async function writeFile(policy: Policy, fn: string, path: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  await replaceFile(policy, fn, path, (fd, s) => writeAll(fd, data, s), signal);
}

/**
 * Copies a regular file's contents and permission bits to `dst` (replaced as a write
 * replaces it, so a failed copy leaves the old `dst`); returns the bytes copied.
 */
export async function copy(policy: Policy, fn: string, src: string, dst: string, signal?: AbortSignal): Promise<number> {
  policy.check(fn, "read", src);
  policy.check(fn, "write", dst);
  signal?.throwIfAborted();
  const from = openChecked(policy, Buffer.from(src), O_RDONLY, 0);
  try {
    const st = await fstat(from);
    if (!st.isFile()) throw new Error("the source path is neither a regular file nor a symlink to a regular file");
    return await replaceFile(policy, fn, dst, pump(from), signal, st.mode & 0o7777);
  } finally {
    await close(from).catch(() => {});
  }
}

/** Removes a file, a symlink (not its target) or a directory with everything in it. */
export async function remove(policy: Policy, fn: string, path: string): Promise<void> {
  const target = judgedEntry(policy, fn, "write", path);
  const st = await fs.promises.lstat(target);
  if (st.isDirectory()) await fs.promises.rm(target, { recursive: true });
  else await fs.promises.unlink(target);
}

/** Renames the entry `from` (a symlink itself, not its target) to `to`. */
export async function rename(policy: Policy, fn: string, from: string, to: string): Promise<void> {
  const source = judgedEntry(policy, fn, "write", from);
  const dest = judgedEntry(policy, fn, "write", to);
  await fs.promises.rename(source, dest);
}

export async function mkdirs(policy: Policy, fn: string, path: string): Promise<void> {
  await fs.promises.mkdir(judged(policy, fn, "write", path), { recursive: true });
}

export async function chmod(policy: Policy, fn: string, path: string, mode: number): Promise<void> {
  await fs.promises.chmod(judged(policy, fn, "write", path), mode);
}

let tempdirCounter = 0;

/** Creates `<system tmp>/assay-<hex nanoseconds>-<counter>` (mode 0700) and returns it. */
export async function tempdir(policy: Policy, fn: string): Promise<string> {
  const base = tmpdir();
  // Judged on the system directory, so a denial names the flag that helps.
  policy.check(fn, "write", base);
  for (;;) {
    // Wall-clock milliseconds with the monotonic clock's finer digits: unique enough with the
    // counter, and a clash only means another try.
    const nanos = BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
    const path = join(base, `assay-${nanos.toString(16)}-${tempdirCounter++}`);
    try {
      await fs.promises.mkdir(path, { mode: 0o700 });
      return path;
    } catch (e) {
      if (errorCode(e) !== "EEXIST") throw e;
    }
  }
}
