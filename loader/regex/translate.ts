/**
 * Rewrites a pattern in the reference's dialect (Rust `regex-lite`) as an equivalent RE2
 * pattern for re2js, so that what a pattern means is decided here, by regex-lite's grammar,
 * and re2js only ever sees syntax whose meaning is unambiguous in RE2:
 *
 * - every literal is written as itself (letters, digits, `_`) or as `\x{HEX}`, and every class
 *   as an explicit list of code point ranges, so RE2's own rules for escapes and classes
 *   (its `\s` has no `\v`, it accepts `\pL`, `\Q..\E`, octal) never come into play;
 * - flags are applied here and never passed on: `i` folds ASCII letters only (RE2 would fold
 *   Unicode too: `k` would match the Kelvin sign), `x` drops whitespace and comments, `U` swaps
 *   greediness, `s` and `m` pick the form of `.`, `^` and `$`, `R` drops `\r` from `.`;
 * - named groups become plain groups (names are kept in `names` for replacements), so the
 *   names regex-lite allows (`a.b`, `x[1]`, Unicode letters) need no RE2 support;
 * - `\<`, `\>`, `\b{start}`, `\b{end}` and the half boundaries become `\b`/`\B` plus a
 *   lookbehind, which re2js runs in linear time when compiled with `RE2JS.LOOKBEHINDS`.
 *
 * Everything regex-lite refuses is refused with its message (look-around, backreferences,
 * `\p{..}`, nested classes, class set operations, unknown escapes and flags...). One thing it
 * accepts is refused here: `^` or `$` under both `(?m)` and `(?R)`, which would need a
 * lookahead. Repetition counts above 1000 are refused by RE2 itself.
 *
 * @example
 * ```ts
 * translate("(?x) (?P<year>\\d{4}) - (?P<month>\\d{2})  # a date");
 * // { source: "([0-9]{4})\\x{2D}([0-9]{2})", groups: 2,
 * //   names: Map { "year" => 1, "month" => 2 }, lookbehinds: false }
 * ```
 */

import { ERR } from "./messages.ts";
import { asciiFold, canonical, literal, MAX_CHAR, negate, POSIX, type Range } from "./classes.ts";

/** The pattern is not valid in the dialect; the message is the detail after `invalid pattern:`. */
export class PatternError extends Error {}

export interface Translated {
  /** The RE2 pattern. */
  source: string;
  /** Number of capture groups (group 0, the whole match, not counted). */
  groups: number;
  /** Capture group names and their numbers. */
  names: Map<string, number>;
  /** The source uses lookbehinds: compile it with `RE2JS.LOOKBEHINDS`. */
  lookbehinds: boolean;
}

export function translate(pattern: string): Translated {
  return new Parser(pattern).parse();
}

/** regex-lite's limit on nested groups and on the depth of the parsed expression. */
const NEST_LIMIT = 50;

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
  R: boolean;
  x: boolean;
}

/**
 * How a piece of output binds, so it is wrapped in `(?:...)` only where needed: an `atom`
 * takes a repetition as it is, `seq` (a concatenation, a repetition, an assertion) must be
 * wrapped to be repeated, `alt` also to be concatenated.
 */
type Binding = "atom" | "seq" | "alt";

interface Node {
  re: string;
  binding: Binding;
  /** Depth of the expression regex-lite would build, for its nesting limit. */
  height: number;
}

/** What an escape (or a class item) stands for. */
type Item =
  | { kind: "char"; cp: number }
  | { kind: "class"; ranges: Range[] }
  | { kind: "look"; node: Node };

const cp = (c: string) => c.codePointAt(0)!;


/** Characters regex-lite lets a backslash make literal (its is_meta/is_escapable_character). */
function isEscapable(c: number): boolean {
  if (c >= 0x80) return false;
  const ch = String.fromCharCode(c);
  return !/[0-9A-Za-z<>]/.test(ch);
}

/** Rust's char::is_whitespace (Unicode White_Space). */
function isWhitespace(c: number | undefined): boolean {
  if (c === undefined) return false;
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f ||
    c === 0x3000;
}

const isHex = (c: number) => /^[0-9A-Fa-f]$/.test(String.fromCodePoint(c));
const ALPHABETIC = /^\p{Alphabetic}$/u;
const ALPHANUMERIC = /^[\p{Alphabetic}\p{N}]$/u;

