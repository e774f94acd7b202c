/**
 * Matching for the regex builtin on re2js (RE2's linear-time automata), over the bytes of a
 * Lua string: re2js decodes them as UTF-8 as it goes (a byte that is not part of valid UTF-8
 * reads as one U+FFFD) and reports byte offsets, so every match is a slice of the very bytes
 * the script passed, valid UTF-8 or not.
 *
 * Successive matches follow the reference (Rust's `find_iter`): after a match the search goes
 * on where it ended, and an empty match right where the previous match ended is skipped by
 * moving one character on (re2js's own iteration would report it).
 *
 * @example
 * ```ts
 * const cache = new PatternCache(await import("re2js"));
 * findAll(cache.get("\\d+"), new TextEncoder().encode("a1b22")); // [Uint8Array "1", Uint8Array "22"]
 * ```
 */
import type * as Re2js from "re2js";
import { PatternError, translate } from "./translate.ts";
import { expand, parseReplacement } from "./replacement.ts";

type Lib = typeof Re2js;
type Matcher = Re2js.Matcher;

/** A pattern ready to match. */
export interface Compiled {
  re: Re2js.RE2JS;
  /** Number of capture groups. */
  groups: number;
  /** Named groups and their numbers. */
  names: Map<string, number>;
}

/** Translates and compiles a pattern; a bad pattern throws PatternError. */
export function compile(lib: Lib, pattern: string): Compiled {
  const t = translate(pattern);
  let re: Re2js.RE2JS;
  try {
    re = lib.RE2JS.compile(t.source, t.lookbehinds ? lib.RE2JS.LOOKBEHINDS : 0);
  } catch (e) {
    if (e instanceof lib.RE2JSException) throw new PatternError(e.message.replace(/^error parsing regexp: /, ""));
    throw e;
  }
  if (re.groupCount() !== t.groups) throw new Error(`regex translation lost groups: ${re.groupCount()} != ${t.groups}`);
  return { re, groups: t.groups, names: t.names };
}

/**
 * Compiled patterns of one VM, the least recently used dropped past `capacity` (compiling
 * costs ~10 µs; scripts call the same few patterns in loops).
 */
export class PatternCache {
  private readonly entries = new Map<string, Compiled>();
  constructor(private readonly lib: Lib, private readonly capacity = 256) {}

  get(pattern: string): Compiled {
    const hit = this.entries.get(pattern);
    if (hit) {
      // A Map iterates in insertion order: re-inserting makes it the most recent.
      this.entries.delete(pattern);
      this.entries.set(pattern, hit);
      return hit;
    }
    const compiled = compile(this.lib, pattern);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(pattern, compiled);
    return compiled;
  }

  get size(): number {
    return this.entries.size;
  }
}

export function isMatch(c: Compiled, text: Uint8Array): boolean {
  return c.re.test(text);
}

/** The first match and its groups (undefined for a group that did not take part). */
export function find(c: Compiled, text: Uint8Array): { match: Uint8Array; groups: (Uint8Array | undefined)[] } | undefined {
  const m = c.re.matcher(text);
  if (!m.find()) return undefined;
  const groups: (Uint8Array | undefined)[] = [];
  for (let g = 1; g <= c.groups; g++) groups.push(group(m, text, g));
  return { match: text.subarray(m.start(), m.end()), groups };
}

export function findAll(c: Compiled, text: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  eachMatch(c, text, (m) => out.push(text.subarray(m.start(), m.end())));
  return out;
}

/** Every match replaced by the expanded replacement (`$1`, `${name}`, `$$`...). */
export function replaceAll(c: Compiled, text: Uint8Array, replacement: Uint8Array): Uint8Array {
  const parts = parseReplacement(replacement, c.groups, c.names);
  const chunks: Uint8Array[] = [];
  let last = 0;
  eachMatch(c, text, (m) => {
    chunks.push(text.subarray(last, m.start()));
    expand(parts, (g) => group(m, text, g), chunks);
    last = m.end();
  });
  if (chunks.length === 0) return text;
  chunks.push(text.subarray(last));
  return concat(chunks);
}

function group(m: Matcher, text: Uint8Array, g: number): Uint8Array | undefined {
  const start = m.start(g);
  return start < 0 ? undefined : text.subarray(start, m.end(g));
}

/** Calls `onMatch` for each successive match, as Rust's `find_iter` finds them. */
function eachMatch(c: Compiled, text: Uint8Array, onMatch: (m: Matcher) => void): void {
  const m = c.re.matcher(text);
  let from = 0;
  let lastEnd = -1;
  while (from <= text.length && m.find(from)) {
    if (m.start() === m.end() && m.end() === lastEnd) {
      // An empty match where the last one ended: look again one character further on.
      if (lastEnd >= text.length) break;
      from = lastEnd + charWidth(text, lastEnd);
      if (!m.find(from)) break;
    }
    onMatch(m);
    lastEnd = m.end();
    from = lastEnd;
  }
}

/** Bytes in the character at `pos` as re2js decodes it: a valid UTF-8 sequence, else 1. */
export function charWidth(b: Uint8Array, pos: number): number {
  const c = b[pos];
  if (c < 0x80) return 1;
  let size: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) size = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    size = 3;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    size = 4;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else return 1;
  if (pos + size > b.length) return 1;
  if (b[pos + 1] < lo || b[pos + 1] > hi) return 1;
  for (let k = 2; k < size; k++) if ((b[pos + k] & 0xc0) !== 0x80) return 1;
  return size;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
