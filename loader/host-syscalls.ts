/**
 * The host side of the wasm Lua's libc. wasmoon's glue gives musl an in-memory filesystem,
 * fake environment and console-backed stdio; we replace those imports before the module is
 * instantiated so that Lua's own C `io` and `os` libraries act on the real filesystem,
 * environment, streams and processes, with musl's stdio buffering on top, as in `lua5.4`.
 *
 * Wasm-side file descriptors are host file descriptors. Node has no lseek, so regular files
 * opened here get a tracked position and positional reads/writes; inherited descriptors
 * (0, 1, 2) and pipes use the kernel offset.
 */
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { isatty } from "node:tty";
import { constants } from "node:os";
import { WASI, errnoOf } from "./wasi-errno.ts";
import { timezoneAbbreviation } from "./timezone.ts";

/** Memory views of the running module; read fresh on every call since memory can grow. */
export interface WasmMemory {
  u8(): Uint8Array;
  view(): DataView;
}

interface OpenFile {
  position: number;
  append: boolean;
  flags: number;
}

const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;
const AT_REMOVEDIR = 0x200;
const TCGETS = 0x5401;
const TIOCGWINSZ = 0x5413;
const F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Retries an operation that a non-blocking host descriptor answers with EAGAIN. */
function retrying<T>(op: () => T): T {
  for (;;) {
    try {
      return op();
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      pause(5);
    }
  }
}

/** Callbacks the runtime supplies: what happens on exit and where stdio goes. */
export interface HostHooks {
  /** Called by C `exit()` after musl has flushed its streams. */
  exit(code: number): never;
  /** The process environment as the Lua C library sees it (`environ`). */
  environ(): Record<string, string | undefined>;
}

