import { Buffer } from "node:buffer";
import { constants } from "node:os";

/**
 * Errno numbers. The wasm build of Lua is emscripten's musl with WASI numbering (ENOENT=44),
 * but scripts must see the host's numbers (ENOENT=2), as `lua5.4` reports them. Lua reads
 * `errno` straight after a failing libc call and pushes it next to `strerror(errno)`, so the
 * cheapest place to fix the number is at the source: the host syscalls report host numbers,
 * and musl's strerror table in wasm memory is rewritten so that it is indexed by host
 * numbers (`remapStrerror`). Every `luaL_fileresult` then carries the host number with no
 * per-call cost, including `file:write`, `file:read` and `file:seek`.
 *
 * musl's own compiled-in constants stay WASI; the few places where musl sets or compares an
 * errno itself are not reachable through Lua's `io`/`os` (Lua validates modes and whence
 * before calling libc), except `remove()`, whose EISDIR retry the host `unlinkat` handles.
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

export const WASI = WASI_ERRNO;

/** The WASI errno for a host error code name such as "ENOENT"; EIO when unknown. */
export function wasiErrno(code: string | undefined): number {
  return (code && WASI_ERRNO[code]) || WASI_ERRNO.EIO;
}

const HOST_ERRNO = constants.errno as Record<string, number>;

/** The host's errno for a code name such as "ENOENT"; EIO when unknown. */
export function hostErrnoOf(code: string | undefined): number {
  return (code && HOST_ERRNO[code]) || HOST_ERRNO.EIO;
}

const hostByWasi = new Map<number, number>();
for (const [name, wasi] of Object.entries(WASI_ERRNO)) {
  const host = HOST_ERRNO[name];
  if (host !== undefined) hostByWasi.set(wasi, host);
}

/** Translates a WASI errno into the host's number for the same error. */
export function hostErrno(wasi: number): number {
  return hostByWasi.get(wasi) ?? wasi;
}

const encoder = new TextEncoder();
/** musl 1.2 keeps its messages in one block starting with these two. */
const FIRST_MESSAGES = encoder.encode("No error information\0Illegal byte sequence\0");
/** Entries in musl's index (one per WASI errno up to EXDEV). */
const TABLE_SIZE = WASI_ERRNO.EXDEV + 1;
const SEARCH_WINDOW = 1 << 16;

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}

/** Where musl's strerror data lives in wasm memory, and which numbering indexes it now. */
export interface StrerrorTable {
  /** Start of the message block. */
  base: number;
  /** Start of the `unsigned short` offsets, one per errno. */
  table: number;
  host: boolean;
}

/**
 * Finds musl's strerror index (`unsigned short errmsgidx[]`, message offsets indexed by
 * errno) in wasm memory, indexed either by WASI numbers (as built) or by host numbers (after
 * `remapStrerror`); null when this build of musl keeps it elsewhere.
 */
export function locateStrerror(u8: Uint8Array): StrerrorTable | null {
  const base = indexOfBytes(u8, FIRST_MESSAGES);
  if (base < 0) return null;
  const offsetOf = (message: string): number => {
    const at = indexOfBytes(u8, encoder.encode(message + "\0"), base);
    return at < 0 || at - base > 0xffff ? -1 : at - base;
  };
  const texts: [string, string][] = [
    ["EACCES", "Permission denied"],
    ["EILSEQ", "Illegal byte sequence"],
    ["ENOENT", "No such file or directory"],
    ["EXDEV", "Cross-device link"],
  ];
  const offsets = texts.map(([name, text]) => [name, offsetOf(text)] as const);
  if (offsets.some(([, off]) => off < 0)) return null;
  const probes = (numbers: Record<string, number>): [number, number][] =>
    offsets.filter(([name]) => numbers[name] < TABLE_SIZE).map(([name, off]) => [numbers[name] * 2, off]);
  const layouts: [boolean, [number, number][]][] = [[false, probes(WASI_ERRNO)], [true, probes(HOST_ERRNO)]];
  const u16 = (p: number) => u8[p] | (u8[p + 1] << 8);
  const fits = (p: number, checks: [number, number][]) => {
    for (const [at, off] of checks) if (u16(p + at) !== off) return false;
    return true;
  };
  // The index sits right after the messages in this build; search outwards from there.
  const limit = u8.length - TABLE_SIZE * 2;
  const first = (base + 1) & ~1;
  const at = (p: number): StrerrorTable | null => {
    // errmsgidx[0] is the offset of the first message, 0.
    if (p < 0 || p > limit || u8[p] !== 0 || u8[p + 1] !== 0) return null;
    for (const [host, checks] of layouts) if (fits(p, checks)) return { base, table: p, host };
    return null;
  };
  for (let d = 0; d < SEARCH_WINDOW; d += 2) {
    const found = at(first + d) ?? at(first - d - 2);
    if (found) return found;
  }
  return null;
}

/**
 * Rewrites musl's strerror index to be indexed by host errno numbers (host numbers past the
 * table's end print "No error information") and returns where it is. Returns null, changing
 * nothing, when the table is not found; callers then keep reporting WASI numbers so that
 * messages stay right.
 */
export function remapStrerror(u8: Uint8Array): StrerrorTable | null {
  const found = locateStrerror(u8);
  if (!found) return null;
  if (found.host) return found;
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const wasiOffsets: number[] = [];
  for (let i = 0; i < TABLE_SIZE; i++) wasiOffsets.push(view.getUint16(found.table + i * 2, true));
  const nameByHost = new Map<number, string>();
  for (const [name, n] of Object.entries(HOST_ERRNO)) {
    if (WASI_ERRNO[name] !== undefined && !nameByHost.has(n)) nameByHost.set(n, name);
  }
  for (let i = 1; i < TABLE_SIZE; i++) {
    const name = nameByHost.get(i);
    view.setUint16(found.table + i * 2, name ? wasiOffsets[WASI_ERRNO[name]] : 0, true);
  }
  return { ...found, host: true };
}

/** `strerror(n)` as the wasm libc prints it, read from its table. */
export function strerrorText(u8: Uint8Array, at: StrerrorTable, n: number): string {
  const index = n > 0 && n < TABLE_SIZE ? n : 0;
  const off = at.base + (u8[at.table + index * 2] | (u8[at.table + index * 2 + 1] << 8));
  let end = off;
  while (u8[end] !== 0) end++;
  return new TextDecoder().decode(u8.subarray(off, end));
}

/**
 * The errno numbering one wasm instance uses. It switches to host numbers the first time a
 * number is needed, after remapping that instance's strerror table (memory is only there
 * once the module is instantiated).
 */
export class ErrnoNumbering {
  private mode: "unset" | "host" | "wasi" = "unset";

  constructor(private memory: () => Uint8Array) {}

  /** Whether results are host numbers (false only if this musl build was not recognised). */
  get host(): boolean {
    if (this.mode === "unset") this.mode = remapStrerror(this.memory()) !== null ? "host" : "wasi";
    return this.mode === "host";
  }

  /** The number for an error code name ("ENOENT"), EIO when unknown. */
  code(name: string | undefined): number {
    return this.host ? hostErrnoOf(name) : wasiErrno(name);
  }

  /** The number for a thrown Node error. */
  of(err: unknown): number {
    return this.code((err as { code?: string })?.code);
  }
}

/** Maps a thrown Node error to a WASI errno. */
export function errnoOf(err: unknown): number {
  return wasiErrno((err as { code?: string })?.code);
}
