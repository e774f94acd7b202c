/**
 * Template source to a syntax tree ready for the interpreter: scanned (scan.ts), parsed by the
 * library, then walked once to
 *
 * - wrap every printed expression and text in an `Output` node, so that printing follows the
 *   reference's rules (interpreter.ts) instead of the library's `toString`;
 * - wrap every `for` loop's iterable in an `Iterable` node (undefined loops zero times,
 *   strings loop over their characters);
 * - note the line each statement came from, for render errors.
 *
 * The library's parser knows no positions: when it fails, the furthest token it read is the
 * one it stumbled on, and the scanner knows that token's line.
 */
import { parse } from "@huggingface/jinja";
import { lowerFirst, scan, type Scanned, TemplateSyntaxError, type Token } from "./scan.ts";
import { statementPrototype } from "./values.ts";

/** A syntax-tree node as the library builds it. */
export interface Node {
  type: string;
  [field: string]: any;
}

export interface Compiled {
  program: Node;
  /** The line each statement node came from. */
  lines: WeakMap<Node, number>;
}

export const OUTPUT = "AssayOutput";
export const ITERABLE = "AssayIterable";

function wrap(type: string, expr: Node): Node {
  return Object.assign(Object.create(statementPrototype), { type, expr });
}

const TOKEN_TEXT: Record<string, string> = {
  Text: "text",
  OpenStatement: '"{%"',
  CloseStatement: '"%}"',
  OpenExpression: '"{{"',
  CloseExpression: '"}}"',
  OpenParen: '"("',
  CloseParen: '")"',
  OpenSquareBracket: '"["',
  CloseSquareBracket: '"]"',
  OpenCurlyBracket: '"{"',
  CloseCurlyBracket: '"}"',
  Comma: '","',
  Dot: '"."',
  Colon: '":"',
  Pipe: '"|"',
  Equals: '"="',
};

/** The library's parser messages, in the words the rest of the errors use. */
function parserMessage(e: unknown, tokens: Token[], at: number): string {
  const message = e instanceof Error ? e.message : String(e);
  const found = (type: string) => TOKEN_TEXT[type] ?? (tokens[at] ? JSON.stringify(tokens[at].value) : type);
  const expected = /^Parser Error: (.*?)\. (\w+) !== \w+\.$/.exec(message);
  if (expected) return `${lowerFirst(expected[1].replace(/,? got .*$/, ""))}, found ${found(expected[2])}`;
  const unexpected = /^Unexpected token(?: type)?: (\w+)$/.exec(message);
  if (unexpected) return `unexpected ${found(unexpected[1])}`;
  if (e instanceof TypeError || at >= tokens.length) return "unexpected end of template";
  return lowerFirst(message);
}

function parseScanned(scanned: Scanned): Node {
  try {
    const program = parse(scanned.tokens as never) as unknown as Node;
    if (scanned.unclosed) throw scanned.unclosed;
    return program;
  } catch (e) {
    if (e === scanned.unclosed) throw e;
    // Parse again, watching which tokens the parser reads: it failed at the furthest one.
    let furthest = 0;
    const watched = new Proxy(scanned.tokens, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) furthest = Math.max(furthest, Number(key));
        return Reflect.get(target, key, receiver);
      },
    });
    try {
      parse(watched as never);
    } catch {
      // the same failure
    }
    // Reading past the end is what a block left open makes the parser do.
    if (scanned.unclosed && furthest >= scanned.tokens.length) throw scanned.unclosed;
    const line = scanned.lines[Math.min(furthest, scanned.lines.length - 1)] ?? scanned.lastLine;
    throw new TemplateSyntaxError(parserMessage(e, scanned.tokens, furthest), line);
  }
}

const STATEMENTS = new Set(["Set", "If", "For", "Macro", "CallStatement", "FilterStatement", "Break", "Continue", "Comment"]);

/** Walks the tree in document order, wrapping outputs and iterables and noting lines. */
class Walker {
  readonly lines = new WeakMap<Node, number>();
  private next = 0;
  private inStep = true;

  constructor(private items: Scanned["items"]) {}

  private note(node: Node, kind: string): void {
    const item = this.items[this.next++];
    if (!item || item.kind !== kind) this.inStep = false;
    if (this.inStep) this.lines.set(node, item.line);
  }

  body(statements: Node[] | undefined): void {
    if (!statements) return;
    for (let i = 0; i < statements.length; i++) {
      const node = statements[i];
      if (!STATEMENTS.has(node.type)) {
        this.note(node, node.type === "StringLiteral" && this.items[this.next]?.kind === "text" ? "text" : "expr");
        const out = wrap(OUTPUT, node);
        if (this.lines.has(node)) this.lines.set(out, this.lines.get(node)!);
        statements[i] = out;
        continue;
      }
      this.note(node, "stmt");
      this.children(node);
    }
  }

  private children(node: Node): void {
    switch (node.type) {
      case "If":
        this.body(node.body);
        this.alternate(node.alternate);
        return;
      case "For":
        if (node.iterable.type === "SelectExpression") node.iterable.lhs = wrap(ITERABLE, node.iterable.lhs);
        else node.iterable = wrap(ITERABLE, node.iterable);
        this.body(node.body);
        this.body(node.defaultBlock);
        return;
      case "Macro":
      case "CallStatement":
      case "FilterStatement":
      case "Set":
        this.body(node.body);
    }
  }

  /** An `elif` is an `if` alone in the alternate; an `else` holding only an `if` is not. */
  private alternate(statements: Node[]): void {
    const only = statements.length === 1 ? statements[0] : undefined;
    if (only?.type === "If" && this.items[this.next]?.name === "elif") {
      this.note(only, "stmt");
      this.body(only.body);
      this.alternate(only.alternate);
      return;
    }
    this.body(statements);
  }
}

/** Compiles template source; throws TemplateSyntaxError with the line of the mistake. */
export function compile(source: string): Compiled {
  const scanned = scan(source);
  const program = parseScanned(scanned);
  const walker = new Walker(scanned.items);
  walker.body(program.body);
  return { program, lines: walker.lines };
}
