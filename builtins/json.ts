/**
 * `json.parse` and `json.encode` (builtins.md §2, conversion rules in §0.5). The work is done
 * by a byte-level parser and encoder that talk to the Lua stack directly (json/decode.ts,
 * json/encode.ts); this file only registers them and checks arguments.
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { type LuaApi, LuaError, LUA_TNUMBER, LUA_TSTRING } from "../loader/lua-api.ts";
import { JsonDecoder } from "./json/decode.ts";
import { JsonEncoder } from "./json/encode.ts";

/**
 * The address and length of string argument `arg` (numbers are converted in place, §0.3), or
 * a `<fn>: bad argument` error for anything else.
 */
export function stringArg(api: LuaApi, L: number, arg: number, fn: string, lenPtr: number): [number, number] {
  const t = api.type(L, arg);
  if (t !== LUA_TSTRING && t !== LUA_TNUMBER) {
    throw new LuaError(`${fn}: bad argument #${arg} (string expected, got ${api.typename(L, arg)})`);
  }
  const p = api.m._lua_tolstring(L, arg, lenPtr);
  return [p, api.m.HEAPU32[lenPtr >> 2]];
}

registerBuiltin({
  name: "json",
  description: "Parse and encode JSON with sorted keys and exact integers",
  capabilities: [],
  profiles: ["restricted", "pure"],
  install({ api, L }) {
    const decoder = new JsonDecoder(api);
    const encoder = new JsonEncoder(api);
    const lenPtr = api.m._malloc(8);
    api.newtable(L, 0, 2);
    api.setfuncs(L, -1, {
      parse: (L) => {
        const [p, len] = stringArg(api, L, 1, "json.parse", lenPtr);
        api.settop(L, 1);
        decoder.decode(L, p, len);
        return 1;
      },
      encode: (L) => {
        api.settop(L, 1); // json.encode() encodes nil
        encoder.encode(L, 1);
        return 1;
      },
    });
    api.setglobal(L, "json");
  },
});
