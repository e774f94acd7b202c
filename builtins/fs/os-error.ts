/**
 * The spec's error texts for file builtins: `<fn>: <what> "<path>": <os error>`, the path
 * quoted with escapes, the OS error worded as Rust prints it (`No such file or directory (os
 * error 2)`), so messages read like the reference's. A sandbox denial is already a complete
 * Lua error and passes through unchanged.
 *
 * @example
 * ```ts
 * try { ... } catch (e) { throw fileError("fs.read", "failed to read", path, e); }
 * ```
 */
import { constants } from "node:os";
import { LuaError } from "../../loader/lua-api.ts";

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

/** An OS failure as Rust words it; other errors by their message. */
export function osErrorText(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  // The runtime refuses a path with a NUL byte before any system call; Rust says it this way.
  if (code === "ERR_INVALID_ARG_VALUE" && /null bytes/.test(String((e as Error).message))) {
    return "file name contained an unexpected NUL byte";
  }
  if (typeof code === "string" && STRERROR[code] !== undefined && ERRNO[code] !== undefined) {
    return `${STRERROR[code]} (os error ${ERRNO[code]})`;
  }
  return e instanceof Error ? e.message : String(e);
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