function isCaptureChar(c: number, first: boolean): boolean {
  const ch = String.fromCodePoint(c);
  if (first) return ch === "_" || ALPHABETIC.test(ch);
  return ch === "_" || ch === "." || ch === "[" || ch === "]" || ALPHANUMERIC.test(ch);
}

const atom = (re: string): Node => ({ re, binding: "atom", height: 0 });

function classNode(ranges: Range[]): Node {
  const set = canonical(ranges);
  if (set.length === 0) return atom(`[^\\x{0}-\\x{${MAX_CHAR.toString(16).toUpperCase()}}]`);
  if (set.length === 1 && set[0][0] === set[0][1]) return atom(literal(set[0][0]));
  if (set.length === 1 && set[0][0] === 0 && set[0][1] === MAX_CHAR) return atom("(?s:.)");
  return atom(`[${set.map(([lo, hi]) => (lo === hi ? literal(lo) : `${literal(lo)}-${literal(hi)}`)).join("")}]`);
}

const WORD = "[0-9A-Za-z_]";
const look = (re: string): Node => ({ re, binding: "seq", height: 0 });

class Parser {
  private readonly cps: number[];
  private pos = 0;
  private depth = 0;
  private flags: Flags = { i: false, m: false, s: false, U: false, R: false, x: false };
  private groups = 0;
  private readonly names = new Map<string, number>();
  private lookbehinds = false;
  /** A `^`/`$` under both `m` and `R` was seen: refused once the pattern is known to be valid. */
  private crlfAnchor = false;

  constructor(pattern: string) {
    this.cps = Array.from(pattern, cp);
  }

  parse(): Translated {
    const node = this.parseAlternation();
    if (node.height > NEST_LIMIT) throw new PatternError(ERR.nesting);
    if (this.crlfAnchor) throw new PatternError(ERR.crlfAnchor);
    return { source: node.re, groups: this.groups, names: this.names, lookbehinds: this.lookbehinds };
  }

  // ---- cursor ---------------------------------------------------------------------------

  private done(): boolean {
    return this.pos >= this.cps.length;
  }

  /** The current code point (the caller has checked `done`). */
  private get c(): number {
    return this.cps[this.pos];
  }

  private is(ch: string): boolean {
    return !this.done() && this.c === cp(ch);
  }

  /** Moves one code point on; false when that reaches (or was already at) the end. */
  private bump(): boolean {
    if (this.done()) return false;
    this.pos++;
    return !this.done();
  }

  private bumpIf(prefix: string): boolean {
    const want = Array.from(prefix, cp);
    for (let k = 0; k < want.length; k++) if (this.cps[this.pos + k] !== want[k]) return false;
    this.pos += want.length;
    return true;
  }

  private bumpAndBumpSpace(): boolean {
    if (!this.bump()) return false;
    this.bumpSpace();
    return !this.done();
  }

  /** In `x` mode, skips whitespace and `#` comments (to the end of the line). */
  private bumpSpace(): void {
    if (!this.flags.x) return;
    while (!this.done()) {
      if (isWhitespace(this.c)) this.bump();
      else if (this.c === cp("#")) {
        this.bump();
        while (!this.done()) {
          const ch = this.c;
          this.bump();
          if (ch === 0x0a) break;
        }
      } else break;
    }
  }

  private peek(): number | undefined {
    return this.cps[this.pos + 1];
  }

  /** The next code point after the current one, past whitespace and comments in `x` mode. */
  private peekSpace(): number | undefined {
    if (!this.flags.x) return this.peek();
    let inComment = false;
    for (let k = this.pos + 1; k < this.cps.length; k++) {
      const ch = this.cps[k];
      if (isWhitespace(ch)) continue;
      if (!inComment && ch === cp("#")) inComment = true;
      else if (inComment && ch === 0x0a) inComment = false;
      else if (!inComment) return ch;
    }
    return undefined;
  }

  // ---- expressions ----------------------------------------------------------------------

