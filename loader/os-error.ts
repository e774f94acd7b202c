/**
 * OS failures in the words the reference prints (Rust's `io::Error` display):
 * `No such file or directory (os error 2)`. Node and Bun word the same failure differently
 * (`ENOENT: no such file or directory, open '/x'`, `kill ESRCH`); scripts and the spec's
 * examples see the strerror text and the errno. Also the spec's shape of file errors,
 * `<fn>: <what> "<path>": <os error>`.
 *
 * @example
 * ```ts
 * try { ... } catch (e) { throw fileError("fs.read", "failed to read", path, e); }
 * try { process.kill(pid, 0); } catch (e) { throw new LuaError(`process.kill: ... ${osErrorText(e)}`); }
 * ```
 */
import { getSystemErrorMap } from "node:util";
import { constants } from "node:os";
import { LuaError } from "./lua-api.ts";

/** glibc's strerror texts, which Rust's io::Error prints, for the errors file calls meet. */
const STRERROR: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  EMLINK: "Too many links",
  EPIPE: "Broken pipe",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  EOVERFLOW: "Value too large for defined data type",
  ENOTSUP: "Operation not supported",
  EOPNOTSUPP: "Operation not supported",
  ESTALE: "Stale file handle",
  EDQUOT: "Disk quota exceeded",
};

const ERRNO = constants.errno as Record<string, number>;

/** A system error's code (`ENOENT`), or undefined for other errors. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** `<Strerror> (os error <n>)` for a system error; any other error by its message. */
export function osErrorText(e: unknown): string {
  const code = errorCode(e);
  // The runtime refuses a path with a NUL byte before any system call; Rust says it this way.
  if (code === "ERR_INVALID_ARG_VALUE" && /null bytes/.test(String((e as Error).message))) {
    return "file name contained an unexpected NUL byte";
  }
  const errno = code === undefined ? undefined : ERRNO[code];
  if (errno === undefined) return e instanceof Error ? e.message : String(e);
  // glibc's wording where libuv's differs (EISDIR is "illegal operation on a directory" there);
  // libuv's map, keyed by negative numbers and lower-cased, for the rest.
  const text = STRERROR[code!] ?? getSystemErrorMap().get(-errno)?.[1] ?? code!;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (os error ${errno})`;
}

/** A path (or other value) double-quoted with escapes, as messages show it. */
export function quoted(path: string): string {
  return JSON.stringify(path);
}

/** `<fn>: <what> "<path>": <error>`; a LuaError (a denial, a memory refusal) as it is. */
export function fileError(fn: string, what: string, path: string, e: unknown): unknown {
  if (e instanceof LuaError || typeof e === "number") return e;
  return new LuaError(`${fn}: ${what} ${quoted(path)}: ${osErrorText(e)}`);
}
