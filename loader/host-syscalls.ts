/**
 * The host side of the wasm Lua's libc. wasmoon's glue gives musl an in-memory filesystem,
 * fake environment and console-backed stdio; we replace those imports before the module is
 * instantiated so that Lua's own C `io` and `os` libraries act on the real filesystem,
 * environment, streams and processes, with musl's stdio buffering on top, as in `lua5.4`.
 *
 * Wasm-side descriptors map to host descriptors through a small table, because musl's
 * `freopen` (used by `loadfile` on binary chunks) needs `dup3`, which Node cannot do on the
 * host: a duplicated descriptor shares the host descriptor and its offset instead. Node has
 * no lseek either, so regular files get a tracked position and positional reads/writes;
 * the standard streams and pipes use the kernel offset. Errors are reported in host errno
 * numbers (see wasi-errno.ts).
 *
 * Opening, renaming and removing files and running commands also ask the sandbox policy
 * (`HostHooks.policy`), as a backstop under the Lua-level checks of luastd/: a refusal is
 * EACCES, and `openat` opens the very file the policy judged (sandbox/backstop.ts).
 */
import { BROKEN_PIPE_EXIT, retrying } from "./std-write.ts";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { isatty } from "node:tty";
import { constants } from "node:os";
import { ErrnoNumbering } from "./wasi-errno.ts";
import { numericOffset, timezoneAbbreviation } from "./timezone.ts";
import { allowsCommand, checkPath, openChecked, type SyscallPolicy } from "./sandbox/backstop.ts";

/** Memory views of the running module; read fresh on every call since memory can grow. */
export interface WasmMemory {
  u8(): Uint8Array;
  view(): DataView;
}

/** One host descriptor, shared by every wasm descriptor that `dup3` made from it. */
interface HostFile {
  fd: number;
  refs: number;
  /** Regular files and block devices: positional I/O with our own offset. */
  seekable: boolean;
  position: number;
  append: boolean;
  flags: number;
  /** Where writes go instead of `fd` (a standard stream the runtime captures). */
  sink?: (bytes: Uint8Array) => void;
}

const O_APPEND = 0o2000;
const O_ACCMODE = 0o3, O_RDONLY = 0, O_TRUNC = 0o1000;
const O_CLOEXEC = 0o2000000;
const AT_REMOVEDIR = 0x200;
const TCGETS = 0x5401;
const TIOCGWINSZ = 0x5413;
const F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4;
/** How much of a regular file one host read fetches ahead of stdio's small requests. */
const READ_AHEAD = 64 * 1024;
/** What `sh` exits with for a command it may not execute. */
const CANNOT_EXECUTE_EXIT = 126;



/** Callbacks the runtime supplies: what happens on exit and where stdio goes. */
export interface HostHooks {
  /** Called by C `exit()` after musl has flushed its streams. */
  exit(code: number): never;
  /** The process environment as the Lua C library sees it (`environ`). */
  environ(): Record<string, string | undefined>;
  /** The run's sandbox policy; without one nothing is checked. */
  policy?: SyscallPolicy;
  /**
   * Takes what Lua writes to its standard output and error instead of the process's
   * descriptors 1 and 2 (check scripts: stdout carries the report, stderr may carry a live view).
   */
  output?: (fd: 1 | 2, bytes: Uint8Array) => void;
}