  private parseAlternation(): Node {
    const depth = this.depth;
    if (depth > NEST_LIMIT) throw new PatternError(ERR.nesting);
    this.depth++;
    const alternates: Node[] = [];
    let concat: Node[] = [];
    for (;;) {
      this.bumpSpace();
      if (this.done()) break;
      const ch = String.fromCodePoint(this.c);
      if (ch === "(") {
        const saved = { ...this.flags };
        const sub = this.parseGroup();
        // A bare flag directive `(?i)` returns nothing and its flags stay until the group ends.
        if (sub) {
          concat.push(sub);
          this.flags = saved;
        }
        if (!this.is(")")) throw new PatternError(ERR.unclosedGroup);
        this.bump();
      } else if (ch === ")") {
        if (depth === 0) throw new PatternError(ERR.unopenedGroup);
        break;
      } else if (ch === "|") {
        alternates.push(sequence(concat));
        concat = [];
        this.bump();
      } else if (ch === "[") {
        concat.push(this.parseClass());
      } else if (ch === "?" || ch === "*" || ch === "+") {
        this.parseUncountedRepetition(concat);
      } else if (ch === "{") {
        this.parseCountedRepetition(concat);
      } else {
        concat.push(this.parsePrimitive());
      }
    }
    this.depth--;
    alternates.push(sequence(concat));
    return alternation(alternates);
  }

  private parsePrimitive(): Node {
    const ch = this.c;
    this.bump();
    switch (ch) {
      case cp("\\"):
        return this.itemNode(this.parseEscape());
      case cp("."):
        if (this.flags.s) return atom("(?s:.)");
        if (this.flags.R) return classNode(negate([[0x0a, 0x0a], [0x0d, 0x0d]]));
        return atom(".");
      case cp("^"):
        if (!this.flags.m) return look("\\A");
        this.crlfAnchor ||= this.flags.R;
        return look("(?m:^)");
      case cp("$"):
        if (!this.flags.m) return look("\\z");
        this.crlfAnchor ||= this.flags.R;
        return look("(?m:$)");
      default:
        return this.itemNode(this.charItem(ch));
    }
  }

  private itemNode(item: Item): Node {
    if (item.kind === "char") return atom(literal(item.cp));
    if (item.kind === "class") return classNode(item.ranges);
    return item.node;
  }

  /** A literal character; under `i` an ASCII letter becomes the class of both cases. */
  private charItem(ch: number): Item {
    if (this.flags.i) {
      const folded = asciiFold([[ch, ch]]);
      if (folded.length > 1 || folded[0][1] !== folded[0][0]) return { kind: "class", ranges: folded };
    }
    return { kind: "char", cp: ch };
  }

