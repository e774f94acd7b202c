/**
 * YAML text to the JS values that bridge/values.ts pushes (builtins.md §3): the core schema of
 * YAML 1.2 (`yes`/`on` are strings), integers exact (parsed as bigint, so `9007199254740993`
 * keeps its last digit), `1.0` a float, null absent, merge keys left as ordinary `<<` keys, and
 * scalar keys as their source text (`1: a` gives key "1").
 *
 * The documents' node trees are walked here instead of the library's `toJS`, which would turn
 * every integer into a bigint and every float into a plain number, losing which was which
 * once pushed. Aliases reuse the converted value of their anchor; since pushing copies it
 * into Lua each time, the number of values aliases add is capped against the document's own
 * size (an alias bomb would otherwise build a billion Lua tables).
 */
import { type Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import { fitsInt64, LuaFloat } from "../../loader/bridge/values.ts";

/** What a YAML document becomes before it is pushed. */
export type YamlValue = undefined | boolean | number | bigint | LuaFloat | string | YamlValue[] | { [key: string]: YamlValue };

/** A parse failure, message ready to be prefixed with the function name. */
export class YamlSyntaxError extends Error {}

const PARSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  intAsBigInt: true,
  merge: false,
  // Keys are read as strings with their source text, which is what §3 asks for; a key that is
  // a collection, an alias or tagged is an error (a Lua table key could not hold a collection).
  stringKeys: true,
  prettyErrors: false,
} as const;

const MAX_DEPTH = 1000;
const SAFE = 9007199254740991n;

/** Every document of `text` (none for an empty stream); syntax errors raise YamlSyntaxError. */
export function parseDocuments(text: string): YamlValue[] {
  const docs = parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
  for (const doc of docs) {
    const e = doc.errors[0];
    if (e) {
      // The library words this one after its stringKeys option, which the script never set.
      const message = e.code === "NON_STRING_KEY" ? "a mapping key must be a scalar, not a collection, an alias or a tagged value" : e.message;
      throw new YamlSyntaxError(`${message}${at(text, e.pos[0])}`);
    }
  }
  return docs.map((doc) => new Walker(text).document(doc));
}

/** ` at line L, column C` for a character offset in `text` (1-based, as the library counts). */
function at(text: string, offset: number): string {
  let line = 1, start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return ` at line ${line}, column ${offset - start + 1}`;
}

class Walker {
  /** The latest node holding each anchor, in document order (what an alias refers to). */
  private readonly anchors = new Map<string, unknown>();
  /** Converted values of anchored nodes, and how many values each expands to. */
  private readonly done = new Map<unknown, { value: YamlValue; size: number }>();
  private readonly open = new Set<unknown>();
  /** Values converted from the source, and values added by aliases. */
  private own = 0;
  private aliased = 0;

  constructor(private readonly text: string) {}

  document(doc: Document.Parsed): YamlValue {
    const value = this.node(doc.contents, 0);
    if (this.aliased > Math.max(100_000, 10 * this.own)) {
      throw new YamlSyntaxError(
        `aliases expand the document to ${this.own + this.aliased} values, more than 10 times its own ${this.own} (an alias bomb?)`,
      );
    }
    return value;
  }

  private node(node: unknown, depth: number): YamlValue {
    if (node == null) return undefined;
    if (isAlias(node)) return this.alias(node.source, node.range?.[0] ?? 0);
    if (depth >= MAX_DEPTH) throw new YamlSyntaxError(`nesting deeper than ${MAX_DEPTH} levels${this.posOf(node)}`);
    const anchor = (node as { anchor?: string }).anchor;
    if (!anchor) return this.convert(node, depth);
    this.anchors.set(anchor, node);
    this.open.add(node);
    const before = this.own + this.aliased;
    const value = this.convert(node, depth);
    this.open.delete(node);
    this.done.set(node, { value, size: this.own + this.aliased - before });
    return value;
  }

  private convert(node: unknown, depth: number): YamlValue {
    this.own++;
    if (isScalar(node)) return scalar(node.value);
    if (isMap(node)) {
      const out: { [key: string]: YamlValue } = Object.create(null);
      for (const pair of node.items) {
        // stringKeys made every key a string scalar (or raised); an empty key is "".
        const key = isScalar(pair.key) ? String(pair.key.value ?? "") : "";
        const value = this.node(pair.value, depth + 1);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    if (isSeq(node)) {
      const out: YamlValue[] = new Array(node.items.length);
      for (let i = 0; i < node.items.length; i++) out[i] = this.node(node.items[i], depth + 1);
      return out;
    }
    throw new YamlSyntaxError(`unexpected node${this.posOf(node)}`);
  }

  private alias(name: string, offset: number): YamlValue {
    const target = this.anchors.get(name);
    if (target === undefined) throw new YamlSyntaxError(`unknown alias *${name}${at(this.text, offset)}`);
    if (this.open.has(target)) throw new YamlSyntaxError(`alias *${name} refers to a node that contains it${at(this.text, offset)}`);
    const { value, size } = this.done.get(target)!;
    this.aliased += size;
    return value;
  }

  private posOf(node: unknown): string {
    const range = (node as { range?: number[] }).range;
    return range ? at(this.text, range[0]) : "";
  }
}

/** A scalar's resolved value under the core schema with bigint integers. */
function scalar(v: unknown): YamlValue {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "bigint":
      if (v >= -SAFE && v <= SAFE) return Number(v);
      // Beyond int64 the integer cannot be a Lua integer: a float, as json.parse does (§0.5).
      return fitsInt64(v) ? v : new LuaFloat(Number(v));
    case "number":
      return Number.isInteger(v) ? new LuaFloat(v) : v;
    default:
      return undefined;
  }
}
