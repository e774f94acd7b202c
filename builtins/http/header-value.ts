/**
 * Header values on the wire. A Lua string is bytes, and HTTP carries a header value as bytes
 * too (obs-text, RFC 9110 §5.5), as the reference sends it; but a JS `Headers` value is a
 * ByteString whose code units are the bytes. So the UTF-8 text a script gives (`filename="é"`)
 * is handed over as one code unit per byte: sent as written, not as Latin-1 (`é` would go
 * out as the single byte E9, and `€` would be refused).
 */
import { Buffer } from "node:buffer";

/** Where UTF-8 and the code units agree: nothing to convert. */
const PLAIN = /^[\t\x20-\x7e]*$/;

/** `text` as the ByteString of its UTF-8 bytes. */
export function wireHeaderValue(text: string): string {
  return PLAIN.test(text) ? text : Buffer.from(text, "utf8").toString("latin1");
}
