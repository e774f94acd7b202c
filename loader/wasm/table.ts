/**
 * JS functions as entries of a wasm function table, so that C code (Lua) can call them
 * through a function pointer. A table entry must be a wasm function, and JavaScriptCore has
 * no `WebAssembly.Function`, so each JS function is wrapped by instantiating a tiny stub
 * module that imports it and exports it again. The stub is compiled once per signature per
 * process; each registration only instantiates it.
 *
 * @example
 * ```ts
 * const table = new FunctionTable(exports.__indirect_function_table);
 * const ptr = table.add((L: number) => 0, "ii"); // int f(lua_State*)
 * table.remove(ptr);
 * ```
 */

/** A signature in emscripten's letters: the result first (`v` for none), then parameters; `i` is i32. */
export type Signature = "ii" | "iiii" | "iiiii" | "vii";

const stubs = new Map<Signature, WebAssembly.Module>();

/** The bytes of a module that imports `e.f` with the signature and exports it as `f`. */
function stubBytes(sig: Signature): Uint8Array {
  const params = sig.slice(1).split("").map(() => 0x7f);
  const results = sig[0] === "v" ? [] : [0x7f];
  const type = [0x60, params.length, ...params, results.length, ...results];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, ...type]), // one type
    ...section(2, [1, 1, 0x65, 1, 0x66, 0x00, 0x00]), // import "e" "f" as function of type 0
    ...section(7, [1, 1, 0x66, 0x00, 0x00]), // export "f" = function 0
  ]);
}

function stubModule(sig: Signature): WebAssembly.Module {
  let module = stubs.get(sig);
  if (!module) {
    module = new WebAssembly.Module(stubBytes(sig) as BufferSource);
    stubs.set(sig, module);
  }
  return module;
}

/** One instance's function table, with a free list so removed slots are reused. */
export class FunctionTable {
  private free: number[] = [];
  /** Entries by index: invoke_* calls look functions up on every protected call. */
  private mirror: (((...args: number[]) => unknown) | null)[] = [];

  constructor(readonly table: WebAssembly.Table) {}

  /** The function at `index` (what a C function pointer calls). */
  get(index: number): (...args: number[]) => unknown {
    let fn = this.mirror[index];
    if (!fn) {
      fn = this.table.get(index) as (...args: number[]) => unknown;
      this.mirror[index] = fn;
    }
    return fn;
  }

  /** Adds a wasm function (an export of some instance) and returns its index. */
  addWasm(fn: unknown): number {
    const index = this.free.pop() ?? this.table.grow(1);
    this.table.set(index, fn as never);
    this.mirror[index] = null;
    return index;
  }

  /** Adds a JS function with the given signature and returns its index (a C function pointer). */
  add(fn: (...args: never[]) => unknown, sig: Signature): number {
    const instance = new WebAssembly.Instance(stubModule(sig), { e: { f: fn } });
    return this.addWasm(instance.exports.f);
  }

  /** Frees an entry; its index may be handed out again. */
  remove(index: number): void {
    this.table.set(index, null as never);
    this.mirror[index] = null;
    this.free.push(index);
  }
}
