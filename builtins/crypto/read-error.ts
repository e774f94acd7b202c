/**
 * `crypto.hash_file`'s read failures in the spec's shape: `<fn>: failed to read "<path>": <os
 * error>`, the OS error worded as the reference (Rust's io::Error) prints it, `No such file
 * or directory (os error 2)`. A sandbox denial is already a complete Lua error and passes on
 * unchanged.
 */
import { constants } from "node:os";
import { LuaError } from "../../loader/lua-api.ts";

/** strerror's texts for the errors opening and reading a file can meet. */
const STRERROR: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  EACCES: "Permission denied",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOMEM: "Cannot allocate memory",
  ENAMETOOLONG: "File name too long",
  ELOOP: "Too many levels of symbolic links",
  EOVERFLOW: "Value too large for defined data type",
};

const ERRNO = constants.errno as Record<string, number>;

function osErrorText(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && STRERROR[code] && ERRNO[code] !== undefined) return `${STRERROR[code]} (os error ${ERRNO[code]})`;
  return e instanceof Error ? e.message : String(e);
}

/** The Lua error for a failed read of `path`. */
export function readError(fn: string, path: string, e: unknown): unknown {
  if (e instanceof LuaError || typeof e === "number") return e;
  return new LuaError(`${fn}: failed to read ${JSON.stringify(path)}: ${osErrorText(e)}`);
}
