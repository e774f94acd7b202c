/**
 * `json.parse` and `json.encode` (builtins.md §2, conversion rules in §0.5). The work is done
 * in C (native/json.c), which reads and pushes Lua values through the Lua C API wasm-to-wasm,
 * so both are `raw` implementations: no JS value is made on the way, and the first call is as
 * fast as any later one. The C code reports a failure as a code plus its position; the
 * messages are made here.
 *
 * | function | |
 * |---|---|
 * | `json.parse(text) -> value` | JSON to Lua: integers stay integers (exact int64), `1.0` a float, null is nil |
 * | `json.encode(value) -> string` | compact JSON with byte-wise sorted keys; `{}` is `[]` |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { nonFiniteName } from "../loader/bridge/float-format.ts";
import { nativeOf } from "../loader/wasm/native.ts";

/** Nesting depth at which parsing and encoding stop (MAX_DEPTH in native/json.c). */
const MAX_DEPTH = 1000;

/** json.parse failures by the code native/json.c returns (its E_* constants). */
const PARSE_ERRORS: Record<number, string> = {
  1: "EOF while parsing a value",
  2: "expected value",
  3: `nesting deeper than ${MAX_DEPTH} levels`,
  4: "nesting too deep for the Lua stack",
  5: "EOF while parsing an object",
  6: "key must be a string",
  7: "expected `:`",
  8: "object too large for the Lua stack",
  9: "trailing comma",
  10: "expected `,` or `}`",
  11: "array too large for the Lua stack",
  12: "EOF while parsing a list",
  13: "expected `,` or `]`",
  14: "EOF while parsing a string",
  15: "control character (\\u0000-\\u001F) found while parsing a string",
  16: "not enough memory",
  17: "lone leading surrogate in hex escape",
  18: "invalid low surrogate in hex escape",
  19: "lone trailing surrogate in hex escape",
  20: "invalid escape",
  21: "invalid number",
  22: "number out of range",
  23: "trailing characters",
};
const E_ARGUMENT = 24;

/** json.encode failure codes (X_* in native/json.c). */
const X_TYPE = 32, X_NONFINITE = 33, X_UTF8 = 34, X_KEY_TYPE = 35, X_CYCLE = 36, X_DEPTH = 37,
  X_NEST_STACK = 38, X_TABLE_STACK = 39;

registerBuiltin({
  name: "json",
  description: "Parse and encode JSON with sorted keys and exact integers",
  functions: {
    parse: {
      signature: "json.parse(text) -> value",
      description: "Parse JSON text; integers stay integers (exact int64), 1.0 stays a float, null is nil",
      args: [{ name: "text", type: "bytes" }],
      profiles: ["restricted", "pure"],
    },
    encode: {
      signature: "json.encode(value) -> string",
      description: "Encode a value as compact JSON with byte-wise sorted keys ({} encodes as [])",
      args: [{ name: "value", type: "value" }],
      profiles: ["restricted", "pure"],
    },
  },
  install({ api, onClose }) {
    const native = nativeOf(api.m).exports;
    const ctx = native.assay_json_new();
    if (!ctx) throw new Error("not enough memory for the json builtin");
    onClose(() => native.assay_json_free(ctx));
    const stackPointer = native.__stack_pointer;

    /** Runs a C entry point; when a Lua error (out of memory) unwinds through it, puts its
     * stack pointer back and lets it drop oversized scratch buffers before passing it on. */
    const run = (fn: (ctx: number, L: number) => number, L: number): number => {
      const sp = stackPointer.value;
      try {
        return fn(ctx, L);
      } catch (e) {
        stackPointer.value = sp;
        native.assay_json_release(ctx);
        throw e;
      }
    };
    /** The error the context describes: code, then two int32 details, then a double. */
    const detail = (i: number): number => api.m.HEAP32[(ctx >> 2) + i];

    const parseError = (code: number): LuaError => {
      if (code === E_ARGUMENT) return new LuaError("json.parse: first argument must be a string");
      return new LuaError(`json.parse: ${PARSE_ERRORS[code] ?? `error ${code}`} at line ${detail(1)} column ${detail(2)}`);
    };
    const encodeError = (L: number, code: number): LuaError => {
      let what: string;
      switch (code) {
        case X_TYPE:
          what = `unsupported Lua type for JSON: ${api.typename(L, detail(1))}`;
          break;
        case X_NONFINITE:
          what = `cannot encode ${nonFiniteName(api.m.HEAPF64[(ctx + 16) >> 3])} as JSON number`;
          break;
        case X_UTF8:
          what = `invalid UTF-8 in string at byte ${detail(1)}`;
          break;
        case X_KEY_TYPE:
          what = `unsupported table key type: ${api.typename(L, detail(1))}`;
          break;
        case X_CYCLE:
          what = "cannot encode a table that contains itself (cycle detected)";
          break;
        case X_DEPTH:
          what = `nesting deeper than ${MAX_DEPTH} levels`;
          break;
        case X_NEST_STACK:
          what = "nesting too deep for the Lua stack";
          break;
        case X_TABLE_STACK:
          what = "table too large for the Lua stack";
          break;
        default:
          what = "not enough memory";
      }
      return new LuaError(`json.encode: ${what}`);
    };

    return {
      parse: {
        raw: (L) => {
          const code = run(native.assay_json_parse, L);
          if (code) throw parseError(code);
          return 1;
        },
      },
      encode: {
        raw: (L) => {
          const code = run(native.assay_json_encode, L); // json.encode() encodes nil
          if (code) throw encodeError(L, code);
          return 1;
        },
      },
    };
  },
});
