/**
 * The runtime's own native helpers (native/*.c, built into assay-native.wasm): a small module
 * that shares one Lua instance's memory and calls its allocator and C API wasm-to-wasm (every
 * function the Lua instance exports is offered as an `env` import). It holds no data segment;
 * its shadow stack is a block malloc'd here. See docs/native.md.
 *
 * @example
 * ```ts
 * const native = attachNative(m, await compiledNative(nativeLocation()));
 * m._lua_setallocf(L, native.alloc, budget);
 * const ctx = nativeOf(m).exports.assay_json_new(); // later, from a builtin
 * ```
 */
import { readFileSync } from "node:fs";
import type { LuaModule } from "../wasm.ts";
import { formatFloat } from "../bridge/float-format.ts";

/** What native/*.c exports, typed. Pointers and `lua_State*` are wasm addresses. */
export interface NativeExports {
  __stack_pointer: WebAssembly.Global;
  assay_alloc: (ud: number, ptr: number, osize: number, nsize: number) => number;
  /** native/json.c: a codec context (0 when out of memory), freed by `assay_json_free`. */
  assay_json_new: () => number;
  assay_json_free: (ctx: number) => void;
  /** Frees oversized scratch buffers; call it when a json call threw past the C code. */
  assay_json_release: (ctx: number) => void;
  /** Parses the text at `idx` (null as json.null when `keepNull` is 1); pushes the value and returns 0, or an error code. */
  assay_json_parse: (ctx: number, L: number, idx: number, keepNull: number) => number;
  /** Encodes the value at `idx` (shape marks in the table at `shapes`, 0 for none); pushes the text and returns 0, or an error code. */
  assay_json_encode: (ctx: number, L: number, idx: number, shapes: number) => number;
  /** Parses and re-encodes the JSON text at stack index `idx` `rounds` times (see json.c). */
  assay_json_prime: (ctx: number, L: number, idx: number, rounds: number) => number;
}

/** The helpers as one Lua instance sees them. */
export interface Native {
  /** `lua_Alloc` with a byte budget (native/heap.c), as a function-table index. */
  alloc: number;
  /** The module's exports, for builtins that call them directly. */
  exports: NativeExports;
}

const attached = new WeakMap<LuaModule, Native>();

/** The helpers attached to `m` by attachNative. */
export function nativeOf(m: LuaModule): Native {
  const native = attached.get(m);
  if (!native) throw new Error("the native helpers are not attached to this Lua instance");
  return native;
}

const STACK_SIZE = 64 * 1024;
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The native module compiled once per process. */
export function compiledNative(path: string): Promise<WebAssembly.Module> {
  let module = compiled.get(path);
  if (!module) {
    module = WebAssembly.compile(readFileSync(path) as BufferSource);
    compiled.set(path, module);
  }
  return module;
}

/** Instantiates the native helpers on `m`'s memory and registers them in its function table. */
export function attachNative(m: LuaModule, module: WebAssembly.Module): Native {
  const { exports } = m;
  const env: Record<string, unknown> = { memory: exports.memory };
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === "function") env[name] = value;
  }
  // Rare (floats are rare in JSON documents): the shortest round-trip text, ryu's layout.
  env.assay_format_float = (x: number, out: number): number => {
    const text = formatFloat(x);
    const u8 = m.HEAPU8;
    for (let i = 0; i < text.length; i++) u8[out + i] = text.charCodeAt(i);
    return text.length;
  };
  const instance = new WebAssembly.Instance(module, { env } as WebAssembly.Imports);
  const native = instance.exports as unknown as NativeExports;
  const stack = exports.malloc(STACK_SIZE);
  if (!stack) throw new Error("not enough memory for the native helpers' stack");
  native.__stack_pointer.value = (stack + STACK_SIZE) & ~15;
  const helpers: Native = { alloc: m.table.addWasm(native.assay_alloc), exports: native };
  attached.set(m, helpers);
  return helpers;
}
