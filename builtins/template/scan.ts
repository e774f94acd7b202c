/**
 * The front end: splits template source into text and tags itself, and has the library's
 * lexer tokenize one tag at a time. So it knows the line of every token, and it can give the
 * library's parser what the parser has no rule for:
 *
 * - `{% raw %}...{% endraw %}` becomes plain text;
 * - `{% with a = x %}...{% endwith %}` becomes a filter block named `WITH_FILTER`, which the
 *   interpreter evaluates as a scope;
 * - `{% block name %}` (no `extends`, so a block renders in place) becomes `{% if true %}`;
 * - a test with arguments (`x is divisibleby 3`, `x is sameas(y)`) becomes a filter call the
 *   interpreter runs as that test;
 * - comments and whitespace control (`{%-`, `-%}`, `{{-`, `{#-`...) are applied here, with
 *   the reference's defaults (no trim_blocks, no lstrip_blocks, one trailing newline dropped).
 *
 * It also checks that blocks nest (`endfor` closes a `for`, nothing is left open), so that a
 * mistake is reported with its line rather than as a parser crash, and refuses `include`,
 * `import` and `extends` (no loader: a template cannot read other files).
 */
import { tokenize } from "@huggingface/jinja";
import { TemplateError } from "./values.ts";

/** A token as the library's parser reads it. */
export interface Token {
  type: string;
  value: string;
}

/** A construct that becomes one statement node of the syntax tree, in document order. */
export interface Item {
  kind: "text" | "expr" | "stmt";
  /** The statement's name (`if`, `elif`, `for`, `with`...). */
  name?: string;
  line: number;
}

export interface Scanned {
  tokens: Token[];
  /** The line of each token. */
  lines: number[];
  items: Item[];
  lastLine: number;
  /** A block left open at the end: reported unless the parser finds an earlier mistake. */
  unclosed?: TemplateSyntaxError;
}

/** The filter-block name a `with` block is rewritten to. */
export const WITH_FILTER = "__assay_with__";
/** Prefixes of the filter names tests with arguments are rewritten to. */
export const TEST_PREFIX = "__assay_is__";
export const NEGATED_TEST_PREFIX = "__assay_is_not__";

export class TemplateSyntaxError extends TemplateError {
  constructor(message: string, line: number) {
    super(message, line);
  }
}

type Part =
  | { kind: "text"; value: string; line: number }
  | {
    kind: "expr" | "stmt" | "comment" | "mark";
    inner: string;
    line: number;
    trimBefore: boolean;
    trimAfter: boolean;
  };

/** Line numbers of source offsets. */
class LineIndex {
  private starts: number[] = [0];

  constructor(source: string) {
    for (let i = source.indexOf("\n"); i >= 0; i = source.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  at(offset: number): number {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  get last(): number {
    return this.starts.length;
  }
}

function findTagOpen(s: string, from: number): number {
  for (let i = s.indexOf("{", from); i >= 0; i = s.indexOf("{", i + 1)) {
    const c = s[i + 1];
    if (c === "{" || c === "%" || c === "#") return i;
  }
  return -1;
}

/** Where an expression or statement tag starting at `from` (after its opening) ends. */
function findTagClose(s: string, from: number, kind: "expr" | "stmt", lines: LineIndex, openedAt: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) throw new TemplateSyntaxError("unterminated string literal", lines.at(i));
      i = j;
    } else if (kind === "stmt") {
      if (c === "%" && s[i + 1] === "}") return i;
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      if (depth > 0) depth--;
      else if (s[i + 1] === "}") return i;
    }
  }
  const close = kind === "expr" ? "}}" : "%}";
  throw new TemplateSyntaxError(`unexpected end of template: missing "${close}" for the tag opened on line ${lines.at(openedAt)}`, lines.last);
}

const ENDRAW = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;

/** Splits source into text and tags, with raw blocks turned into text. */
function split(source: string, lines: LineIndex): Part[] {
  const parts: Part[] = [];
  let pos = 0;
  while (pos < source.length) {
    const open = findTagOpen(source, pos);
    if (open < 0) {
      parts.push({ kind: "text", value: source.slice(pos), line: lines.at(pos) });
      break;
    }
    if (open > pos) parts.push({ kind: "text", value: source.slice(pos, open), line: lines.at(pos) });
    const kind = source[open + 1] === "{" ? "expr" : source[open + 1] === "%" ? "stmt" : "comment";
    let start = open + 2;
    const trimBefore = source[start] === "-";
    if (source[start] === "-" || (kind === "stmt" && source[start] === "+")) start++;
    const line = lines.at(open);
    let innerEnd: number;
    if (kind === "comment") {
      innerEnd = source.indexOf("#}", start);
      if (innerEnd < 0) throw new TemplateSyntaxError(`unexpected end of template: missing "#}" for the comment opened on line ${line}`, lines.last);
    } else {
      innerEnd = findTagClose(source, start, kind, lines, open);
    }
    pos = innerEnd + 2;
    const marker = innerEnd > start ? source[innerEnd - 1] : "";
    const trimAfter = marker === "-";
    if (trimAfter || (kind === "stmt" && marker === "+")) innerEnd--;
    const inner = source.slice(start, innerEnd);
    if (kind === "stmt" && inner.trim() === "raw") {
      ENDRAW.lastIndex = pos;
      const end = ENDRAW.exec(source);
      if (!end) throw new TemplateSyntaxError(`unexpected end of template: missing {% endraw %} for the raw block opened on line ${line}`, lines.last);
      parts.push({ kind: "mark", inner, line, trimBefore, trimAfter });
      parts.push({ kind: "text", value: source.slice(pos, end.index), line: lines.at(pos) });
      parts.push({ kind: "mark", inner: "endraw", line: lines.at(end.index), trimBefore: end[1] === "-", trimAfter: end[2] === "-" });
      pos = end.index + end[0].length;
      continue;
    }
    parts.push({ kind, inner, line, trimBefore, trimAfter });
  }
  return parts;
}

