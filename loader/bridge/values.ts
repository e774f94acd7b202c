/**
 * The one conversion between Lua values and JS values, with explicit rules so that numbers,
 * bytes and table shapes keep their meaning across the boundary (builtins.md §0.5):
 *
 * | Lua                          | JS (`toJs`)                          | back to Lua (`push`)            |
 * |------------------------------|--------------------------------------|---------------------------------|
 * | nil                          | `undefined`                          | `undefined` and `null` push nil |
 * | boolean                      | boolean                              | boolean                         |
 * | integer, \|v\| < 2^53        | `number` (an integral one)           | integral safe `number`: integer |
 * | integer beyond ±2^53         | `bigint` (exact)                     | `bigint`: integer (int64 range) |
 * | float with a fraction, ±inf, NaN | `number` (a non-integral one)    | non-integral `number`: float    |
 * | integral float (`5.0`)       | `LuaFloat` (so it stays a float)     | `LuaFloat`: float               |
 * | string, valid UTF-8          | `string`                             | `string`: its UTF-8 bytes       |
 * | string, other bytes          | `Uint8Array` (never re-decoded)      | `Uint8Array`: those bytes       |
 * | table, keys exactly 1..n     | array (an empty table is `[]`)       | array: sequence (holes skipped) |
 * | other table                  | object, keys as strings (§0.5)       | object/Map: table               |
 * | table marked `json.object`   | object (an empty one is `{}`)        |                                 |
 * | table marked `json.array`    | array (keys must be 1..n)            |                                 |
 * | `json.null`                  | `null`                               | `null` pushes nil               |
 * | function, userdata, thread   | error `unsupported Lua type ...`     | JS function: C closure (raw)    |
 *
 * So a value read and pushed back is the same Lua value, and byte safety does not depend on
 * which call a builtin's author picks: text that is not UTF-8 arrives as bytes.
 *
 * @example
 * ```ts
 * const doc = toJs(api, L, 1); // { name: "web", replicas: 3, ratio: 0.5 }
 * push(api, L, { status: 200, body: new Uint8Array([0xff]) });
 * ```
 */
import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, type LuaApi } from "../lua-api.ts";
import { formatFloat, nonFiniteName } from "./float-format.ts";
import { isJsonNull, pushShapes, SHAPE_ARRAY, SHAPE_OBJECT, shapeOf } from "./shapes.ts";

/** A Lua float whose value is integral (`5.0`): a plain JS number would come back an integer. */
export class LuaFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

/** Marks a number to be pushed as a Lua float whatever its value. */
export function float(x: number): LuaFloat {
  return new LuaFloat(x);
}

/** Several return values from a builtin (`return multi(nil, "err")`). */
export class Multi {
  readonly values: unknown[];
  constructor(...values: unknown[]) {
    this.values = values;
  }
}

export function multi(...values: unknown[]): Multi {
  return new Multi(...values);
}

/** What `toJs` produces. */
export type LuaData =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | LuaFloat
  | string
  | Uint8Array
  | LuaData[]
  | { [key: string]: LuaData };

const MAX_DEPTH = 1000;
const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

/** Whether a bigint fits a Lua integer (int64). */
export function fitsInt64(v: bigint): boolean {
  return v >= I64_MIN && v <= I64_MAX;
}
// ignoreBOM keeps a leading U+FEFF: the default would drop it, and the string would not come back the same.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A failed conversion; `path` is where inside the value (`.spec.handler`, `[2]`). */
export class ConversionError extends Error {
  constructor(readonly detail: string, readonly path: string) {
    super(path ? `${detail} (at ${path})` : detail);
  }
}

/** Text when the bytes are valid UTF-8, else the bytes themselves. */
export function textOrBytes(bytes: Uint8Array): string | Uint8Array {
  try {
    return strict.decode(bytes);
  } catch {
    return bytes;
  }
}

/** Pushes one JS value following the table above; `pushFunction` handles JS functions. */
export function push(
  api: LuaApi,
  L: number,
  v: unknown,
  pushFunction?: (L: number, fn: (L: number) => number) => void,
  depth = 0,
): void {
  switch (typeof v) {
    case "undefined":
      return api.pushnil(L);
    case "boolean":
      return api.pushboolean(L, v);
    case "number":
      if (Number.isSafeInteger(v)) return api.pushinteger(L, v);
      return api.pushnumber(L, v);
    case "bigint":
      if (!fitsInt64(v)) throw new ConversionError(`integer ${v} does not fit in a Lua integer`, "");
      return api.pushinteger(L, v);
    case "string":
      return api.pushstring(L, v);
    case "function":
      if (!pushFunction) throw new ConversionError("a JS function cannot be passed here", "");
      return pushFunction(L, v as (L: number) => number);
    case "object":
      break;
    default:
      throw new ConversionError(`unsupported JS value: ${typeof v}`, "");
  }
  if (v === null) return api.pushnil(L);
  if (v instanceof Uint8Array) return api.pushbytes(L, v);
  if (v instanceof LuaFloat) return api.pushnumber(L, v.value);
  if (depth >= MAX_DEPTH) throw new ConversionError(`nesting deeper than ${MAX_DEPTH} levels`, "");
  api.checkstack(L, 3);
  if (Array.isArray(v)) {
    api.newtable(L, v.length, 0);
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined || v[i] === null) continue;
      push(api, L, v[i], pushFunction, depth + 1);
      api.rawseti(L, -2, i + 1);
    }
    return;
  }
  if (v instanceof Map) {
    api.newtable(L, 0, v.size);
    for (const [k, value] of v) {
      if (value === undefined) continue;
      push(api, L, k, pushFunction, depth + 1);
      push(api, L, value, pushFunction, depth + 1);
      api.rawset(L, -3);
    }
    return;
  }
  const keys = Object.keys(v);
  api.newtable(L, 0, keys.length);
  for (const k of keys) {
    const value = (v as Record<string, unknown>)[k];
    if (value === undefined) continue;
    api.pushstring(L, k);
    push(api, L, value, pushFunction, depth + 1);
    api.rawset(L, -3);
  }
}

