/**
 * Templates and values are Lua strings, which may hold bytes that are not UTF-8. They are
 * decoded the way Python's "surrogateescape" does: each byte that is not part of a valid UTF-8
 * sequence becomes a lone low surrogate U+DC80..U+DCFF, which decoded UTF-8 never contains,
 * and turns back into the same byte when the output is encoded. So such bytes pass through a
 * template unchanged, and valid UTF-8 is never touched.
 *
 * @example
 * ```ts
 * const text = decodeBytes(new Uint8Array([0x61, 0xff])); // "a\udcff"
 * encodeText(text); // Uint8Array [0x61, 0xff]
 * ```
 */
import { concatBytes } from "../../loader/bytes.ts";
// ignoreBOM: a leading U+FEFF is part of the text (the default would drop it).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** The length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i];
  if (lead < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    // E0 excludes overlong forms, ED the UTF-16 surrogates.
    const lo = lead === 0xe0 ? 0xa0 : 0x80, hi = lead === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const lo = lead === 0xf0 ? 0x90 : 0x80, hi = lead === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Bytes as text; bytes that are not UTF-8 become U+DC80..U+DCFF. */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // some bytes are not UTF-8: decode the valid runs, escape the rest one byte at a time
  }
  const parts: string[] = [];
  let run = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (run < i) parts.push(strictUtf8.decode(bytes.subarray(run, i)));
    parts.push(String.fromCharCode(0xdc00 + bytes[i]));
    i++;
    run = i;
  }
  if (run < bytes.length) parts.push(strictUtf8.decode(bytes.subarray(run)));
  return parts.join("");
}

/** A low surrogate standing for a byte: one that is not the second half of a pair. */
const ESCAPED_BYTE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;
const ESCAPED_BYTES = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]+/g;

/** Output text as the Lua string to return: the text itself, or bytes when it carries escaped bytes. */
export function encodeText(text: string): string | Uint8Array {
  if (!ESCAPED_BYTE.test(text)) return text;
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const m of text.matchAll(ESCAPED_BYTES)) {
    chunks.push(utf8.encode(text.slice(from, m.index)));
    chunks.push(Uint8Array.from(m[0], (c) => c.charCodeAt(0) - 0xdc00));
    from = m.index + m[0].length;
  }
  chunks.push(utf8.encode(text.slice(from)));
  return concatBytes(chunks);
}