/** Applies `-` whitespace control to the text around each tag. */
function trimAround(parts: Part[]): void {
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (p.kind === "text") continue;
    const before = parts[k - 1], after = parts[k + 1];
    if (p.trimBefore && before?.kind === "text") before.value = before.value.trimEnd();
    if (p.trimAfter && after?.kind === "text") after.value = after.value.trimStart();
  }
}

const tok = (type: string, value: string): Token => ({ type, value });

function lexTag(kind: "expr" | "stmt", inner: string, line: number): Token[] {
  const [open, close] = kind === "expr" ? ["{{", "}}"] : ["{%", "%}"];
  try {
    return tokenize(open + inner + close) as Token[];
  } catch (e) {
    throw new TemplateSyntaxError(lowerFirst((e as Error).message), line);
  }
}

export function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Words that end an expression rather than start a test's argument. */
const STOP_WORDS = new Set(["and", "or", "else", "if", "is", "not", "in"]);
const OPENING: Record<string, string> = { OpenParen: "CloseParen", OpenSquareBracket: "CloseSquareBracket", OpenCurlyBracket: "CloseCurlyBracket" };

/** The end (exclusive) of a test's argument starting at `k`; `k` itself when there is none. */
function testArgumentEnd(toks: Token[], k: number): number {
  const t = toks[k];
  if (!t) return k;
  if (OPENING[t.type]) {
    let depth = 0;
    for (let i = k; i < toks.length; i++) {
      if (OPENING[toks[i].type]) depth++;
      else if (Object.values(OPENING).includes(toks[i].type) && --depth === 0) return i + 1;
    }
    return k;
  }
  if (t.type === "NumericLiteral" || t.type === "StringLiteral") return k + 1;
  if (t.type === "Identifier" && !STOP_WORDS.has(t.value)) {
    let end = k + 1;
    while (toks[end]?.type === "Dot" && toks[end + 1]?.type === "Identifier") end += 2;
    return end;
  }
  return k;
}

/** The global function integer literals beyond 2^53 are rewritten to call (render.ts). */
export const BIG_INTEGER = "__assay_integer__";

/** Integer literals too large for a double become `BIG_INTEGER("digits")`, so they stay exact. */
function rewriteBigIntegers(toks: Token[]): void {
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.type !== "NumericLiteral" || !/^[-+]?\d+$/.test(t.value) || Number.isSafeInteger(Number(t.value))) continue;
    toks.splice(i, 1, tok("Identifier", BIG_INTEGER), tok("OpenParen", "("), tok("StringLiteral", t.value), tok("CloseParen", ")"));
  }
}

/** Rewrites `x is [not] name args` into a filter call the interpreter runs as the test. */
function rewriteTests(toks: Token[]): void {
  for (let i = 0; i < toks.length; i++) {
    if (toks[i].type !== "Identifier" || toks[i].value !== "is") continue;
    let j = i + 1;
    const negate = toks[j]?.type === "Identifier" && toks[j].value === "not";
    if (negate) j++;
    const name = toks[j];
    if (name?.type !== "Identifier") continue;
    const end = testArgumentEnd(toks, j + 1);
    if (end === j + 1) continue;
    const args = toks.slice(j + 1, end);
    const call = args[0].type === "OpenParen" ? args : [tok("OpenParen", "("), ...args, tok("CloseParen", ")")];
    toks.splice(i, end - i, tok("Pipe", "|"), tok("Identifier", (negate ? NEGATED_TEST_PREFIX : TEST_PREFIX) + name.value), ...call);
  }
}

const ENDS: Record<string, string> = {
  endif: "if",
  endfor: "for",
  endmacro: "macro",
  endcall: "call",
  endfilter: "filter",
  endwith: "with",
  endset: "set",
  endblock: "block",
};
/** Statements that become a node of the tree (the others open, continue or close a block). */
const NODE_STATEMENTS = new Set(["if", "elif", "for", "macro", "call", "filter", "with", "set", "block", "break", "continue"]);
const LOADING = new Set(["include", "import", "from", "extends"]);

