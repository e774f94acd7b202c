/**
 * Reads a builtin's arguments from the Lua stack by a declared schema and raises the spec's
 * error texts (builtins.md §0.2-0.3): `<fn>: <nth> argument must be <what>`, and
 * `<fn>: <arg>.<field> must be <what>` inside option tables. The same schema documents the
 * function (`assay modules`, `context`, editor types).
 *
 * Kinds: `text` (a string that is valid UTF-8, or a number converted as `tostring` does;
 * other bytes are refused, never mangled), `bytes` (any string, as Uint8Array), `number` (a
 * number or numeric string), `integer` (the integer subtype only: `16.0` is refused; a JS
 * number), `int64` (the same as bigint), `boolean`, `function` (the stack index, valid during
 * a synchronous call), `callback` (a function kept to call later as its own task:
 * bridge/callback.ts; the implementation must `release()` it), `table`
 * (converted by values.ts), `options` (a table read field by field), `list`/`map` (a table
 * whose values all follow `items`), `value` (anything, converted by values.ts), `raw` (the
 * stack index, any type). `strict` refuses the number/string coercions.
 *
 * @example
 * ```ts
 * const [url, opts] = readArgs(api, L, "http.get", [
 *   { name: "url", type: "text", strict: true, expect: "a URL string" },
 *   { name: "opts", type: "options", optional: true, fields: { headers: { name: "headers", type: "map", items: { name: "value", type: "text" }, optional: true } } },
 * ]);
 * ```
 */
import { LUA_TBOOLEAN, LUA_TFUNCTION, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, type LuaApi, LuaError } from "../lua-api.ts";
import { ConversionError, textOrBytes, toJs } from "./values.ts";

export type Kind =
  | "text"
  | "bytes"
  | "number"
  | "integer"
  | "int64"
  | "boolean"
  | "function"
  | "callback"
  | "table"
  | "options"
  | "list"
  | "map"
  | "value"
  | "raw";

export interface ArgSpec {
  name: string;
  /** One kind, or several accepted in order. */
  type: Kind | Kind[];
  /** nil (or a missing argument) is accepted and read as `undefined`. */
  optional?: boolean;
  /** No number-to-string or numeric-string-to-number coercion. */
  strict?: boolean;
  /** What the error says the argument must be, when the generated phrase is not the spec's. */
  expect?: string;
  /** For `options`: the fields read, by name. Other fields are ignored. */
  fields?: Record<string, ArgSpec>;
  /** For `list` and `map`: the spec every value follows. */
  items?: ArgSpec;
  /** One-line description, for the documentation generated from the declaration. */
  description?: string;
  /**
   * Documentation only: the LuaCATS type when the kind says too little (a `raw` handle is a
   * `db.Connection`, a `function` a `fun(tx: db.Transaction): any`); for an `options` table,
   * the class name its fields are documented under (shared specs then make one class).
   */
  luaType?: string;
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"];

/** "first", "second"... for argument positions in error messages. */
export function ordinal(n: number): string {
  return ORDINALS[n - 1] ?? `#${n}`;
}

const NOUN: Record<Kind, string> = {
  text: "string",
  bytes: "string",
  number: "number",
  integer: "integer",
  int64: "integer",
  boolean: "boolean",
  function: "function",
  callback: "function",
  table: "table",
  options: "table",
  list: "table",
  map: "table",
  value: "value",
  raw: "value",
};

const article = (noun: string) => (/^[aeiou]/.test(noun) ? "an " : "a ") + noun;

/** The phrase after "must be": `a string`, `a table or nil`, `a string, table, or nil`. */
export function expectation(spec: ArgSpec): string {
  if (spec.expect) return spec.expect;
  const kinds = Array.isArray(spec.type) ? spec.type : [spec.type];
  const nouns = [...new Set(kinds.map((k) => NOUN[k]))];
  if (spec.optional) nouns.push("nil");
  nouns[0] = article(nouns[0]);
  if (nouns.length === 1) return nouns[0];
  if (nouns.length === 2) return `${nouns[0]} or ${nouns[1]}`;
  return `${nouns.slice(0, -1).join(", ")}, or ${nouns[nouns.length - 1]}`;
}

// ignoreBOM keeps a leading U+FEFF as part of the text (the default drops it).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Makes the value of a `callback` argument (bridge/callback.ts `Callbacks.keep`). */
export type KeepCallback = (L: number, idx: number) => unknown;

/**
 * Reads arguments `first..` of the running C function; `first` is 2 for methods (after self).
 * `keep` makes `callback` arguments (without it they are refused).
 */
export function readArgs(api: LuaApi, L: number, fn: string, specs: ArgSpec[], first = 1, keep?: KeepCallback): unknown[] {
  const out: unknown[] = new Array(specs.length);
  for (let i = 0; i < specs.length; i++) {
    out[i] = readValue(api, L, first + i, specs[i], fn, `${ordinal(i + 1)} argument`);
  }
  // Kept only once every argument is valid, so a failed call keeps nothing.
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== CALLBACK) continue;
    if (!keep) throw new Error(`argument schema: ${fn} has a callback argument but no way to keep it`);
    out[i] = keep(L, first + i);
  }
  return out;
}

/** Placeholder for a callback argument until every argument has been checked. */
const CALLBACK = Symbol("callback");

