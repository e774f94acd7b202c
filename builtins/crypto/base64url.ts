/**
 * Base64url without padding (RFC 7515 §2), as JWT segments use it. Decoding is strict: only
 * the URL-safe alphabet, no `=`, no whitespace, no length that cannot come from an encoder,
 * and no set bits left over after the last whole byte (so each byte string has exactly one
 * encoding). Errors are worded like the reference's base64 crate.
 *
 * @example
 * ```ts
 * encodeBase64Url(new TextEncoder().encode("hi")); // "aGk"
 * decodeBase64Url(new TextEncoder().encode("aGk")); // bytes of "hi"
 * ```
 */
import { Buffer } from "node:buffer";

export class Base64UrlError extends Error {}

const SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < SYMBOLS.length; i++) VALUE[SYMBOLS.charCodeAt(i)] = i;

export function encodeBase64Url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}

/** The bytes `text` encodes; throws Base64UrlError for anything but canonical unpadded base64url. */
export function decodeBase64Url(text: Uint8Array): Uint8Array {
  for (let i = 0; i < text.length; i++) {
    if (VALUE[text[i]] < 0) throw new Base64UrlError(`Invalid symbol ${text[i]}, offset ${i}.`);
  }
  const tail = text.length % 4;
  if (tail === 1) throw new Base64UrlError("Invalid input length.");
  const out = new Uint8Array(Math.floor(text.length / 4) * 3 + (tail ? tail - 1 : 0));
  let o = 0, i = 0;
  for (; i + 4 <= text.length; i += 4) {
    const n = (VALUE[text[i]] << 18) | (VALUE[text[i + 1]] << 12) | (VALUE[text[i + 2]] << 6) | VALUE[text[i + 3]];
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (tail === 0) return out;
  const last = i + tail - 1;
  // The bits of the last symbol that belong to no whole byte must be zero.
  const spare = tail === 2 ? 0x0f : 0x03;
  if ((VALUE[text[last]] & spare) !== 0) throw new Base64UrlError(`Invalid last symbol ${text[last]}, offset ${last}.`);
  let n = (VALUE[text[i]] << 18) | (VALUE[text[i + 1]] << 12);
  if (tail === 3) n |= VALUE[text[i + 2]] << 6;
  out[o++] = n >> 16;
  if (tail === 3) out[o++] = (n >> 8) & 0xff;
  return out;
}