interface Open {
  name: string;
  line: number;
  sawElse: boolean;
}

/** Checks one statement against the open blocks and rewrites the ones the parser lacks. */
function statement(toks: Token[], line: number, stack: Open[]): Token[] {
  const head = toks[1];
  if (head?.type !== "Identifier") throw new TemplateSyntaxError("expected a statement name after {%", line);
  const name = head.value;
  const top = stack[stack.length - 1];
  const unexpected = (why = "") => new TemplateSyntaxError(`unexpected {% ${name} %}${why}`, line);
  const stillOpen = top ? ` (the {% ${top.name} %} on line ${top.line} is still open)` : "";
  switch (name) {
    case "if":
    case "for":
    case "macro":
    case "call":
    case "filter":
      stack.push({ name, line, sawElse: false });
      return toks;
    case "set":
      if (!toks.some((t) => t.type === "Equals")) stack.push({ name, line, sawElse: false });
      return toks;
    case "with":
      stack.push({ name, line, sawElse: false });
      return [toks[0], tok("Identifier", "filter"), tok("Identifier", WITH_FILTER), tok("OpenParen", "("), ...toks.slice(2, -1), tok("CloseParen", ")"), toks[toks.length - 1]];
    case "block":
      stack.push({ name, line, sawElse: false });
      return [toks[0], tok("Identifier", "if"), tok("Identifier", "true"), toks[toks.length - 1]];
    case "elif":
      if (top?.name !== "if") throw unexpected(" outside of an if block");
      if (top.sawElse) throw unexpected(" after {% else %}");
      return toks;
    case "else":
      if (top?.name !== "if" && top?.name !== "for") throw unexpected(" outside of an if or for block");
      if (top.sawElse) throw unexpected(`: the {% ${top.name} %} on line ${top.line} already has one`);
      top.sawElse = true;
      return toks;
    case "break":
    case "continue":
      for (let i = stack.length - 1; i >= 0 && stack[i].name !== "macro" && stack[i].name !== "call"; i--) {
        if (stack[i].name === "for") return toks;
      }
      throw unexpected(" outside of a for loop");
  }
  if (name in ENDS) {
    if (top?.name !== ENDS[name]) throw unexpected(stillOpen);
    stack.pop();
    if (name === "endwith") return [toks[0], tok("Identifier", "endfilter"), toks[toks.length - 1]];
    if (name === "endblock") return [toks[0], tok("Identifier", "endif"), toks[toks.length - 1]];
    return toks;
  }
  if (LOADING.has(name)) {
    throw new TemplateSyntaxError(`{% ${name} %} is not available: a template cannot load other templates`, line);
  }
  if (name === "autoescape") throw new TemplateSyntaxError("{% autoescape %} is not available: output is never escaped automatically", line);
  if (name === "endraw") throw unexpected("");
  throw new TemplateSyntaxError(`unknown statement "${name}"`, line);
}

/** Scans template source into the library's tokens, with lines and the statement items. */
export function scan(source: string): Scanned {
  // The reference drops one trailing newline (Jinja's keep_trailing_newline = false).
  if (source.endsWith("\n")) source = source.slice(0, source.endsWith("\r\n") ? -2 : -1);
  const lines = new LineIndex(source);
  const parts = split(source, lines);
  trimAround(parts);
  const out: Scanned = { tokens: [], lines: [], items: [], lastLine: lines.last };
  const stack: Open[] = [];
  const emit = (toks: Token[], line: number) => {
    for (const t of toks) {
      out.tokens.push(t);
      out.lines.push(line);
    }
  };
  for (const part of parts) {
    if (part.kind === "text") {
      if (part.value === "") continue;
      emit([tok("Text", part.value)], part.line);
      out.items.push({ kind: "text", line: part.line });
      continue;
    }
    if (part.kind === "comment" || part.kind === "mark") continue;
    if (part.kind === "stmt") {
      const word = /^\s*(\w+)/.exec(part.inner)?.[1];
      // The library's lexer silently drops these (a chat-template extension).
      if (word === "generation" || word === "endgeneration") throw new TemplateSyntaxError(`unknown statement "${word}"`, part.line);
    }
    const toks = lexTag(part.kind, part.inner, part.line);
    rewriteBigIntegers(toks);
    rewriteTests(toks);
    if (part.kind === "expr") {
      emit(toks, part.line);
      out.items.push({ kind: "expr", line: part.line });
      continue;
    }
    const rewritten = statement(toks, part.line, stack);
    emit(rewritten, part.line);
    const name = toks[1].value;
    if (NODE_STATEMENTS.has(name)) out.items.push({ kind: "stmt", name, line: part.line });
  }
  const open = stack[stack.length - 1];
  if (open) {
    out.unclosed = new TemplateSyntaxError(`unexpected end of template: missing {% end${open.name} %} for the {% ${open.name} %} on line ${open.line}`, lines.last);
  }
  return out;
}
