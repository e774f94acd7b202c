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
import { LUA_TSTRING, LuaError } from "../loader/lua-api.ts";
import { nonFiniteName } from "../loader/bridge/float-format.ts";
import { nativeOf } from "../loader/wasm/native.ts";

/** Nesting depth at which parsing and encoding stop (MAX_DEPTH in native/json.c). */
const MAX_DEPTH = 1000;

/**
 * Before the first parse of a text this large, the C code parses and re-encodes SAMPLE a few
 * times (assay_json_prime in native/json.c): the engine then compiles the encoder while the
 * large text is parsed, instead of running it interpreted when the result is encoded. It
 * costs about 1 ms, once per VM; from about 30 KB of JSON on it pays for itself (the cold
 * encode of the 1.6 MB benchmark document: 24 ms without, 10 ms with).
 */
const PRIME_FROM = 32 * 1024;
const PRIME_ROUNDS = 8;
const SAMPLE = `{"items":[{"kind":"Pod","metadata":{"name":"web-1","labels":{"app":"web","tier":"fe"},` +
  `"uid":"0b9f\\u00e9\\n"},"spec":{"ports":[80,443],"cpu":0.25,"mem":-1.5e3,"on":true,"off":false,` +
  `"none":null,"empty":{},"list":[]}}],"total":2}`;

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
      args: [{ name: "value", type: "value", optional: true }],
      profiles: ["restricted", "pure"],
    },
  },
  install({ api, onClose }) {
    const native = nativeOf(api.m).exports;
    const context = native.assay_json_new();
    if (!context) throw new Error("not enough memory for the json builtin");
    onClose(() => native.assay_json_free(context));
    const stackPointer = native.__stack_pointer;
    let busy = false;

    /**
     * Runs a C entry point and returns its error code, or throws the Lua error it reports. The
     * per-VM context holds the scratch buffers of one call; a call made while another is under
     * way (a `__gc` metamethod run by a collection step during a parse) gets a context of its
     * own. When a Lua error (out of memory) unwinds through the C code, its stack pointer is
     * put back and its oversized scratch buffers are dropped before the error goes on.
     */
    const run = (L: number, call: (ctx: number) => number, fail: (L: number, ctx: number, code: number) => Error): void => {
      const nested = busy;
      const ctx = nested ? native.assay_json_new() : context;
      if (!ctx) throw new LuaError("not enough memory");
      const sp = stackPointer.value;
      busy = true;
      let code: number;
      try {
        code = call(ctx);
        if (code) throw fail(L, ctx, code);
      } catch (e) {
        stackPointer.value = sp;
        native.assay_json_release(ctx);
        throw e;
      } finally {
        busy = nested;
        if (nested) native.assay_json_free(ctx);
      }
    };

    /** The details of an error in the context: two int32s after the code, then a double. */
    const detail = (ctx: number, i: number): number => api.m.HEAP32[(ctx >> 2) + i];

    const parseError = (_L: number, ctx: number, code: number): Error => {
      if (code === E_ARGUMENT) return new LuaError("json.parse: first argument must be a string");
      const what = PARSE_ERRORS[code] ?? `error ${code}`;
      return new LuaError(`json.parse: ${what} at line ${detail(ctx, 1)} column ${detail(ctx, 2)}`);
    };
    const encodeError = (L: number, ctx: number, code: number): Error => {
      let what: string;
      switch (code) {
        case X_TYPE:
          what = `unsupported Lua type for JSON: ${api.typename(L, detail(ctx, 1))}`;
          break;
        case X_NONFINITE:
          what = `cannot encode ${nonFiniteName(api.m.HEAPF64[(ctx + 16) >> 3])} as JSON number`;
          break;
        case X_UTF8:
          what = `invalid UTF-8 in string at byte ${detail(ctx, 1)}`;
          break;
        case X_KEY_TYPE:
          what = `unsupported table key type: ${api.typename(L, detail(ctx, 1))}`;
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
    const primeError = (_L: number, _ctx: number, code: number): Error => new Error(`json: priming the codec failed (error ${code})`);

    let primed = false;
    const prime = (L: number): void => {
      primed = true;
      api.pushstring(L, SAMPLE);
      const idx = api.gettop(L);
      try {
        run(L, (ctx) => native.assay_json_prime(ctx, L, idx, PRIME_ROUNDS), primeError);
      } catch (e) {
        // A Lua error (a longjmp) must go on; a failed priming only costs speed (low memory).
        if (typeof e === "number") throw e;
      }
      api.settop(L, -2);
    };

    return {
      parse: {
        raw: (L) => {
          if (!primed && !busy && api.type(L, 1) === LUA_TSTRING && api.rawlen(L, 1) >= PRIME_FROM) prime(L);
          run(L, (ctx) => native.assay_json_parse(ctx, L), parseError);
          return 1;
        },
      },
      encode: {
        raw: (L) => {
          run(L, (ctx) => native.assay_json_encode(ctx, L), encodeError); // json.encode() encodes nil
          return 1;
        },
      },
    };
  },
});
