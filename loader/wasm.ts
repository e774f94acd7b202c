/**
 * Instantiates wasmoon's Lua 5.4 wasm for one VM, with imports of our own: no emscripten
 * glue runs. The compiled module is shared by every VM of the process and instantiated
 * synchronously, so VMs created concurrently can never see each other's memory; the host
 * side of its libc (files, streams, environment, processes) is host-syscalls.ts, the
 * calendar is wasm/time.ts, setjmp/longjmp is the `invoke_vii`/`_emscripten_throw_longjmp`
 * pair below. Memory grows only through `emscripten_resize_heap`, which is where the wasm
 * memory cap (the backstop behind the Lua heap limit) is enforced.
 *
 * @example
 * ```ts
 * const m = instantiateLua(await compiledLua(wasmLocation()), { exit, environ: () => ({}) });
 * const L = m._luaL_newstate();
 * ```
 */
import { readFileSync } from "node:fs";
import { type HostHooks, hostImports, type WasmMemory, wrapStrftime } from "./host-syscalls.ts";
import { precompiledWasm } from "./host.ts";
import { type LuaExports, REQUIRED_EXPORTS } from "./wasm/exports.ts";
import { FunctionTable, type Signature } from "./wasm/table.ts";
import { timeImports } from "./wasm/time.ts";

type Prefixed<T> = { [K in keyof T as K extends string ? `_${K}` : never]: T[K] };

/**
 * One Lua wasm instance: the C API as `_lua_*` functions (the raw exports, no wrappers),
 * views of its memory that stay current as it grows, and its function table.
 */
export type LuaModule = Prefixed<LuaExports> & {
  readonly exports: LuaExports;
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  readonly HEAPU32: Uint32Array;
  readonly HEAPF64: Float64Array;
  readonly table: FunctionTable;
  /** Registers a JS function as a C function pointer (see wasm/table.ts). */
  addFunction(fn: (...args: never[]) => unknown, sig: Signature): number;
  removeFunction(index: number): void;
  /** A malloc'd NUL-terminated UTF-8 copy of `s`; the caller frees it. */
  stringToNewUTF8(s: string): number;
  /** Caps the total size wasm memory may grow to, in bytes. */
  setMemoryCap(bytes: number): void;
};

const WASM_PAGE = 65536;
/** Emscripten's default limit on 32-bit memory. */
const MAX_MEMORY = 2 ** 31;
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The Lua wasm compiled once per process (or by the binary's entry while it loads). */
export function compiledLua(path: string): Promise<WebAssembly.Module> {
  let module = compiled.get(path);
  if (!module) {
    module = precompiledWasm(path) ?? WebAssembly.compile(readFileSync(path) as BufferSource);
    compiled.set(path, module);
  }
  return module;
}

/** Creates one Lua instance from the compiled module, with its runtime initialised. */
export function instantiateLua(module: WebAssembly.Module, hooks: HostHooks): LuaModule {
  // Assigned once the instance exists; the imports below close over them before that.
  // deno-lint-ignore prefer-const
  let exports!: LuaExports;
  // deno-lint-ignore prefer-const
  let table!: FunctionTable;
  let cap = MAX_MEMORY;
  const views = {
    u8: new Uint8Array(0),
    i32: new Int32Array(0),
    u32: new Uint32Array(0),
    f64: new Float64Array(0),
    dv: new DataView(new ArrayBuffer(0)),
  };
  const refresh = () => {
    const buffer = exports.memory.buffer;
    if (views.u8.buffer === buffer) return;
    views.u8 = new Uint8Array(buffer);
    views.i32 = new Int32Array(buffer);
    views.u32 = new Uint32Array(buffer);
    views.f64 = new Float64Array(buffer);
    views.dv = new DataView(buffer);
  };
  // Memory grows only in emscripten_resize_heap below, which refreshes the views.
  const memory: WasmMemory = {
    u8: () => views.u8,
    view: () => views.dv,
  };
  const newString = (s: string): number => {
    const bytes = new TextEncoder().encode(s);
    const p = exports.malloc(bytes.length + 1);
    if (!p) return 0;
    memory.u8().set(bytes, p);
    views.u8[p + bytes.length] = 0;
    return p;
  };

  const host = hostImports(memory, hooks);
  const time = timeImports(memory, newString);
  const env = {
    ...host,
    ...time,
    strftime: wrapStrftime(time.strftime, memory),
    abort: () => {
      throw new Error("the Lua runtime aborted (native code called abort())");
    },
    emscripten_date_now: () => Date.now(),
    _emscripten_get_now_is_monotonic: () => 1,
    emscripten_resize_heap: (requested: number) => {
      const size = requested >>> 0;
      const current = exports.memory.buffer.byteLength;
      if (size > cap) return 0;
      // Grow by a fifth at least, as emscripten does, so repeated small growths stay rare.
      const target = Math.min(cap, Math.max(size, current + Math.ceil(current / 5)));
      try {
        exports.memory.grow(Math.ceil((target - current) / WASM_PAGE));
      } catch {
        try {
          exports.memory.grow(Math.ceil((size - current) / WASM_PAGE));
        } catch {
          return 0;
        }
      }
      refresh();
      return 1;
    },
    // setjmp/longjmp: longjmp throws, and the protected call that did the setjmp catches.
    _emscripten_throw_longjmp: () => {
      throw Infinity;
    },
    invoke_vii: (index: number, a: number, b: number) => {
      const sp = exports.stackSave();
      try {
        table.get(index)(a, b);
      } catch (e) {
        exports.stackRestore(sp);
        if (typeof e !== "number") throw e;
        exports.setThrew(1, 0);
      }
    },
  };
  const instance = new WebAssembly.Instance(module, { env, wasi_snapshot_preview1: env } as WebAssembly.Imports);
  exports = instance.exports as unknown as LuaExports;
  for (const name of REQUIRED_EXPORTS) {
    if (!(name in exports)) throw new Error(`the Lua wasm lacks the export ${name}`);
  }
  table = new FunctionTable(exports.__indirect_function_table);
  refresh();
  exports.emscripten_stack_init();
  exports.__wasm_call_ctors();

  const m: Record<string, unknown> = {
    exports,
    table,
    addFunction: (fn: (...args: never[]) => unknown, sig: Signature) => table.add(fn, sig),
    removeFunction: (index: number) => table.remove(index),
    stringToNewUTF8: newString,
    setMemoryCap: (bytes: number) => {
      cap = Math.min(MAX_MEMORY, bytes);
    },
  };
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === "function") m["_" + name] = value;
  }
  Object.defineProperties(m, {
    HEAPU8: { get: () => views.u8 },
    HEAP32: { get: () => views.i32 },
    HEAPU32: { get: () => views.u32 },
    HEAPF64: { get: () => views.f64 },
  });
  return m as unknown as LuaModule;
}
