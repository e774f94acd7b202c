/**
 * The JSON codec of native/json.c for one VM: it reads and pushes Lua values through the Lua C
 * API wasm-to-wasm, so no JS value is made on the way. `json.parse`/`json.encode` are built on
 * it, and so is every builtin that needs §0.5 JSON text of a Lua value (JWT claims, HTTP
 * bodies), which therefore agree with `json.encode` byte for byte. The C code reports a
 * failure as a code plus its position; the messages are made here.
 *
 * @example
 * ```ts
 * const codec = jsonCodec(api, onClose);
 * codec.encode(L, 1, "crypto.jwt_sign: encoding failed"); // pushes the JSON text
 * codec.parse(L, -1, "json.parse");                       // pushes the value
 * ```
 */
import { LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, type LuaApi, LuaError } from "../lua-api.ts";
import { formatFloat, nonFiniteName } from "./float-format.ts";
import { nativeOf } from "../wasm/native.ts";
import { isJsonNull, pushShapes, SHAPE_ARRAY, shapeOf } from "./shapes.ts";
import { textOrBytes } from "./values.ts";

/** Nesting depth at which parsing and encoding stop (MAX_DEPTH in native/json.c). */
export const MAX_DEPTH = 1000;

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

/** Parse failures by the code native/json.c returns (its E_* constants). */
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

/** Encode failure codes (X_* in native/json.c). */
const X_TYPE = 32, X_NONFINITE = 33, X_UTF8 = 34, X_KEY_TYPE = 35, X_CYCLE = 36, X_DEPTH = 37,
  X_NEST_STACK = 38, X_TABLE_STACK = 39, X_SHAPE = 41;

export interface JsonCodec {
  /**
   * Pushes the value of the JSON text at `idx` (a string, or a number read as its text).
   * Failures raise `<prefix>: <what> at line L column C`. With `keepNull`, null is `json.null`.
   */
  parse(L: number, idx: number, prefix: string, keepNull?: boolean): void;
  /** Pushes the JSON text of the value at `idx`; failures raise `<prefix>: <what>`. */
  encode(L: number, idx: number, prefix: string): void;
}

const codecs = new WeakMap<LuaApi, JsonCodec>();

/** The codec of the VM `api` belongs to; its C context is freed through `onClose`. */
export function jsonCodec(api: LuaApi, onClose: (cleanup: () => void) => void): JsonCodec {
  let codec = codecs.get(api);
  if (!codec) {
    codec = makeCodec(api, onClose);
    codecs.set(api, codec);
  }
  return codec;
}

