/**
 * The replacement syntax of `regex.replace` (Rust regex's): `$1`, `${1}`, `$name`, `${name}`
 * and `$$`. After `$` the longest run of `[A-Za-z0-9_]` is the reference, so `$1a` names the
 * group `1a`; braces take anything up to `}`. A reference that is all digits is a group
 * number (0 is the whole match); a group that does not exist, or did not take part in the
 * match, expands to nothing. A `$` that starts no reference (`$`, `$-`, `${` without `}`) is
 * literal. Works on bytes, so a replacement need not be UTF-8.
 *
 * @example
 * ```ts
 * const parts = parseReplacement(bytes("<$1>"), 1, new Map());
 * expand(parts, (g) => groupBytes(g), out);
 * ```
 */

/** A parsed replacement: literal bytes, or a group number (-1: expands to nothing). */
export type Part = Uint8Array | number;

const DOLLAR = 0x24;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const utf8 = new TextDecoder("utf-8", { fatal: true });

const isNameByte = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;

export function parseReplacement(rep: Uint8Array, groups: number, names: Map<string, number>): Part[] {
  const parts: Part[] = [];
  const groupOf = (ref: string): number => {
    // Rust parses the reference as a usize, which allows a leading '+'.
    if (/^\+?[0-9]+$/.test(ref)) {
      const n = Number(ref);
      return n <= groups ? n : -1;
    }
    return names.get(ref) ?? -1;
  };
  let i = 0;
  let literalFrom = 0;
  const flush = (to: number) => {
    if (to > literalFrom) parts.push(rep.subarray(literalFrom, to));
  };
  while (i < rep.length) {
    const at = rep.indexOf(DOLLAR, i);
    if (at < 0) break;
    if (rep[at + 1] === DOLLAR) {
      flush(at + 1); // keep one '$'
      i = literalFrom = at + 2;
      continue;
    }
    const ref = capRef(rep, at);
    if (!ref) {
      i = at + 1; // a lone '$' stays in the literal run
      continue;
    }
    flush(at);
    parts.push(groupOf(ref.name));
    i = literalFrom = ref.end;
  }
  flush(rep.length);
  return parts;
}

/** The reference starting with the `$` at `at`, or null when it starts none. */
function capRef(rep: Uint8Array, at: number): { name: string; end: number } | null {
  const start = at + 1;
  if (start >= rep.length) return null;
  if (rep[start] === OPEN) {
    const close = rep.indexOf(CLOSE, start + 1);
    if (close < 0) return null;
    try {
      return { name: utf8.decode(rep.subarray(start + 1, close)), end: close + 1 };
    } catch {
      return null; // a name is never invalid UTF-8
    }
  }
  let end = start;
  while (end < rep.length && isNameByte(rep[end])) end++;
  if (end === start) return null;
  return { name: utf8.decode(rep.subarray(start, end)), end };
}

/** Writes the expansion of `parts` for one match to `out`. */
export function expand(parts: Part[], group: (g: number) => Uint8Array | undefined, out: { write(b: Uint8Array): void }): void {
  for (const p of parts) {
    if (typeof p !== "number") out.write(p);
    else if (p >= 0) {
      const g = group(p);
      if (g) out.write(g);
    }
  }
}
