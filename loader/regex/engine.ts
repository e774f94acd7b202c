/**
 * Matching for the regex builtin on re2js (RE2's linear-time automata), over the bytes of a
 * Lua string: re2js decodes them as UTF-8 as it goes (a byte that is not part of valid UTF-8
 * reads as one U+FFFD) and reports byte offsets, so every match is a slice of the very bytes
 * the script passed, valid UTF-8 or not.
 *
 * Successive matches follow the reference (Rust's `find_iter`): after a match the search goes
 * on where it ended, an empty match right where the previous match ended is skipped (re2js's
 * own iteration would report it), and no empty match splits a character.
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
    if (!(e instanceof lib.RE2JSException)) throw e;
    let detail = e.message.replace(/^error parsing regexp: /, "");
    // RE2's limit, which regex-lite does not have: say what it is.
    if (detail.startsWith("invalid repeat count")) detail += " (counts above 1000, also multiplied through nested repetitions, are not supported)";
    throw new PatternError(detail);
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

/** The result would not fit in the Lua heap's remaining budget. */
export class ResultTooLarge extends Error {
  constructor() {
    super("not enough memory");
  }
}

/**
 * What one match in a `find_all` result costs at least in the Lua heap besides its bytes (a
 * table slot and a string header), so a text with millions of matches is refused before JS
 * builds millions of views.
 */
const MATCH_COST = 40;

/** Every match; `room` is the Lua heap budget left, which the result must fit in. */
export function findAll(c: Compiled, text: Uint8Array, room = Infinity): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cost = 0;
  eachMatch(c, text, (m) => {
    const match = text.subarray(m.start(), m.end());
    cost += MATCH_COST + match.length;
    if (cost > room) throw new ResultTooLarge();
    out.push(match);
  });
  return out;
}

/**
 * Every match replaced by the expanded replacement (`$1`, `${name}`, `$$`...), written as it
 * goes into one buffer that must fit in `room` bytes.
 */
export function replaceAll(c: Compiled, text: Uint8Array, replacement: Uint8Array, room = Infinity): Uint8Array {
  const parts = parseReplacement(replacement, c.groups, c.names);
  const out = new ByteWriter(text.length, room);
  let last = 0;
  let matched = false;
  eachMatch(c, text, (m) => {
    matched = true;
    out.write(text.subarray(last, m.start()));
    expand(parts, (g) => group(m, text, g), out);
    last = m.end();
  });
  if (!matched) return text;
  out.write(text.subarray(last));
  return out.bytes();
}

/** A growing byte buffer with a size limit. */
class ByteWriter {
  private buf: Uint8Array;
  private length = 0;
  constructor(sizeHint: number, private readonly limit: number) {
    this.buf = new Uint8Array(Math.max(64, Math.min(sizeHint, limit)));
  }

  write(bytes: Uint8Array): void {
    const need = this.length + bytes.length;
    if (need > this.limit) throw new ResultTooLarge();
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, this.buf.length * 2), Math.max(need, this.limit)));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    this.buf.set(bytes, this.length);
    this.length = need;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function group(m: Matcher, text: Uint8Array, g: number): Uint8Array | undefined {
  const start = m.start(g);
  return start < 0 ? undefined : text.subarray(start, m.end(g));
}

/**
 * Calls `onMatch` for each successive match, as Rust's `find_iter` finds them. re2js's own
 * iteration goes on where the last match ended, and one character further after an empty
 * match; Rust's differs only in skipping an empty match right where the previous match ended
 * (`a*` on "baaab": "", "aaa", "" where re2js also reports the "" at 4).
 */
function eachMatch(c: Compiled, text: Uint8Array, onMatch: (m: Matcher) => void): void {
  const m = c.re.matcher(text);
  let lastEnd = -1;
  while (m.find()) {
    const end = m.end();
    if (end === lastEnd && m.start() === end) continue;
    onMatch(m);
    lastEnd = end;
  }
}
