/**
 * Helpers for encoders written in TypeScript (yaml, toml) that must match the C JSON encoder
 * (native/json.c) on the rules of builtins.md §0.5: object keys in ascending byte-wise order
 * of their UTF-8 encoding (not JS string order, not locale order), the same error texts for
 * values JSON cannot hold, and error paths written as `toJs` writes them (`.spec.handler[2]`).
 *
 * @example
 * ```ts
 * sortedKeys(obj); // or Object.keys(obj).sort(compareUtf8)
 * throw new ConversionError(invalidUtf8(bytes), formatPath(["list", 1])); // ... (at .list[2])
 * ```
 */
import { nonFiniteName } from "./float-format.ts";

/**
 * Orders two strings as their UTF-8 bytes would sort. JS compares UTF-16 code units, which
 * agrees with UTF-8 byte order except that surrogates (characters above U+FFFF) sort below
 * U+E000-U+FFFF; only the first differing unit needs the fix-up.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/**
 * The keys of `obj` in byte-wise order. The engine's own sort (UTF-16 order, no comparator
 * call per comparison) is right unless a key holds a surrogate (a character above U+FFFF),
 * which UTF-16 sorts below U+E000-U+FFFF; only then is the order redone with compareUtf8.
 */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj).sort();
  for (const k of keys) {
    if (SURROGATE.test(k)) return keys.sort(compareUtf8);
  }
  return keys;
}

const SURROGATE = /[\ud800-\udfff]/;

/** The error for bytes that are not UTF-8, naming the first bad byte (1-based) as json does. */
export function invalidUtf8(bytes: Uint8Array): string {
  return `invalid UTF-8 in string at byte ${firstInvalidByte(bytes) + 1}`;
}

/** The error for a float JSON cannot hold (`cannot encode NaN as JSON number`). */
export function nonFiniteNumber(x: number): string {
  return `cannot encode ${nonFiniteName(x)} as JSON number`;
}

/** Index of the first byte that does not start a well-formed UTF-8 sequence (length if none). */
function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n = 0, min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3, min = 0x10000;
    } else {
      return i;
    }
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return i;
}

/** A path inside a value as `toJs` writes it: keys as `.name`, array positions as `[n]` (1-based). */
export function formatPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const p of parts) out += typeof p === "number" ? `[${p + 1}]` : `.${p}`;
  return out;
}