/** Reads one value at `idx` by `spec`; `what` names it in errors ("second argument", "opts.timeout"). */
export function readValue(api: LuaApi, L: number, idx: number, spec: ArgSpec, fn: string, what: string): unknown {
  const fail = (): never => {
    throw new LuaError(`${fn}: ${what} must be ${expectation(spec)}`);
  };
  const t = api.type(L, idx);
  if (t <= 0) {
    if (spec.optional) return undefined;
    const kinds = Array.isArray(spec.type) ? spec.type : [spec.type];
    if (kinds.includes("value") || kinds.includes("raw")) return kinds.includes("raw") ? api.absindex(L, idx) : undefined;
    fail();
  }
  for (const kind of Array.isArray(spec.type) ? spec.type : [spec.type]) {
    const v = readKind(api, L, idx, t, kind, spec, fn, what);
    if (v !== NO_MATCH) return v;
  }
  return fail();
}

const NO_MATCH = Symbol("no match");

function readKind(api: LuaApi, L: number, idx: number, t: number, kind: Kind, spec: ArgSpec, fn: string, what: string): unknown {
  switch (kind) {
    case "text":
    case "bytes": {
      if (t !== LUA_TSTRING && (t !== LUA_TNUMBER || spec.strict)) return NO_MATCH;
      // lua_tolstring converts a number in place: work on a copy so the caller's value keeps its type.
      api.pushvalue(L, idx);
      const bytes = api.tobytes(L, -1)!;
      api.pop(L);
      if (kind === "bytes") return bytes;
      try {
        return strictUtf8.decode(bytes);
      } catch {
        throw new LuaError(`${fn}: ${what} must be valid UTF-8 text`);
      }
    }
    case "number":
      if (t === LUA_TNUMBER || (!spec.strict && t === LUA_TSTRING && api.m._lua_isnumber(L, idx))) return api.tonumber(L, idx);
      return NO_MATCH;
    case "integer":
    case "int64": {
      if (t !== LUA_TNUMBER || !api.isinteger(L, idx)) return NO_MATCH;
      const n = api.tointeger(L, idx);
      if (kind === "int64") return n;
      if (n < -9007199254740991n || n > 9007199254740991n) throw new LuaError(`${fn}: ${what} is out of range`);
      return Number(n);
    }
    case "boolean":
      return t === LUA_TBOOLEAN ? api.toboolean(L, idx) : NO_MATCH;
    case "function":
      return t === LUA_TFUNCTION ? api.absindex(L, idx) : NO_MATCH;
    case "callback":
      return t === LUA_TFUNCTION ? CALLBACK : NO_MATCH;
    case "raw":
      return api.absindex(L, idx);
    case "value":
      return convert(api, L, idx, fn, what);
    case "table":
      return t === LUA_TTABLE ? convert(api, L, idx, fn, what) : NO_MATCH;
    case "options":
      return t === LUA_TTABLE ? readOptions(api, L, idx, spec, fn, what) : NO_MATCH;
    case "list":
    case "map":
      return t === LUA_TTABLE ? readCollection(api, L, idx, kind, spec, fn, what) : NO_MATCH;
  }
}

function convert(api: LuaApi, L: number, idx: number, fn: string, what: string): unknown {
  try {
    return toJs(api, L, idx);
  } catch (e) {
    if (e instanceof ConversionError) throw new LuaError(`${fn}: ${what}: ${e.message}`);
    throw e;
  }
}

function fieldName(what: string, spec: ArgSpec): string {
  return what.endsWith(" argument") ? spec.name : what;
}

/** Stack indices would dangle inside tables (the value is popped once read): only top-level. */
function checkNested(spec: ArgSpec): void {
  const kinds = Array.isArray(spec.type) ? spec.type : [spec.type];
  if (kinds.includes("function") || kinds.includes("raw") || kinds.includes("callback")) {
    throw new Error(`argument schema: "${spec.name}" is a function or raw value inside a table; only top-level arguments can be`);
  }
}

function readOptions(api: LuaApi, L: number, idx: number, spec: ArgSpec, fn: string, what: string): Record<string, unknown> {
  const t = api.absindex(L, idx);
  const out: Record<string, unknown> = {};
  api.checkstack(L, 2);
  for (const [key, field] of Object.entries(spec.fields ?? {})) {
    checkNested(field);
    api.getfield(L, t, key);
    const v = readValue(api, L, -1, field, fn, `${fieldName(what, spec)}.${key}`);
    if (v !== undefined) out[key] = v;
    api.pop(L);
  }
  return out;
}

function readCollection(
  api: LuaApi,
  L: number,
  idx: number,
  kind: "list" | "map",
  spec: ArgSpec,
  fn: string,
  what: string,
): unknown[] | Map<string, unknown> {
  const t = api.absindex(L, idx);
  const items = spec.items ?? { name: "value", type: "value" };
  checkNested(items);
  const base = fieldName(what, spec);
  api.checkstack(L, 3);
  if (kind === "list") {
    const n = api.rawlen(L, t);
    const out: unknown[] = [];
    for (let i = 1; i <= n; i++) {
      api.rawgeti(L, t, i);
      out.push(readValue(api, L, -1, items, fn, `${base}[${i}]`));
      api.pop(L);
    }
    return out;
  }
  const out = new Map<string, unknown>();
  api.pushnil(L);
  while (api.next(L, t)) {
    const key = api.type(L, -2) === LUA_TSTRING ? textOrBytes(api.tobytes(L, -2)!) : undefined;
    if (typeof key !== "string") throw new LuaError(`${fn}: ${base} keys must be UTF-8 strings`);
    out.set(key, readValue(api, L, -1, items, fn, `${base}.${key}`));
    api.pop(L);
  }
  return out;
}

