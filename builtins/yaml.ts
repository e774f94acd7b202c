/**
 * `yaml` (builtins.md §3) on the `yaml` package, loaded on first use. Values cross as JSON
 * does (§0.5): integers stay integers (exact int64), `1.0` stays a float, null is nil, `{}`
 * encodes as `[]` and `json.object({})` as `{}`. Beyond the reference: multi-document streams.
 *
 * | function | |
 * |---|---|
 * | `yaml.parse(text) -> value` | one YAML 1.2 document (core schema: `yes` is a string); `<<` stays a key; empty input gives nil; several documents raise |
 * | `yaml.parse_all(text) -> {doc, ...}` | every document of a `---` stream, in order; empty (or null) documents are skipped, as kubectl does |
 * | `yaml.encode(value) -> string` | block-style YAML with byte-wise sorted keys, ending in a newline, no leading `---`; reads back as the same value |
 * | `yaml.encode_all(docs) -> string` | a list of values as a stream of documents separated by `---` lines |
 *
 * Reading: a mapping key must be a scalar (a collection, an alias or a tagged value as key
 * raises); unknown tags (`!Ref x`) give the plain value; integers beyond int64 become floats,
 * as in json.parse; aliases may not expand the document past ten times its own size.
 *
 * Writing: strings that are not UTF-8 are refused (`invalid UTF-8 in string at byte N`), as by
 * json.encode: YAML text cannot hold raw bytes, and `!!binary` would read back as base64 text in
 * most tools. NaN and ±inf raise `cannot encode NaN as JSON number`, since the value goes
 * through the JSON rules first. Quoting also satisfies YAML 1.1 readers (PyYAML, Go's yaml):
 * `"yes"`, `"on"`, `"2024-01-01"`; the one exception is text holding U+0085, U+2028 or U+2029,
 * which 1.1 reads as line breaks.
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LUA_TTABLE, type LuaApi, LuaError } from "../loader/lua-api.ts";
import { lazy } from "../loader/lazy.ts";
import { ConversionError, type LuaData, multi, toJs } from "../loader/bridge/values.ts";

// Named from the root ("../builtins/..."): it resolves the same from here and from loader/ (lazy.ts).
const codec = lazy(() => require("../builtins/yaml/codec.ts") as typeof import("./yaml/codec.ts"));

const PROFILES = ["restricted", "pure"] as const;

registerBuiltin({
  name: "yaml",
  description: "Parse and encode YAML (1.2 core schema) with sorted keys and exact integers",
  keywords: ["yml", "parse", "encode", "decode", "config", "manifest", "kubernetes", "serialize", "documents"],
  example: 'local docs = yaml.parse_all(fs.read("manifests.yaml")); print(docs[1].kind)',
  functions: {
    parse: {
      signature: "yaml.parse(text) -> value",
      description: "Parse one YAML document (core schema: yes/on are strings, << is an ordinary key); empty input gives nil",
      args: [{ name: "text", type: "text" }],
      returns: [{ type: "any" }],
      errors: ["yaml.parse: <why> at line <n>, column <n>"],
      profiles: [...PROFILES],
      needs: codec,
    },
    parse_all: {
      signature: "yaml.parse_all(text) -> {value, ...}",
      description: "Parse a stream of YAML documents separated by --- into a list; empty documents are skipped",
      args: [{ name: "text", type: "text" }],
      returns: [{ type: "any[]" }],
      profiles: [...PROFILES],
      needs: codec,
    },
    encode: {
      signature: "yaml.encode(value) -> string",
      description: "Encode a value as block-style YAML with byte-wise sorted keys ({} encodes as [])",
      args: [{ name: "value", type: "raw" }],
      returns: [{ type: "string" }],
      profiles: [...PROFILES],
      needs: codec,
    },
    encode_all: {
      signature: "yaml.encode_all(docs) -> string",
      description: "Encode a list of values as a stream of YAML documents separated by ---",
      args: [{ name: "docs", type: "raw", luaType: "any[]" }],
      returns: [{ type: "string" }],
      profiles: [...PROFILES],
      needs: codec,
    },
  },
  install({ api }) {
    const parse = (fn: string, text: string) => {
      const { parseDocuments, YamlSyntaxError } = codec.get();
      try {
        return parseDocuments(text);
      } catch (e) {
        if (e instanceof YamlSyntaxError) throw new LuaError(`${fn}: ${e.message}`);
        throw e;
      }
    };
    const encode = (fn: string, value: LuaData) => {
      try {
        return codec.get().encodeDocument(value);
      } catch (e) {
        if (e instanceof ConversionError) throw new LuaError(`${fn}: ${e.message}`);
        throw e;
      }
    };
    return {
      parse: ([text]: [string], { fn }) => {
        const docs = parse(fn, text);
        if (docs.length > 1) {
          throw new LuaError(`${fn}: the text holds ${docs.length} documents; use yaml.parse_all for a multi-document stream`);
        }
        return docs[0] === undefined ? multi(undefined) : docs[0]; // nil, not no value
      },
      parse_all: ([text]: [string], { fn }) => parse(fn, text).filter((doc) => doc !== undefined),
      encode: ([idx]: [number], { L, fn }) => encode(fn, read(api, L, idx, fn)),
      encode_all: ([idx]: [number], { L, fn }) => {
        const docs = api.type(L, idx) === LUA_TTABLE ? read(api, L, idx, fn) : undefined;
        if (!Array.isArray(docs)) throw new LuaError(`${fn}: first argument must be a list of documents`);
        return docs.map((doc) => encode(fn, doc)).join("---\n");
      },
    };
  },
});

/** The value at `idx` by §0.5, its conversion errors raised with the function's name. */
function read(api: LuaApi, L: number, idx: number, fn: string): LuaData {
  try {
    return toJs(api, L, idx);
  } catch (e) {
    if (e instanceof ConversionError) throw new LuaError(`${fn}: ${e.message}`);
    throw e;
  }
}