/** Builds replacements for the wasm imports that touch the host. */
export function hostImports(memory: WasmMemory, hooks: HostHooks): Record<string, unknown> {
  const errno = new ErrnoNumbering(() => memory.u8());
  const decoder = new TextDecoder();
  const std = (fd: number): HostFile => ({ fd, refs: 1, seekable: false, position: 0, append: false, flags: fd === 0 ? 0 : 1 });
  const captured = (fd: 1 | 2): HostFile => {
    const output = hooks.output;
    return output ? { ...std(fd), sink: (bytes) => output(fd, bytes) } : std(fd);
  };
  const table = new Map<number, HostFile>([[0, std(0)], [1, captured(1)], [2, captured(2)]]);

  const cString = (ptr: number): Buffer => {
    const u8 = memory.u8();
    let end = ptr;
    while (u8[end] !== 0) end++;
    return Buffer.from(u8.subarray(ptr, end));
  };
  const i32 = (ptr: number) => memory.view().getInt32(ptr, true);
  const u32 = (ptr: number) => memory.view().getUint32(ptr, true);
  const setU32 = (ptr: number, v: number) => memory.view().setUint32(ptr, v, true);

  /** A wasm descriptor number for a new host descriptor: the same number when it is free. */
  const allocate = (file: HostFile): number => {
    let fd = file.fd;
    if (table.has(fd)) {
      fd = 3;
      while (table.has(fd)) fd++;
    }
    table.set(fd, file);
    return fd;
  };
  /** Drops one wasm descriptor; the host one closes with its last user (never 0-2). */
  const release = (fd: number): void => {
    const file = table.get(fd);
    if (!file) return;
    table.delete(fd);
    if (ahead.file === file && file.refs === 1) dropReadAhead();
    if (--file.refs === 0 && file.fd > 2) fs.closeSync(file.fd);
  };

  /**
   * Read-ahead for regular files: musl's stdio asks for its 1 KiB buffer at a time, and each
   * request is a host call, so reading a 1.6 MB file took some 1,600 of them. Reads are served
   * from one 64 KiB window of the last file read instead. Any write, open for writing, rename
   * or removal by this VM drops the window, so the VM always reads what it wrote; a change by
   * another process shows once the window is used up, as with a larger stdio buffer.
   */
  const ahead = { file: null as HostFile | null, start: 0, length: 0, buf: Buffer.alloc(0) };
  const dropReadAhead = () => {
    ahead.file = null;
  };
  const readAt = (file: HostFile, dst: Uint8Array, position: number): number => {
    if (dst.length >= READ_AHEAD) return retrying(() => fs.readSync(file.fd, dst, 0, dst.length, position));
    if (ahead.file !== file || position < ahead.start || position >= ahead.start + ahead.length) {
      if (ahead.buf.length === 0) ahead.buf = Buffer.alloc(READ_AHEAD);
      ahead.file = null;
      ahead.length = retrying(() => fs.readSync(file.fd, ahead.buf, 0, READ_AHEAD, position));
      ahead.start = position;
      ahead.file = file;
      if (ahead.length === 0) return 0;
    }
    const from = position - ahead.start;
    const n = Math.min(dst.length, ahead.length - from);
    dst.set(ahead.buf.subarray(from, from + n));
    return n;
  };

  const io = (fd: number, iov: number, count: number, pnum: number, write: boolean): number => {
    const file = table.get(fd);
    if (!file) return errno.code("EBADF");
    if (write) dropReadAhead();
    let total = 0;
    try {
      for (let i = 0; i < count; i++) {
        const ptr = u32(iov + i * 8);
        const len = u32(iov + i * 8 + 4);
        if (len === 0) continue;
        const buf = memory.u8().subarray(ptr, ptr + len);
        const position = file.seekable && !(write && file.append) ? file.position : null;
        const sink: ((bytes: Uint8Array) => void) | undefined = write ? file.sink : undefined;
        const n = sink
          ? (sink(buf.slice()), len)
          : write
          ? retrying(() => fs.writeSync(file.fd, buf, 0, len, position))
          : position !== null
          ? readAt(file, buf, position)
          : retrying(() => fs.readSync(file.fd, buf, 0, len, null));
        total += n;
        if (file.seekable) file.position = write && file.append ? fs.fstatSync(file.fd).size : file.position + n;
        if (n < len) break;
      }
    } catch (err) {
      // lua5.4 dies of SIGPIPE when the reader of its output goes away (`assay x | head`);
      // Node ignores that signal, so end the same way instead of looping on EPIPE.
      if (write && (err as { code?: string }).code === "EPIPE") process.exit(BROKEN_PIPE_EXIT);
      if (total === 0) return errno.of(err);
    }
    setU32(pnum, total);
    return 0;
  };

  return {
    __syscall_openat(_dirfd: number, pathPtr: number, flags: number, varargs: number): number {
      const mode = varargs ? i32(varargs) : 0o666;
      if ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC)) dropReadAhead();
      try {
        const fd = openChecked(hooks.policy, cString(pathPtr), flags | O_CLOEXEC, mode);
        const st = fs.fstatSync(fd);
        const seekable = st.isFile() || st.isBlockDevice();
        return allocate({ fd, refs: 1, seekable, position: 0, append: (flags & O_APPEND) !== 0, flags });
      } catch (err) {
        return -errno.of(err);
      }
    },
    __syscall_fcntl64(fd: number, cmd: number, varargs: number): number {
      const file = table.get(fd);
      if (!file) return -errno.code("EBADF");
      switch (cmd) {
        case F_GETFD:
        case F_SETFD:
          return 0;
        case F_GETFL:
          return file.flags;
        case F_SETFL:
          if (i32(varargs) & O_APPEND) file.append = true;
          return 0;
        default:
          return -errno.code("EINVAL");
      }
    },
    __syscall_ioctl(fd: number, op: number, argp: number): number {
      const file = table.get(fd);
      if (!file) return -errno.code("EBADF");
      if ((op === TIOCGWINSZ || op === TCGETS) && !file.seekable && isatty(file.fd)) {
        if (op === TIOCGWINSZ && argp) {
          const view = memory.view();
          view.setUint16(argp, 24, true);
          view.setUint16(argp + 2, 80, true);
        }
        return 0;
      }
      return -errno.code("ENOTTY");
    },
    __syscall_dup3(oldfd: number, newfd: number, _flags: number): number {
      const file = table.get(oldfd);
      if (!file) return -errno.code("EBADF");
      if (oldfd === newfd) return -errno.code("EINVAL");
      try {
        release(newfd);
      } catch (err) {
        return -errno.of(err);
      }
      file.refs++;
      table.set(newfd, file);
      return newfd;
    },
    fd_write(fd: number, iov: number, count: number, pnum: number): number {
      return io(fd, iov, count, pnum, true);
    },
    fd_read(fd: number, iov: number, count: number, pnum: number): number {
      return io(fd, iov, count, pnum, false);
    },
    fd_close(fd: number): number {
      if (!table.has(fd)) return errno.code("EBADF");
      try {
        release(fd);
        return 0;
      } catch (err) {
        return errno.of(err);
      }
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffset: number): number {
      const file = table.get(fd);
      if (!file) return errno.code("EBADF");
      if (!file.seekable) {
        // A standard stream redirected to a file can at least tell its (kernel) offset.
        const pos = whence === 1 && offset === 0n ? kernelOffset(file.fd) : null;
        if (pos === null) return errno.code("ESPIPE");
        memory.view().setBigInt64(newOffset, BigInt(pos), true);
        return 0;
      }
      const off = Number(offset);
      let base = 0;
      if (whence === 1) base = file.position;
      else if (whence === 2) base = fs.fstatSync(file.fd).size;
      else if (whence !== 0) return errno.code("EINVAL");
      if (base + off < 0) return errno.code("EINVAL");
      file.position = base + off;
      memory.view().setBigInt64(newOffset, BigInt(file.position), true);
      return 0;
    },
    environ_sizes_get(pcount: number, psize: number): number {
      const entries = environEntries(hooks);
      setU32(pcount, entries.length);
      setU32(psize, entries.reduce((n, e) => n + e.length + 1, 0));
      return 0;
    },
    environ_get(penviron: number, pbuf: number): number {
      let at = pbuf;
      environEntries(hooks).forEach((entry, i) => {
        setU32(penviron + i * 4, at);
        memory.u8().set(entry, at);
        memory.u8()[at + entry.length] = 0;
        at += entry.length + 1;
      });
      return 0;
    },
    __syscall_unlinkat(_dirfd: number, pathPtr: number, flags: number): number {
      dropReadAhead();
      const path = cString(pathPtr);
      try {
        checkPath(hooks.policy, "write", path);
        if (flags & AT_REMOVEDIR) fs.rmdirSync(path);
        else removeFile(path);
        return 0;
      } catch (err) {
        return -errno.of(err);
      }
    },
    __syscall_rmdir(pathPtr: number): number {
      try {
        const path = cString(pathPtr);
        checkPath(hooks.policy, "write", path);
        fs.rmdirSync(path);
        return 0;
      } catch (err) {
        return -errno.of(err);
      }
    },
    __syscall_renameat(_olddir: number, oldPtr: number, _newdir: number, newPtr: number): number {
      dropReadAhead();
      try {
        const [from, to] = [cString(oldPtr), cString(newPtr)];
        checkPath(hooks.policy, "write", from);
        checkPath(hooks.policy, "write", to);
        fs.renameSync(from, to);
        return 0;
      } catch (err) {
        return -errno.of(err);
      }
    },
    __syscall_readlinkat(_dirfd: number, pathPtr: number, buf: number, size: number): number {
      try {
        const path = cString(pathPtr);
        checkPath(hooks.policy, "read", path);
        const target = fs.readlinkSync(path, { encoding: "buffer" });
        const n = Math.min(size, target.length);
        memory.u8().set(target.subarray(0, n), buf);
        return n;
      } catch (err) {
        return -errno.of(err);
      }
    },
    system(cmdPtr: number): number {
      // system(NULL) asks whether a shell exists. os.execute is replaced in luastd/os.ts;
      // this only serves C code that calls system() itself.
      if (!cmdPtr) return 1;
      const command = decoder.decode(cString(cmdPtr));
      // Not a syscall: the result is a wait status, so a refusal reads as sh's "cannot execute".
      if (!allowsCommand(hooks.policy, command)) return waitStatus(CANNOT_EXECUTE_EXIT, null);
      const result = spawnSync("/bin/sh", ["-c", command], {
        stdio: "inherit",
        env: hooks.environ() as NodeJS.ProcessEnv,
      });
      return waitStatus(result.status, result.signal);
    },
    exit(code: number): never {
      return hooks.exit(code);
    },
  };
}

