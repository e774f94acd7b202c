/**
 * Errno numbers and messages for failures that happen on the JS side (spawning a child,
 * creating a temp file), reported exactly as `luaL_fileresult` reports libc failures:
 * `nil, "<name>: <strerror>", errno` in host numbers with the wasm libc's message text.
 */
import type { LuaApi } from "../lua-api.ts";
import { hostErrnoOf, remapStrerror, type StrerrorTable, strerrorText, wasiErrno } from "../wasi-errno.ts";

export class Errno {
  private located: StrerrorTable | null | undefined;

  constructor(private api: LuaApi) {}

  /** The table, remapped on first use (as the host syscalls do on their first failure). */
  private get table(): StrerrorTable | null {
    if (this.located === undefined) this.located = remapStrerror(this.api.heap);
    return this.located;
  }

  /** The number Lua scripts see for an error code name such as "ENOENT". */
  number(code: string | undefined): number {
    return this.table?.host === false ? wasiErrno(code) : hostErrnoOf(code);
  }

  /** `strerror(n)` of the wasm libc. */
  text(n: number): string {
    if (!this.table) return `Unknown error ${n}`;
    return strerrorText(this.api.heap, this.table, n);
  }

  /** Pushes `nil, "[name: ]message", errno` for a thrown Node error; returns 3. */
  pushFileResult(L: number, err: unknown, name: string | null): number {
    const n = this.number((err as { code?: string })?.code);
    const text = this.text(n);
    this.api.pushnil(L);
    this.api.pushstring(L, name === null ? text : `${name}: ${text}`);
    this.api.pushinteger(L, n);
    return 3;
  }
}
