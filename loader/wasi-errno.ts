import { constants } from "node:os";

/**
 * Errno numbers as the wasm build of Lua (emscripten's musl, WASI numbering) knows them.
 * Syscalls must report failures in these numbers so that musl's strerror gives the right
 * text; results handed to Lua scripts are translated back to the host's numbers.
 */
const WASI_ERRNO: Record<string, number> = {
  E2BIG: 1, EACCES: 2, EADDRINUSE: 3, EADDRNOTAVAIL: 4, EAFNOSUPPORT: 5, EAGAIN: 6,
  EALREADY: 7, EBADF: 8, EBADMSG: 9, EBUSY: 10, ECANCELED: 11, ECHILD: 12,
  ECONNABORTED: 13, ECONNREFUSED: 14, ECONNRESET: 15, EDEADLK: 16, EDESTADDRREQ: 17,
  EDOM: 18, EDQUOT: 19, EEXIST: 20, EFAULT: 21, EFBIG: 22, EHOSTUNREACH: 23, EIDRM: 24,
  EILSEQ: 25, EINPROGRESS: 26, EINTR: 27, EINVAL: 28, EIO: 29, EISCONN: 30, EISDIR: 31,
  ELOOP: 32, EMFILE: 33, EMLINK: 34, EMSGSIZE: 35, EMULTIHOP: 36, ENAMETOOLONG: 37,
  ENETDOWN: 38, ENETRESET: 39, ENETUNREACH: 40, ENFILE: 41, ENOBUFS: 42, ENODEV: 43,
  ENOENT: 44, ENOEXEC: 45, ENOLCK: 46, ENOLINK: 47, ENOMEM: 48, ENOMSG: 49,
  ENOPROTOOPT: 50, ENOSPC: 51, ENOSYS: 52, ENOTCONN: 53, ENOTDIR: 54, ENOTEMPTY: 55,
  ENOTRECOVERABLE: 56, ENOTSOCK: 57, ENOTSUP: 58, ENOTTY: 59, ENXIO: 60, EOVERFLOW: 61,
  EOWNERDEAD: 62, EPERM: 63, EPIPE: 64, EPROTO: 65, EPROTONOSUPPORT: 66, EPROTOTYPE: 67,
  ERANGE: 68, EROFS: 69, ESPIPE: 70, ESRCH: 71, ESTALE: 72, ETIMEDOUT: 73, ETXTBSY: 74,
  EXDEV: 75,
};

/** The WASI errno for a host error code name such as "ENOENT"; EIO when unknown. */
export function wasiErrno(code: string | undefined): number {
  return (code && WASI_ERRNO[code]) || WASI_ERRNO.EIO;
}

export const WASI = WASI_ERRNO;

const hostByWasi = new Map<number, number>();
for (const [name, wasi] of Object.entries(WASI_ERRNO)) {
  const host = (constants.errno as Record<string, number>)[name];
  if (host !== undefined) hostByWasi.set(wasi, host);
}

/** Translates a WASI errno into the host's number for the same error. */
export function hostErrno(wasi: number): number {
  return hostByWasi.get(wasi) ?? wasi;
}

/** Maps a thrown Node error to a WASI errno. */
export function errnoOf(err: unknown): number {
  return wasiErrno((err as { code?: string })?.code);
}