/**
 * `remove()` semantics for a non-directory unlink: musl retries a directory with rmdir only
 * when unlink says EISDIR in WASI numbering, which host numbers never are, so the retry
 * happens here (Linux says EISDIR, macOS EPERM).
 */
function removeFile(path: Buffer): void {
  try {
    fs.unlinkSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code === "EISDIR" || code === "EPERM") && isDirectory(path)) fs.rmdirSync(path);
    else throw err;
  }
}

/** The kernel offset of a descriptor open on a regular file (Linux /proc), else null. */
function kernelOffset(fd: number): number | null {
  try {
    if (!fs.fstatSync(fd).isFile()) return null;
    const m = /^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "latin1"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function isDirectory(path: Buffer): boolean {
  try {
    return fs.lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Encodes an exit code or signal the way wait(2) does, which musl's macros decode. */
export function waitStatus(status: number | null, signal: NodeJS.Signals | null): number {
  if (status !== null) return (status & 0xff) << 8;
  if (signal) {
    return (constants.signals[signal] ?? 9) & 0x7f;
  }
  return 127 << 8;
}

function environEntries(hooks: HostHooks): Uint8Array[] {
  const out: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const [k, v] of Object.entries(hooks.environ())) {
    if (v !== undefined) out.push(enc.encode(`${k}=${v}`));
  }
  return out;
}

/** Offsets in musl's `struct tm` (wasm32). */
const TM_SEC = 0, TM_MIN = 4, TM_HOUR = 8, TM_MDAY = 12, TM_MON = 16, TM_YEAR = 20, TM_ISDST = 32, TM_GMTOFF = 36;

/**
 * Wraps emscripten's strftime: Lua's `os.date` calls it once per conversion, and the glue
 * spells `%Z` as a long zone name where C prints an abbreviation such as "UTC", and gets
 * `%z` wrong for offsets that are not whole hours ("+0580" for India).
 */
export function wrapStrftime(
  original: (s: number, max: number, fmt: number, tm: number) => number,
  memory: WasmMemory,
): (s: number, max: number, fmt: number, tm: number) => number {
  return (s, max, fmt, tm) => {
    const u8 = memory.u8();
    const conversion = u8[fmt] === 0x25 && u8[fmt + 2] === 0 ? u8[fmt + 1] : 0;
    if (conversion !== 0x5a && conversion !== 0x7a) return original(s, max, fmt, tm);
    const view = memory.view();
    const gmtoff = view.getInt32(tm + TM_GMTOFF, true);
    let text: string;
    if (conversion === 0x7a) {
      text = numericOffset(gmtoff);
    } else {
      const isdst = view.getInt32(tm + TM_ISDST, true);
      // The instant the broken-down time stands for, to pick the zone's name at that date.
      const local = Date.UTC(
        view.getInt32(tm + TM_YEAR, true) + 1900, view.getInt32(tm + TM_MON, true),
        view.getInt32(tm + TM_MDAY, true), view.getInt32(tm + TM_HOUR, true),
        view.getInt32(tm + TM_MIN, true), view.getInt32(tm + TM_SEC, true),
      );
      text = timezoneAbbreviation(gmtoff, isdst > 0, new Date(local - gmtoff * 1000));
    }
    const bytes = new TextEncoder().encode(text);
    if (bytes.length + 1 > max) return 0;
    u8.set(bytes, s);
    u8[s + bytes.length] = 0;
    return bytes.length;
  };
}
