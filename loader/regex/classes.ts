/**
 * Character classes as sorted lists of code point ranges, as regex-lite builds them (its
 * POSIX classes, ASCII-only case folding, negation), and their RE2 spelling.
 */

/** An inclusive range of code points. */
export type Range = [number, number];

export const MAX_CHAR = 0x10ffff;

/** regex-lite's POSIX classes; `\d`, `\s`, `\w` are digit, space and word. */
export const POSIX: Record<string, Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** A code point as RE2 syntax that means exactly that code point, in or out of a class. */
export function literal(c: number): string {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) {
    return String.fromCharCode(c);
  }
  return `\\x{${c.toString(16).toUpperCase()}}`;
}

/** Sorted, merged ranges. */
export function canonical(ranges: Range[]): Range[] {
  const sorted = ranges.map((r): Range => [r[0], r[1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/** regex-lite's ASCII case folding of a class: each range adds its a-z (else A-Z) counterpart. */
export function asciiFold(ranges: Range[]): Range[] {
  const out = [...ranges];
  for (const [lo, hi] of ranges) {
    if (lo <= 0x7a && hi >= 0x61) out.push([Math.max(lo, 0x61) - 32, Math.min(hi, 0x7a) - 32]);
    else if (lo <= 0x5a && hi >= 0x41) out.push([Math.max(lo, 0x41) + 32, Math.min(hi, 0x5a) + 32]);
  }
  return canonical(out);
}

export function negate(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of canonical(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CHAR) out.push([next, MAX_CHAR]);
  return out;
}

