/**
 * `toml` (builtins.md §4) on the `smol-toml` package, loaded on first use. Values cross as JSON
 * does (§0.5): integers stay integers (exact int64), `1.0` stays a float; date-times are the
 * reference's marker tables `{["$__toml_private_datetime"] = "1979-05-27T07:32:00Z"}`, in the
 * text its toml crate prints, and encode back to bare TOML date-times.
 *
 * | function | |
 * |---|---|
 * | `toml.parse(text) -> table` | a TOML 1.0 document (smol-toml also takes TOML 1.1) |
 * | `toml.encode(table) -> string` | sorted keys, `[section]` and `[[array]]` headers; the top level must be a table with string keys (`{}` is an array: `json.object({})` gives `""`) |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { type LuaApi, LuaError } from "../loader/lua-api.ts";
import { lazy } from "../loader/lazy.ts";
import { ConversionError, type LuaData, toJs } from "../loader/bridge/values.ts";

// Named from the root ("../builtins/..."): it resolves the same from here and from loader/ (lazy.ts).
const codec = lazy(() => require("../builtins/toml/codec.ts") as typeof import("./toml/codec.ts"));

registerBuiltin({
  name: "toml",
  description: "Parse and encode TOML with sorted keys, exact integers and date-times kept as text",
  keywords: ["parse", "encode", "decode", "config", "configuration", "serialize"],
  example: 'local cfg = toml.parse(fs.read("config.toml")); print(cfg.server.port)',
  functions: {
    parse: {
      signature: "toml.parse(text) -> table",
      description: "Parse a TOML document; date-times become {[\"$__toml_private_datetime\"] = text}",
      args: [{ name: "text", type: "text", description: "a TOML document" }],
      returns: [{ type: "table" }],
      errors: ["toml.parse: <why> at line <n>, column <n>"],
      profiles: ["restricted", "pure"],
      needs: codec,
    },
    encode: {
      signature: "toml.encode(table) -> string",
      description: "Encode a table as TOML with sorted keys and [section] headers ({} is an array and raises)",
      args: [{ name: "table", type: "raw", luaType: "table" }],
      returns: [{ type: "string" }],
      profiles: ["restricted", "pure"],
      needs: codec,
    },
  },
  install({ api }) {
    return {
      parse: ([text]: [string], { fn }) => {
        const { parseToml, TomlSyntaxError } = codec.get();
        try {
          return parseToml(text);
        } catch (e) {
          if (e instanceof TomlSyntaxError) throw new LuaError(`${fn}: ${e.message}`);
          throw e;
        }
      },
      encode: ([idx]: [number], { L, fn }) => {
        try {
          return codec.get().encodeToml(read(api, L, idx));
        } catch (e) {
          if (e instanceof ConversionError) throw new LuaError(`${fn}: ${e.message}`);
          throw e;
        }
      },
    };
  },
});

function read(api: LuaApi, L: number, idx: number): LuaData {
  return toJs(api, L, idx);
}
