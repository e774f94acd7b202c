/**
 * `base64.encode` and `base64.decode` (builtins.md §5): standard alphabet with padding, any
 * bytes in and out (the reference's UTF-8 requirements are dropped, as the spec recommends).
 *
 * | function | |
 * |---|---|
 * | `base64.encode(bytes) -> string` | standard alphabet, `=` padding |
 * | `base64.decode(text) -> bytes` | strict: no whitespace, URL-safe letters or missing padding |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { Base64Error, decodeBase64, encodeBase64 } from "./base64/codec.ts";

registerBuiltin({
  name: "base64",
  description: "Standard base64 encoding and strict decoding of arbitrary bytes",
  keywords: ["encode", "decode", "binary", "bytes", "encoding"],
  example: 'local auth = "Basic " .. base64.encode(user .. ":" .. password)',
  functions: {
    encode: {
      signature: "base64.encode(data) -> string",
      description: "Encode bytes as standard base64 with padding",
      args: [{ name: "data", type: "bytes", description: "any bytes" }],
      returns: [{ type: "string" }],
      profiles: ["restricted", "pure"],
    },
    decode: {
      signature: "base64.decode(text) -> string",
      description: "Decode strict standard base64 (padding required) to the original bytes",
      args: [{ name: "text", type: "bytes", description: "padded standard base64" }],
      returns: [{ type: "string", description: "the decoded bytes" }],
      errors: ["base64.decode: invalid length <n>: padded base64 comes in groups of 4 characters"],
      profiles: ["restricted", "pure"],
    },
  },
  install: () => ({
    encode: ([data]: [Uint8Array]) => encodeBase64(data),
    decode: ([text]: [Uint8Array]) => {
      try {
        return decodeBase64(text);
      } catch (e) {
        if (e instanceof Base64Error) throw new LuaError(`base64.decode: ${e.message}`);
        throw e;
      }
    },
  }),
});
