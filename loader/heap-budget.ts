/**
 * The Lua heap limit: a byte budget shared with the native allocator (native/heap.c), which
 * refuses a request past the limit so that Lua collects garbage and retries before raising
 * "not enough memory". JS buffers held for Lua (a response body, a file read) are charged to
 * the same budget through `charge`/`release`, so the limit covers what a script really holds.
 *
 * @example
 * ```ts
 * if (!ctx.heap.charge(body.length)) throw new LuaError("not enough memory");
 * try { push(body) } finally { ctx.heap.release(body.length) }
 * ```
 */
import type { LuaModule } from "./wasm.ts";

/** Two doubles in wasm memory: bytes in use, and the limit. */
const USED = 0, LIMIT = 1;

export class HeapBudget {
  /** Address of the budget struct in wasm memory (the allocator's user data). */
  readonly address: number;

  constructor(private m: LuaModule) {
    this.address = m._malloc(16);
    if (!this.address) throw new Error("out of memory");
    this.set(USED, 0);
    this.set(LIMIT, Infinity);
  }

  private get(field: number): number {
    return this.m.HEAPF64[(this.address >> 3) + field];
  }

  private set(field: number, value: number): void {
    this.m.HEAPF64[(this.address >> 3) + field] = value;
  }

  /** Bytes counted as in use: Lua's live allocations plus JS charges. */
  get used(): number {
    return this.get(USED);
  }

  get limit(): number {
    return this.get(LIMIT);
  }

  /** Allows `bytes` more than what is in use now (the limit counts from the VM as set up). */
  limitFromNow(bytes: number): void {
    this.set(LIMIT, this.used + bytes);
  }

  /** Removes the limit (the run is over, and the runtime's own report must not fail). */
  lift(): void {
    this.set(LIMIT, Infinity);
  }

  /** Counts a JS-side buffer held for Lua; false (nothing counted) when it would pass the limit. */
  charge(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.set(USED, this.used + bytes);
    return true;
  }

  /** Uncounts a buffer charged earlier. */
  release(bytes: number): void {
    this.set(USED, this.used - bytes);
  }
}
