/**
 * `base64.encode` and `base64.decode` (builtins.md §5): standard alphabet with padding, any
 * bytes in and out (the reference's UTF-8 requirements are dropped, as the spec recommends).
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { type LuaApi, LuaError, LUA_TNUMBER, LUA_TSTRING } from "../loader/lua-api.ts";
import { Base64Error, decodeBase64, encodeBase64 } from "./base64/codec.ts";

/** The bytes of string argument 1 (numbers converted as tostring does, §0.3). */
function bytesArg(api: LuaApi, L: number, fn: string): Uint8Array {
  const t = api.type(L, 1);
  if (t !== LUA_TSTRING && t !== LUA_TNUMBER) {
    throw new LuaError(`${fn}: bad argument #1 (string expected, got ${api.typename(L, 1)})`);
  }
  return api.tobytes(L, 1)!;
}

registerBuiltin({
  name: "base64",
  description: "Standard base64 encoding and strict decoding of arbitrary bytes",
  capabilities: [],
  profiles: ["restricted", "pure"],
  install({ api, L }) {
    api.newtable(L, 0, 2);
    api.setfuncs(L, -1, {
      encode: (L) => {
        api.pushbytes(L, encodeBase64(bytesArg(api, L, "base64.encode")));
        return 1;
      },
      decode: (L) => {
        const input = bytesArg(api, L, "base64.decode");
        let out: Uint8Array;
        try {
          out = decodeBase64(input);
        } catch (e) {
          if (e instanceof Base64Error) throw new LuaError(`base64.decode: ${e.message}`);
          throw e;
        }
        api.pushbytes(L, out);
        return 1;
      },
    });
    api.setglobal(L, "base64");
  },
});