/** Builds replacements for the wasm imports that touch the host. */
export function hostImports(memory: WasmMemory, hooks: HostHooks): Record<string, unknown> {
  const files = new Map<number, OpenFile>();
  const decoder = new TextDecoder();

  const cString = (ptr: number): Buffer => {
    const u8 = memory.u8();
    let end = ptr;
    while (u8[end] !== 0) end++;
    return Buffer.from(u8.subarray(ptr, end));
  };
  const i32 = (ptr: number) => memory.view().getInt32(ptr, true);
  const u32 = (ptr: number) => memory.view().getUint32(ptr, true);
  const setU32 = (ptr: number, v: number) => memory.view().setUint32(ptr, v, true);

  const io = (fd: number, iov: number, count: number, pnum: number, write: boolean): number => {
    const file = files.get(fd);
    let total = 0;
    try {
      for (let i = 0; i < count; i++) {
        const ptr = u32(iov + i * 8);
        const len = u32(iov + i * 8 + 4);
        if (len === 0) continue;
        const buf = memory.u8().subarray(ptr, ptr + len);
        const position = file && !(write && file.append) ? file.position : null;
        const n = write
          ? retrying(() => fs.writeSync(fd, buf, 0, len, position))
          : retrying(() => fs.readSync(fd, buf, 0, len, position));
        total += n;
        if (file) file.position = write && file.append ? fs.fstatSync(fd).size : file.position + n;
        if (n < len) break;
      }
    } catch (err) {
      if (total === 0) return errnoOf(err);
    }
    setU32(pnum, total);
    return 0;
  };

  return {
    __syscall_openat(_dirfd: number, pathPtr: number, flags: number, varargs: number): number {
      const mode = varargs ? i32(varargs) : 0o666;
      try {
        const fd = fs.openSync(cString(pathPtr), flags | O_CLOEXEC, mode);
        const st = fs.fstatSync(fd);
        if (st.isFile() || st.isBlockDevice()) {
          files.set(fd, { position: 0, append: (flags & O_APPEND) !== 0, flags });
        }
        return fd;
      } catch (err) {
        return -errnoOf(err);
      }
    },
    __syscall_fcntl64(fd: number, cmd: number, varargs: number): number {
      const file = files.get(fd);
      switch (cmd) {
        case F_GETFD:
        case F_SETFD:
          return 0;
        case F_GETFL:
          return file ? file.flags : fd === 0 ? 0 : 1;
        case F_SETFL:
          if (file) file.append = (i32(varargs) & O_APPEND) !== 0 || file.append;
          return 0;
        default:
          return -WASI.EINVAL;
      }
    },
    __syscall_ioctl(fd: number, op: number, argp: number): number {
      if ((op === TIOCGWINSZ || op === TCGETS) && !files.has(fd) && isatty(fd)) {
        if (op === TIOCGWINSZ && argp) {
          const view = memory.view();
          view.setUint16(argp, 24, true);
          view.setUint16(argp + 2, 80, true);
        }
        return 0;
      }
      return -WASI.ENOTTY;
    },
    __syscall_dup3(): number {
      return -WASI.ENOSYS;
    },
    fd_write(fd: number, iov: number, count: number, pnum: number): number {
      return io(fd, iov, count, pnum, true);
    },
    fd_read(fd: number, iov: number, count: number, pnum: number): number {
      return io(fd, iov, count, pnum, false);
    },
    fd_close(fd: number): number {
      files.delete(fd);
      // The standard streams stay open for the runtime's own output.
      if (fd <= 2) return 0;
      try {
        fs.closeSync(fd);
        return 0;
      } catch (err) {
        return errnoOf(err);
      }
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffset: number): number {
      const file = files.get(fd);
      if (!file) return WASI.ESPIPE;
      const off = Number(offset);
      let base = 0;
      if (whence === 1) base = file.position;
      else if (whence === 2) base = fs.fstatSync(fd).size;
      else if (whence !== 0) return WASI.EINVAL;
      if (base + off < 0) return WASI.EINVAL;
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
      try {
        const path = cString(pathPtr);
        if (flags & AT_REMOVEDIR) fs.rmdirSync(path);
        else fs.unlinkSync(path);
        return 0;
      } catch (err) {
        return -errnoOf(err);
      }
    },
    __syscall_rmdir(pathPtr: number): number {
      try {
        fs.rmdirSync(cString(pathPtr));
        return 0;
      } catch (err) {
        return -errnoOf(err);
      }
    },
    __syscall_renameat(_olddir: number, oldPtr: number, _newdir: number, newPtr: number): number {
      try {
        fs.renameSync(cString(oldPtr), cString(newPtr));
        return 0;
      } catch (err) {
        return -errnoOf(err);
      }
    },
    __syscall_readlinkat(_dirfd: number, pathPtr: number, buf: number, size: number): number {
      try {
        const target = fs.readlinkSync(cString(pathPtr), { encoding: "buffer" });
        const n = Math.min(size, target.length);
        memory.u8().set(target.subarray(0, n), buf);
        return n;
      } catch (err) {
        return -errnoOf(err);
      }
    },
    system(cmdPtr: number): number {
      // system(NULL) asks whether a shell exists.
      if (!cmdPtr) return 1;
      const result = spawnSync("/bin/sh", ["-c", decoder.decode(cString(cmdPtr))], {
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

/**
 * Wraps emscripten's strftime: Lua's `os.date` calls it once per conversion, and the glue
 * spells `%Z` as a long zone name where C prints an abbreviation such as "UTC".
 */
export function wrapStrftime(
  original: (s: number, max: number, fmt: number, tm: number) => number,
  memory: WasmMemory,
): (s: number, max: number, fmt: number, tm: number) => number {
  return (s, max, fmt, tm) => {
    const u8 = memory.u8();
    if (u8[fmt] === 0x25 && u8[fmt + 1] === 0x5a && u8[fmt + 2] === 0) {
      const view = memory.view();
      const gmtoff = view.getInt32(tm + 36, true);
      const isdst = view.getInt32(tm + 32, true);
      const bytes = new TextEncoder().encode(timezoneAbbreviation(gmtoff, isdst > 0));
      if (bytes.length + 1 > max) return 0;
      u8.set(bytes, s);
      u8[s + bytes.length] = 0;
      return bytes.length;
    }
    return original(s, max, fmt, tm);
  };
}