  /** After a backslash. */
  private parseEscape(): Item {
    if (this.done()) throw new PatternError(ERR.escapeEof);
    const ch = String.fromCodePoint(this.c);
    if (/[0-9]/.test(ch)) throw new PatternError(ERR.backref);
    if (ch === "p" || ch === "P") throw new PatternError(ERR.unicodeClass);
    if (ch === "x" || ch === "u" || ch === "U") return this.parseHex();
    if (/[dswDSW]/.test(ch)) {
      this.bump();
      const base = POSIX[{ d: "digit", s: "space", w: "word" }[ch.toLowerCase() as "d" | "s" | "w"]];
      return { kind: "class", ranges: ch === ch.toUpperCase() ? negate(base) : base };
    }
    this.bump();
    const code = cp(ch);
    if (isEscapable(code)) return this.charItem(code);
    const special: Record<string, number> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b };
    if (ch in special) return this.charItem(special[ch]);
    switch (ch) {
      case "A":
        return { kind: "look", node: look("\\A") };
      case "z":
        return { kind: "look", node: look("\\z") };
      case "b":
        if (this.is("{")) {
          const special = this.maybeSpecialWordBoundary();
          if (special) return { kind: "look", node: special };
        }
        return { kind: "look", node: look("\\b") };
      case "B":
        return { kind: "look", node: look("\\B") };
      case "<":
        return { kind: "look", node: this.wordBoundary("start") };
      case ">":
        return { kind: "look", node: this.wordBoundary("end") };
    }
    throw new PatternError(ERR.escapeUnrecognized);
  }

  /** regex-lite's ASCII word-boundary assertions, from `\b`/`\B` and lookbehinds. */
  private wordBoundary(kind: string): Node {
    this.lookbehinds = true;
    switch (kind) {
      case "start": // a boundary with no word character before it
        return look(`\\b(?<!${WORD})`);
      case "end": // a boundary with a word character before it
        return look(`\\b(?<=${WORD})`);
      case "start-half":
        return look(`(?<!${WORD})`);
      default: // end-half: no word character after, whatever is before
        return look(`(?:(?<=${WORD})\\b|(?<!${WORD})\\B)`);
    }
  }

  /** `\b{start}` and kin; null (with the cursor back on `{`) when it is a repetition `\b{2}`. */
  private maybeSpecialWordBoundary(): Node | null {
    const start = this.pos;
    if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.wordOrRepEof);
    const valid = (c: number) => /^[A-Za-z-]$/.test(String.fromCodePoint(c));
    if (!valid(this.c)) {
      this.pos = start;
      return null;
    }
    let name = "";
    while (!this.done() && valid(this.c)) {
      name += String.fromCodePoint(this.c);
      this.bumpAndBumpSpace();
    }
    if (!this.is("}")) throw new PatternError(ERR.wordBoundaryUnclosed);
    this.bump();
    if (!["start", "end", "start-half", "end-half"].includes(name)) {
      throw new PatternError(ERR.wordBoundaryUnrecognized);
    }
    return this.wordBoundary(name);
  }

  /** `\xNN`, `\uNNNN`, `\UNNNNNNNN` or any of them with `{HEX}`. */
  private parseHex(): Item {
    const digits = { x: 2, u: 4, U: 8 }[String.fromCodePoint(this.c) as "x" | "u" | "U"];
    if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.hexEof);
    let hex = "";
    if (this.is("{")) {
      while (this.bumpAndBumpSpace() && !this.is("}")) {
        if (!isHex(this.c)) throw new PatternError(ERR.hexBraceDigit);
        hex += String.fromCodePoint(this.c);
      }
      if (this.done()) throw new PatternError(ERR.hexBraceEof);
      this.bumpAndBumpSpace();
      if (hex === "") throw new PatternError(ERR.hexBraceEmpty);
      return this.charItem(scalar(hex, ERR.hexBraceInvalid));
    }
    for (let k = 0; k < digits; k++) {
      if (k > 0 && !this.bumpAndBumpSpace()) throw new PatternError(ERR.hexFixedEof);
      if (!isHex(this.c)) throw new PatternError(ERR.hexFixedDigit);
      hex += String.fromCodePoint(this.c);
    }
    this.bumpAndBumpSpace();
    return this.charItem(scalar(hex, ERR.hexFixedInvalid));
  }

  // ---- repetitions ----------------------------------------------------------------------

  private parseUncountedRepetition(concat: Node[]): void {
    const sub = concat.pop();
    if (!sub) throw new PatternError(ERR.uncountedRepMissing);
    const op = String.fromCodePoint(this.c);
    let greedy = true;
    if (this.bump() && this.is("?")) {
      greedy = false;
      this.bump();
    }
    if (this.flags.U) greedy = !greedy;
    concat.push(repeat(sub, op, op === "?" ? 1 : Infinity, greedy));
  }

  private parseCountedRepetition(concat: Node[]): void {
    const sub = concat.pop();
    if (!sub) throw new PatternError(ERR.countedRepMissing);
    if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.countedRepUnclosed);
    const min = this.parseDecimal();
    let max: number = min;
    if (this.done()) throw new PatternError(ERR.countedRepMinUnclosed);
    if (this.is(",")) {
      if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.countedRepCommaUnclosed);
      max = this.is("}") ? Infinity : this.parseDecimal();
      if (this.done()) throw new PatternError(ERR.countedRepMinMaxUnclosed);
    }
    if (!this.is("}")) throw new PatternError(ERR.countedRepInvalid);
    let greedy = true;
    if (this.bumpAndBumpSpace() && this.is("?")) {
      greedy = false;
      this.bump();
    }
    if (this.flags.U) greedy = !greedy;
    if (min > max) throw new PatternError(ERR.countedRepRange);
    const op = max === min ? `{${min}}` : max === Infinity ? `{${min},}` : `{${min},${max}}`;
    concat.push(repeat(sub, op, max, greedy, min));
  }

  /** A decimal number; whitespace around it is allowed even outside `x` mode, as in regex-lite. */
  private parseDecimal(): number {
    while (!this.done() && isWhitespace(this.c)) this.bump();
    let digits = "";
    while (!this.done() && this.c >= 0x30 && this.c <= 0x39) {
      digits += String.fromCharCode(this.c);
      this.bumpAndBumpSpace();
    }
    while (!this.done() && isWhitespace(this.c)) this.bumpAndBumpSpace();
    if (digits === "") throw new PatternError(ERR.decimalNoDigits);
    const n = Number(digits);
    if (n > 0xffffffff) throw new PatternError(ERR.decimalInvalid);
    return n;
  }

  // ---- groups and flags -----------------------------------------------------------------

  /** At `(`; returns the group, or null for a flag directive such as `(?i)`. */
  private parseGroup(): Node | null {
    this.bumpAndBumpSpace();
    if (this.bumpIf("?=") || this.bumpIf("?!") || this.bumpIf("?<=") || this.bumpIf("?<!")) {
      throw new PatternError(ERR.look);
    }
    if (this.bumpIf("?P<") || this.bumpIf("?<")) {
      const index = ++this.groups;
      const name = this.parseCaptureName();
      this.names.set(name, index);
      return capture(this.parseAlternation());
    }
    if (this.bumpIf("?")) {
      if (this.done()) throw new PatternError(ERR.unclosedGroupQuestion);
      const start = this.pos;
      this.flags = this.parseFlags();
      if (this.is(")")) {
        if (this.pos === start) throw new PatternError(ERR.emptyFlags);
        return null;
      }
      this.bump(); // the ':'
      return this.parseAlternation();
    }
    ++this.groups;
    return capture(this.parseAlternation());
  }

  private parseCaptureName(): string {
    if (this.done()) throw new PatternError(ERR.missingName);
    const start = this.pos;
    for (;;) {
      if (this.is(">")) break;
      if (!isCaptureChar(this.c, this.pos === start)) throw new PatternError(ERR.invalidName);
      if (!this.bump()) break;
    }
    const end = this.pos;
    if (this.done()) throw new PatternError(ERR.unclosedName);
    this.bump();
    const name = String.fromCodePoint(...this.cps.slice(start, end));
    if (name === "") throw new PatternError(ERR.emptyName);
    if (this.names.has(name)) throw new PatternError(ERR.duplicateName);
    return name;
  }

  /** Flags up to (not past) the `:` or `)` that ends them. */
  private parseFlags(): Flags {
    const flags = { ...this.flags };
    let negate = false;
    let lastWasNegation = false;
    const seen = new Set<string>();
    while (!this.is(":") && !this.is(")")) {
      const ch = String.fromCodePoint(this.c);
      if (ch === "-") {
        lastWasNegation = true;
        if (negate) throw new PatternError(ERR.flagRepeatedNegation);
        negate = true;
      } else {
        lastWasNegation = false;
        if (ch === "i" || ch === "m" || ch === "s" || ch === "U" || ch === "R" || ch === "x") flags[ch] = !negate;
        else if (ch !== "u") throw new PatternError(ERR.flagUnrecognized); // `u` is accepted and ignored
        if (seen.has(ch)) throw new PatternError(ERR.flagDuplicate);
        seen.add(ch);
      }
      if (!this.bump()) throw new PatternError(ERR.flagEof);
    }
    if (lastWasNegation) throw new PatternError(ERR.flagDanglingNegation);
    return flags;
  }

  // ---- classes --------------------------------------------------------------------------

  private parseClass(): Node {
    const union: Range[] = [];
    if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.classUnclosed);
    let negated = false;
    if (this.is("^")) {
      if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.classUnclosedAfterNegation);
      negated = true;
    }
    while (this.is("-")) {
      union.push([0x2d, 0x2d]);
      if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.classUnclosedAfterDash);
    }
    // A `]` first in the class is a literal: an empty class cannot be written.
    if (union.length === 0 && this.is("]")) {
      union.push([0x5d, 0x5d]);
      if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.classUnclosedAfterClosing);
    }
    for (;;) {
      this.bumpSpace();
      if (this.done()) throw new PatternError(ERR.classUnclosed);
      const ch = String.fromCodePoint(this.c);
      const next = this.peek();
      if (ch === "[") {
        const posix = this.maybePosixClass();
        if (!posix) throw new PatternError(ERR.classNest);
        union.push(...posix);
      } else if (ch === "]") {
        this.bump();
        // Folding before negating: (?i)[^x] must not match X.
        let ranges = this.flags.i ? asciiFold(union) : canonical(union);
        if (negated) ranges = negate(ranges);
        return classNode(ranges);
      } else if (ch === "&" && next === cp("&")) {
        throw new PatternError(ERR.classIntersection);
      } else if (ch === "-" && next === cp("-")) {
        throw new PatternError(ERR.classDifference);
      } else if (ch === "~" && next === cp("~")) {
        throw new PatternError(ERR.classSymDifference);
      } else {
        this.parseClassRange(union);
      }
    }
  }

  private parseClassRange(union: Range[]): void {
    const first = this.parseClassItem();
    this.bumpSpace();
    if (this.done()) throw new PatternError(ERR.classUnclosedAfterItem);
    const after = this.peekSpace();
    if (!this.is("-") || after === cp("]") || after === cp("-")) {
      if (first.kind === "look") throw new PatternError(ERR.classItem);
      union.push(...(first.kind === "char" ? [[first.cp, first.cp] as Range] : first.ranges));
      return;
    }
    if (!this.bumpAndBumpSpace()) throw new PatternError(ERR.classUnclosedAfterDash);
    const second = this.parseClassItem();
    if (first.kind !== "char" || second.kind !== "char") throw new PatternError(ERR.classRangeItem);
    if (first.cp > second.cp) throw new PatternError(ERR.classRange);
    union.push([first.cp, second.cp]);
  }

  private parseClassItem(): Item {
    const ch = this.c;
    this.bump();
    return ch === cp("\\") ? this.parseEscape() : { kind: "char", cp: ch };
  }

  /** `[:name:]` or `[:^name:]` inside a class; null (cursor unmoved) when it is not one. */
  private maybePosixClass(): Range[] | null {
    const start = this.pos;
    const fail = () => {
      this.pos = start;
      return null;
    };
    if (!this.bump() || !this.is(":")) return fail();
    if (!this.bump()) return fail();
    let negated = false;
    if (this.is("^")) {
      negated = true;
      if (!this.bump()) return fail();
    }
    const nameStart = this.pos;
    while (!this.is(":") && this.bump()) { /* to the closing colon */ }
    if (this.done()) return fail();
    const name = String.fromCodePoint(...this.cps.slice(nameStart, this.pos));
    if (!this.bumpIf(":]")) return fail();
    const ranges = Object.hasOwn(POSIX, name) ? POSIX[name] : undefined;
    if (!ranges) return fail();
    return negated ? negate(ranges) : ranges;
  }
}

