/** The yaml builtin's codec, loaded on the first call (it pulls in the `yaml` package). */
export { parseDocuments, YamlSyntaxError } from "./decode.ts";
export { encodeDocument } from "./encode.ts";
