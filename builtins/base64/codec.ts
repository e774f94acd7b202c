/**
 * Standard base64 (RFC 4648 §4, `+/` with `=` padding) over raw bytes. Decoding is strict like
 * the reference's Rust engine: standard alphabet only, no whitespace, canonical padding, and
 * no stray bits in the last symbol, so every string has at most one accepted spelling.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENC = new Uint8Array(64);
const DEC = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) {
  ENC[i] = ALPHABET.charCodeAt(i);
  DEC[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 0x3d;

/** A decoding failure; the message is the detail after `base64.decode: `. */
export class Base64Error extends Error {}

/** Encodes bytes as padded standard base64 (ASCII bytes). */
export function encodeBase64(src: Uint8Array): Uint8Array {
  const len = src.length;
  const out = new Uint8Array(Math.ceil(len / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < len; i += 3) {
    const v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
    out[o++] = ENC[v >> 18];
    out[o++] = ENC[(v >> 12) & 63];
    out[o++] = ENC[(v >> 6) & 63];
    out[o++] = ENC[v & 63];
  }
  if (i < len) {
    const v = (src[i] << 16) | (i + 1 < len ? src[i + 1] << 8 : 0);
    out[o++] = ENC[v >> 18];
    out[o++] = ENC[(v >> 12) & 63];
    out[o++] = i + 1 < len ? ENC[(v >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return out;
}

function describe(b: number): string {
  const hex = "0x" + b.toString(16).padStart(2, "0");
  return b > 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}' (${hex})` : `byte ${hex}`;
}

/** Decodes strict padded standard base64; throws Base64Error with the detail. */
export function decodeBase64(src: Uint8Array): Uint8Array {
  const len = src.length;
  let data = len;
  for (let i = 0; i < len; i++) {
    const c = src[i];
    if (DEC[c] !== 255) continue;
    if (c !== PAD) throw new Base64Error(`invalid ${describe(c)} at offset ${i}`);
    // Padding: one or two '=' closing the last 4-character group, and nothing after them.
    data = i;
    for (let j = i; j < len; j++) {
      if (src[j] !== PAD) {
        throw new Base64Error(DEC[src[j]] === 255 ? `invalid ${describe(src[j])} at offset ${j}` : `invalid padding at offset ${i}`);
      }
    }
    if (len % 4 !== 0 || len - i > 2 || i % 4 < 2) throw new Base64Error(`invalid padding at offset ${i}`);
    break;
  }
  if (len % 4 !== 0) {
    throw new Base64Error(`invalid length ${len}: padded base64 comes in groups of 4 characters`);
  }
  const tail = data % 4; // 0, 2 or 3 symbols in the last group
  const out = new Uint8Array((data >> 2) * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  let i = 0;
  for (; i + 3 < data; i += 4) {
    const v = (DEC[src[i]] << 18) | (DEC[src[i + 1]] << 12) | (DEC[src[i + 2]] << 6) | DEC[src[i + 3]];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  if (tail === 2) {
    const last = DEC[src[i + 1]];
    if (last & 15) throw new Base64Error(`invalid last symbol ${describe(src[i + 1])} at offset ${i + 1}: unused bits are set`);
    out[o++] = (DEC[src[i]] << 2) | (last >> 4);
  } else if (tail === 3) {
    const last = DEC[src[i + 2]];
    if (last & 3) throw new Base64Error(`invalid last symbol ${describe(src[i + 2])} at offset ${i + 2}: unused bits are set`);
    const v = (DEC[src[i]] << 10) | (DEC[src[i + 1]] << 4) | (last >> 2);
    out[o++] = v >> 8;
    out[o++] = v & 255;
  }
  return out;
}