/** A hex number that must name a Unicode scalar value. */
function scalar(hex: string, error: string): number {
  const n = parseInt(hex, 16);
  if (!(n <= MAX_CHAR) || (n >= 0xd800 && n <= 0xdfff)) throw new PatternError(error);
  return n;
}

function wrap(node: Node): string {
  return `(?:${node.re})`;
}

function sequence(items: Node[]): Node {
  if (items.length === 0) return { re: "", binding: "seq", height: 0 };
  if (items.length === 1) return items[0];
  return {
    re: items.map((n) => (n.binding === "alt" ? wrap(n) : n.re)).join(""),
    binding: "seq",
    height: Math.max(...items.map((n) => n.height)) + 1,
  };
}

function alternation(branches: Node[]): Node {
  if (branches.length === 1) return branches[0];
  return {
    re: branches.map((n) => n.re).join("|"),
    binding: "alt",
    height: Math.max(...branches.map((n) => n.height)) + 1,
  };
}

function capture(sub: Node): Node {
  return { re: `(${sub.re})`, binding: "atom", height: sub.height + 1 };
}

/** `sub` repeated by `op` (`*`, `+`, `?`, `{n,m}`), lazy unless greedy. */
function repeat(sub: Node, op: string, max: number, greedy: boolean, min = op === "+" ? 1 : 0): Node {
  const re = (sub.binding === "atom" ? sub.re : wrap(sub)) + op + (greedy ? "" : "?");
  // regex-lite drops x{0} and x{1} from its tree, which matters only for its nesting limit.
  const height = max === 0 ? 0 : min === 1 && max === 1 ? sub.height : sub.height + 1;
  return { re, binding: "seq", height };
}