function makeCodec(api: LuaApi, onClose: (cleanup: () => void) => void): JsonCodec {
  const native = nativeOf(api.m).exports;
  const context = native.assay_json_new();
  if (!context) throw new Error("not enough memory for the JSON codec");
  onClose(() => native.assay_json_free(context));
  const stackPointer = native.__stack_pointer;
  let busy = false;

  /**
   * Runs a C entry point and throws the Lua error it reports. The per-VM context holds the
   * scratch buffers of one call; a call made while another is under way (a `__gc` metamethod
   * run by a collection step during a parse) gets a context of its own. When a Lua error (out
   * of memory) unwinds through the C code, its stack pointer is put back and its oversized
   * scratch buffers are dropped before the error goes on.
   */
  const run = (call: (ctx: number) => number, fail: (ctx: number, code: number) => Error): void => {
    const nested = busy;
    const ctx = nested ? native.assay_json_new() : context;
    if (!ctx) throw new LuaError("not enough memory");
    const sp = stackPointer.value;
    busy = true;
    try {
      const code = call(ctx);
      if (code) throw fail(ctx, code);
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

  const parseError = (prefix: string) => (ctx: number, code: number): Error => {
    if (code === E_ARGUMENT) return new LuaError(`${prefix}: first argument must be a string`);
    const what = PARSE_ERRORS[code] ?? `error ${code}`;
    return new LuaError(`${prefix}: ${what} at line ${detail(ctx, 1)} column ${detail(ctx, 2)}`);
  };
  const encodeError = (L: number, at: number, prefix: string) => (ctx: number, code: number): Error => {
    const what = encodeFailure(api, L, ctx, code, detail);
    const path = code === X_TYPE || code === X_NONFINITE || code === X_UTF8 || code === X_KEY_TYPE || code === X_CYCLE ||
        code === X_SHAPE
      ? pathToFailure(api, L, at)
      : "";
    return new LuaError(`${prefix}: ${what}${path ? ` (at ${path})` : ""}`);
  };

  let primed = false;
  const prime = (L: number): void => {
    primed = true;
    api.pushstring(L, SAMPLE);
    const idx = api.gettop(L);
    try {
      run((ctx) => native.assay_json_prime(ctx, L, idx, PRIME_ROUNDS), (_ctx, code) => new Error(`json: priming the codec failed (error ${code})`));
    } catch (e) {
      // A Lua error (a longjmp) must go on; a failed priming only costs speed (low memory).
      if (typeof e === "number") throw e;
    }
    api.settop(L, -2);
  };

  return {
    parse(L, idx, prefix, keepNull = false) {
      const at = api.absindex(L, idx);
      if (!primed && !busy && api.type(L, at) === LUA_TSTRING && api.rawlen(L, at) >= PRIME_FROM) prime(L);
      run((ctx) => native.assay_json_parse(ctx, L, at, keepNull ? 1 : 0), parseError(prefix));
    },
    encode(L, idx, prefix) {
      const at = api.absindex(L, idx);
      api.checkstack(L, 2);
      const shapes = pushShapes(api, L) ? api.gettop(L) : 0;
      if (!shapes) api.pop(L);
      run((ctx) => native.assay_json_encode(ctx, L, at, shapes), encodeError(L, at, prefix));
      if (shapes) api.remove(L, shapes);
    },
  };
}

/** The text of an encode failure by its code (X_* in native/json.c). */
function encodeFailure(api: LuaApi, L: number, ctx: number, code: number, detail: (ctx: number, i: number) => number): string {
  switch (code) {
    case X_TYPE:
      return `unsupported Lua type for JSON: ${api.typename(L, detail(ctx, 1))}`;
    case X_NONFINITE:
      return `cannot encode ${nonFiniteName(api.m.HEAPF64[(ctx + 16) >> 3])} as JSON number`;
    case X_UTF8:
      return `invalid UTF-8 in string at byte ${detail(ctx, 1)}`;
    case X_KEY_TYPE:
      return `unsupported table key type: ${api.typename(L, detail(ctx, 1))}`;
    case X_CYCLE:
      return "cannot encode a table that contains itself (cycle detected)";
    case X_DEPTH:
      return `nesting deeper than ${MAX_DEPTH} levels`;
    case X_NEST_STACK:
      return "nesting too deep for the Lua stack";
    case X_TABLE_STACK:
      return "table too large for the Lua stack";
    case X_SHAPE:
      return "a table marked with json.array has keys other than 1..n";
    default:
      return "not enough memory";
  }
}

/**
 * Where inside the value at `idx` the encoder must have failed (`.spec.handler`, `[2]`), found
 * again by a walk in the slow path: the C encoder keeps no keys, and a failing call is rare.
 * Empty when the value itself is the culprit.
 */
function pathToFailure(api: LuaApi, L: number, idx: number): string {
  const seen: number[] = [];
  api.checkstack(L, 2);
  const shapes = pushShapes(api, L) ? api.gettop(L) : 0;
  /** Whether the table at `at` is marked as an array but its keys are not 1..n. */
  const badArray = (at: number): boolean => {
    if (!shapes || shapeOf(api, L, shapes, at) !== SHAPE_ARRAY) return false;
    let count = 0, max = 0;
    api.pushnil(L);
    while (api.next(L, at)) {
      api.pop(L);
      if (!api.isinteger(L, -1) || api.tointeger(L, -1) < 1n) {
        api.pop(L);
        return true;
      }
      count++;
      max = Math.max(max, Number(api.tointeger(L, -1)));
    }
    return max !== count;
  };
  const keyText = (k: number): string | undefined => {
    const t = api.type(L, k);
    if (t === LUA_TSTRING) {
      const text = textOrBytes(api.tobytes(L, k)!);
      return typeof text === "string" ? `.${text}` : undefined;
    }
    if (t === LUA_TNUMBER) {
      // Never lua_tolstring here: converting the key in place would break lua_next.
      if (api.isinteger(L, k)) return `[${api.tointeger(L, k)}]`;
      const x = api.tonumber(L, k);
      return Number.isFinite(x) ? `[${formatFloat(x)}]` : undefined;
    }
    return undefined;
  };
  const find = (at: number, path: string): string | undefined => {
    const t = api.type(L, at);
    if (t === LUA_TNUMBER) return api.isinteger(L, at) || Number.isFinite(api.tonumber(L, at)) ? undefined : path;
    if (t === LUA_TSTRING) return typeof textOrBytes(api.tobytes(L, at)!) === "string" ? undefined : path;
    if (t !== LUA_TTABLE) return t <= 1 || isJsonNull(api, L, at) ? undefined : path;
    const ptr = api.topointer(L, at);
    if (seen.includes(ptr)) return path;
    if (seen.length >= MAX_DEPTH) return undefined;
    if (badArray(at)) return path;
    api.checkstack(L, 4);
    seen.push(ptr);
    api.pushnil(L);
    while (api.next(L, at)) {
      const key = keyText(api.gettop(L) - 1);
      const found = key === undefined ? path : find(api.gettop(L), path + key);
      if (found !== undefined) {
        api.pop(L, 2);
        return found;
      }
      api.pop(L);
    }
    seen.pop();
    return undefined;
  };
  const found = find(idx, "") ?? "";
  api.pop(L);
  return found;
}
