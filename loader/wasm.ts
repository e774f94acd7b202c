/**
 * Instantiates wasmoon's Lua 5.4 build with the host-facing imports replaced (see
 * host-syscalls.ts) and a cap on how far its memory may grow, which is how the Lua heap
 * limit is enforced without a JS callback on every allocation.
 */
import { LuaWasm } from "wasmoon";
import { type HostHooks, hostImports, wrapStrftime } from "./host-syscalls.ts";
import { precompiledWasm } from "./host.ts";

/** The emscripten module: raw wasm exports (`_lua_*`) plus memory and function-table helpers. */
// deno-lint-ignore no-explicit-any
export type LuaModule = any;

export interface WasmOptions {
  /** Where glue.wasm is: a path on disk or inside the compiled binary. */
  wasmPath: string;
  hooks: HostHooks;
}

export interface LoadedWasm {
  module: LuaModule;
  /** Caps the total size wasm memory may grow to (the Lua heap limit). */
  setHeapCap(bytes: number): void;
}

type Imports = Record<string, Record<string, unknown>>;

/** Loads the wasm Lua module with host syscalls and the heap cap in place. */
export async function loadLuaWasm(options: WasmOptions): Promise<LoadedWasm> {
  let module: LuaModule | undefined;
  let cap = Infinity;
  let wasmMemory: WebAssembly.Memory | undefined;
  let rawExports: WebAssembly.Exports | undefined;
  let u8 = new Uint8Array(0);
  let view = new DataView(new ArrayBuffer(0));
  const refresh = () => {
    if (u8.buffer !== wasmMemory!.buffer) {
      u8 = new Uint8Array(wasmMemory!.buffer);
      view = new DataView(wasmMemory!.buffer);
    }
  };
  const memory = {
    u8: () => (refresh(), u8),
    view: () => (refresh(), view),
  };
  const capture = (result: unknown) => {
    const r = result as { instance?: WebAssembly.Instance } & WebAssembly.Instance;
    const exports = (r.instance ?? r).exports;
    wasmMemory = exports.memory as WebAssembly.Memory;
    rawExports = exports;
    return result;
  };
  const patch = (imports: Imports) => {
    const env = imports.env;
    const replaced = hostImports(memory, options.hooks);
    const strftime = env.strftime as (a: number, b: number, c: number, d: number) => number;
    const resize = env.emscripten_resize_heap as (size: number) => boolean;
    Object.assign(env, replaced);
    if (imports.wasi_snapshot_preview1 !== env) Object.assign(imports.wasi_snapshot_preview1, replaced);
    env.strftime = wrapStrftime(strftime, memory);
    env.emscripten_resize_heap = (size: number) => (size >>> 0) > cap ? false : resize(size);
  };

  const wa = WebAssembly as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originalInstantiate = wa.instantiate;
  const originalStreaming = wa.instantiateStreaming;
  const early = precompiledWasm(options.wasmPath);
  wa.instantiate = (source: unknown, imports: unknown) => {
    if (imports) patch(imports as Imports);
    if (early) {
      return early
        .then(async (module) => ({ module, instance: await originalInstantiate.call(WebAssembly, module, imports) }))
        .then(capture);
    }
    return (originalInstantiate.call(WebAssembly, source, imports) as Promise<unknown>).then(capture);
  };
  if (originalStreaming) {
    wa.instantiateStreaming = (source: unknown, imports: unknown) => {
      if (imports) patch(imports as Imports);
      return (originalStreaming.call(WebAssembly, source, imports) as Promise<unknown>).then(capture);
    };
  }
  try {
    const lua = await LuaWasm.initialize(options.wasmPath);
    module = lua.module;
    useRawExports(module, rawExports);
  } finally {
    wa.instantiate = originalInstantiate;
    if (originalStreaming) wa.instantiateStreaming = originalStreaming;
  }
  return {
    module,
    setHeapCap(bytes: number) {
      cap = bytes;
    },
  };
}

/**
 * The build has emscripten assertions on, so every `Module._lua_*` is a JS wrapper that
 * asserts and forwards through `apply(arguments)`; that wrapper cost more than the call itself
 * (measured: JSON encode 14 ms -> 6 ms). Once the runtime is up the assertions can never fire,
 * so the wrappers are replaced by the wasm exports they forward to.
 */
function useRawExports(module: LuaModule, exports: WebAssembly.Exports | undefined): void {
  if (!exports) return;
  for (const [name, fn] of Object.entries(exports)) {
    if (typeof fn === "function" && typeof module["_" + name] === "function") module["_" + name] = fn;
  }
}
