/**
 * `json` (builtins.md §2, conversion rules in §0.5), on the C codec of native/json.c
 * (loader/bridge/json-native.ts): values are read and pushed through the Lua C API without a
 * JS value on the way, so these are `raw` implementations. Beyond the reference: shape marks
 * for tables whose JSON shape the table alone cannot tell, a null that survives a round trip,
 * and pretty output.
 *
 * | function | |
 * |---|---|
 * | `json.parse(text, opts?) -> value` | JSON to Lua: integers stay integers (exact int64), `1.0` a float, null is nil (`{null = json.null}`: json.null) |
 * | `json.encode(value, opts?) -> string` | compact JSON with byte-wise sorted keys; `{}` is `[]`; `{pretty = true, indent = 2}` lays it out |
 * | `json.object(t?) -> t` | marks `t` (or a new table) to encode as an object: `{}` stays `{}` |
 * | `json.array(t?) -> t` | marks `t` (or a new table) to encode as an array |
 * | `json.null` | a value that encodes as `null` (a NULL light userdata, as in lua-cjson) |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TTABLE, type LuaApi, LuaError } from "../loader/lua-api.ts";
import { jsonCodec } from "../loader/bridge/json-native.ts";
import { prettyJson } from "../loader/bridge/json-pretty.ts";
import { isJsonNull, markShape, type Shape, SHAPE_ARRAY, SHAPE_OBJECT } from "../loader/bridge/shapes.ts";

const MAX_INDENT = 16;

/** Whether argument `n` is absent or nil. */
function absent(api: LuaApi, L: number, n: number): boolean {
  const t = api.type(L, n);
  return t === LUA_TNONE || t === LUA_TNIL;
}

/** Reads `json.encode`'s options: the indent width, or undefined for compact output. */
function encodeIndent(api: LuaApi, L: number): number | undefined {
  if (absent(api, L, 2)) return undefined;
  if (api.type(L, 2) !== LUA_TTABLE) throw new LuaError("json.encode: second argument must be an options table or nil");
  let pretty = false;
  let indent = 2;
  if (api.getfield(L, 2, "pretty") !== LUA_TNIL) {
    if (api.type(L, -1) !== LUA_TBOOLEAN) throw new LuaError("json.encode: opts.pretty must be a boolean");
    pretty = api.toboolean(L, -1);
  }
  if (api.getfield(L, 2, "indent") !== LUA_TNIL) {
    const n = api.type(L, -1) === LUA_TNUMBER && api.isinteger(L, -1) ? Number(api.tointeger(L, -1)) : -1;
    if (n < 0 || n > MAX_INDENT) throw new LuaError(`json.encode: opts.indent must be an integer from 0 to ${MAX_INDENT}`);
    indent = n;
    pretty = true;
  }
  api.pop(L, 2);
  return pretty ? indent : undefined;
}

registerBuiltin({
  name: "json",
  description: "Parse and encode JSON with sorted keys and exact integers",
  keywords: ["parse", "encode", "decode", "serialize", "stringify", "object", "array", "null", "pretty"],
  example: 'local cfg = json.parse(fs.read("config.json")); print(json.encode({ ok = true }, { pretty = true }))',
  functions: {
    parse: {
      signature: "json.parse(text, opts?) -> value",
      description: "Parse JSON text; integers stay integers (exact int64), 1.0 stays a float, null is nil ({null = json.null} keeps it)",
      args: [
        { name: "text", type: "bytes", description: "JSON text" },
        { name: "opts", type: "table", optional: true, luaType: "{ null?: lightuserdata }", description: "{null = json.null} keeps nulls" },
      ],
      returns: [{ type: "any" }],
      errors: ["json.parse: <what> at line <n> column <n>"],
      profiles: ["restricted", "pure"],
    },
    encode: {
      signature: "json.encode(value, opts?) -> string",
      description: "Encode a value as JSON with byte-wise sorted keys ({} encodes as []); {pretty = true, indent = 2} lays it out",
      args: [
        { name: "value", type: "value", optional: true },
        { name: "opts", type: "table", optional: true, luaType: "{ pretty?: boolean, indent?: integer }", description: "pretty = true or indent = 0..16 lays it out" },
      ],
      returns: [{ type: "string" }],
      errors: ["json.encode: unsupported Lua type for JSON: <type> (at <path>)"],
      profiles: ["restricted", "pure"],
    },
    object: {
      signature: "json.object(t?) -> t",
      description: "Mark a table (or a new one) to encode as a JSON object, so an empty one gives {}",
      args: [{ name: "t", type: "table", optional: true }],
      returns: [{ type: "table", description: "t, or a new table" }],
      profiles: ["restricted", "pure"],
    },
    array: {
      signature: "json.array(t?) -> t",
      description: "Mark a table (or a new one) to encode as a JSON array",
      args: [{ name: "t", type: "table", optional: true }],
      returns: [{ type: "table", description: "t, or a new table" }],
      profiles: ["restricted", "pure"],
    },
  },
  values: {
    null: { type: "lightuserdata", description: "A value that encodes as JSON null (json.parse gives it with {null = json.null})" },
  },
  install({ api, onClose }) {
    const codec = jsonCodec(api, onClose);

    const mark = (fn: string, shape: Shape) => ({
      raw: (L: number) => {
        if (absent(api, L, 1)) {
          api.settop(L, 0);
          api.newtable(L, 0, 0);
        } else if (api.type(L, 1) !== LUA_TTABLE) {
          throw new LuaError(`${fn}: first argument must be a table or nil`);
        }
        api.settop(L, 1);
        markShape(api, L, 1, shape);
        return 1;
      },
    });

    return {
      parse: {
        raw: (L) => {
          let keepNull = false;
          if (!absent(api, L, 2)) {
            if (api.type(L, 2) !== LUA_TTABLE) throw new LuaError("json.parse: second argument must be an options table or nil");
            api.getfield(L, 2, "null");
            if (!absent(api, L, -1) && !isJsonNull(api, L, -1)) throw new LuaError("json.parse: opts.null must be json.null or nil");
            keepNull = isJsonNull(api, L, -1);
          }
          api.settop(L, 1);
          codec.parse(L, 1, "json.parse", keepNull);
          return 1;
        },
      },
      encode: {
        raw: (L) => {
          const indent = encodeIndent(api, L);
          api.settop(L, 1); // json.encode() encodes nil
          codec.encode(L, 1, "json.encode");
          if (indent !== undefined) {
            const text = prettyJson(api.tobytes(L, -1)!, indent);
            api.pop(L);
            api.pushbytes(L, text);
          }
          return 1;
        },
      },
      object: mark("json.object", SHAPE_OBJECT),
      array: mark("json.array", SHAPE_ARRAY),
    };
  },
  publish({ api, L }, table) {
    api.pushlightuserdata(L, 0);
    api.setfield(L, table, "null");
    api.pushvalue(L, table);
    api.setglobal(L, "json");
  },
});