/** Reads the value at `idx` following the table above; raises ConversionError with a path. */
export function toJs(api: LuaApi, L: number, idx: number): LuaData {
  const at = api.absindex(L, idx);
  if (api.type(L, at) !== LUA_TTABLE) return readValue(api, L, at, 0);
  api.checkstack(L, 2);
  const shapes = pushShapes(api, L) ? api.gettop(L) : 0;
  if (!shapes) api.pop(L);
  const value = readValue(api, L, at, shapes);
  if (shapes) api.remove(L, shapes);
  return value;
}

/** `toJs` given the stack index of the shape table (0: no table was ever marked). */
function readValue(api: LuaApi, L: number, idx: number, shapes: number): LuaData {
  const seen: number[] = [];
  // The keys leading to the value being read; made into a path only for an error message.
  const trail: (string | number)[] = [];
  const where = () => {
    let path = "";
    for (const k of trail) path += typeof k === "number" ? `[${k}]` : `.${k}`;
    return path;
  };

  const read = (at: number): LuaData => {
    const t = api.type(L, at);
    switch (t) {
      case LUA_TNIL:
      case LUA_TNONE:
        return undefined;
      case LUA_TBOOLEAN:
        return api.toboolean(L, at);
      case LUA_TNUMBER:
        return readNumber(api, L, at);
      case LUA_TSTRING:
        return api.totext(L, at)!;
      case LUA_TTABLE:
        return readTable(at);
      default:
        if (isJsonNull(api, L, at)) return null;
        throw new ConversionError(`unsupported Lua type for JSON: ${api.typename(L, at)}`, where());
    }
  };

  const readTable = (at: number): LuaData => {
    const ptr = api.topointer(L, at);
    if (seen.includes(ptr)) throw new ConversionError("cannot convert a table that contains itself (cycle detected)", where());
    if (seen.length >= MAX_DEPTH) throw new ConversionError(`nesting deeper than ${MAX_DEPTH} levels`, where());
    api.checkstack(L, 4);
    seen.push(ptr);
    const keys: (string | number)[] = [];
    const values: LuaData[] = [];
    let allIndices = true;
    let maxIndex = 0;
    // next() leaves the key at top - 1 and the value at top: both at fixed slots above `base`.
    const base = api.gettop(L);
    api.pushnil(L);
    while (api.next(L, at)) {
      const kt = api.type(L, base + 1);
      let key: string | number;
      if (kt === LUA_TSTRING) {
        const k = api.totext(L, base + 1)!;
        if (typeof k !== "string") throw new ConversionError("table key is not valid UTF-8", where());
        key = k;
        allIndices = false;
      } else if (kt === LUA_TNUMBER) {
        key = numberKey(api, L, base + 1);
        if (typeof key === "number") maxIndex = Math.max(maxIndex, key);
        else allIndices = false;
      } else {
        throw new ConversionError(`unsupported table key type: ${api.typename(L, base + 1)}`, where());
      }
      trail.push(key);
      values.push(read(base + 2));
      trail.pop();
      keys.push(key);
      api.pop(L);
    }
    seen.pop();
    const shape = shapes ? shapeOf(api, L, shapes, at) : 0;
    if (shape === SHAPE_ARRAY && !(allIndices && maxIndex === keys.length)) {
      throw new ConversionError("a table marked with json.array has keys other than 1..n", where());
    }
    if (shape !== SHAPE_OBJECT && allIndices && maxIndex === keys.length) {
      const out: LuaData[] = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) out[(keys[i] as number) - 1] = values[i];
      return out;
    }
    const out: { [key: string]: LuaData } = Object.create(null);
    for (let i = 0; i < keys.length; i++) out[String(keys[i])] = values[i];
    return out;
  };

  return read(idx);
}

/** A number at `idx` as `toJs` gives it. */
export function readNumber(api: LuaApi, L: number, idx: number): number | bigint | LuaFloat {
  const x = api.tonumber(L, idx);
  if (api.isinteger(L, idx)) {
    // The double is exact when it is a safe integer (an integer beyond rounds beyond 2^53 - 1),
    // which spares making a BigInt for every ordinary integer.
    return Number.isSafeInteger(x) ? x : api.tointeger(L, idx);
  }
  return Number.isInteger(x) ? new LuaFloat(x) : x;
}

/**
 * A number key as §0.5 names it: an integer >= 1 as a number (it may be an array index),
 * any other as its text (integers in decimal, floats as JSON prints them).
 */
function numberKey(api: LuaApi, L: number, idx: number): number | string {
  const x = api.tonumber(L, idx);
  if (api.isinteger(L, idx)) {
    if (Number.isSafeInteger(x)) return x >= 1 ? x : String(x);
    return api.tointeger(L, idx).toString();
  }
  if (!Number.isFinite(x)) throw new ConversionError(`cannot encode ${nonFiniteName(x)} as JSON number`, "");
  return formatFloat(x);
}
