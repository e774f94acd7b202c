/** The toml builtin's codec, loaded on the first call (it pulls in the `smol-toml` package). */
export { parseToml, TomlSyntaxError } from "./decode.ts";
export { encodeToml } from "./encode.ts";
