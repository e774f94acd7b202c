/**
 * JS values (as `toJs` reads them, builtins.md §0.5) to block-style YAML that reads back as the
 * same value: keys in byte-wise order, integral floats with a `.0` (`5.0`), floats printed as
 * json prints them (exponents as `1.0e+16`), integers beyond 2^53 exact, strings that would read as something else
 * quoted. The quoting rules are the library's, asked to satisfy YAML 1.1 readers as well
 * (`compat`), so `yes`, `on` and `2024-01-01` are quoted for kubectl and PyYAML too.
 *
 * The node tree is built here rather than by the library's `createNode`, which would order keys
 * as JS objects do ("10" before "9") and could not tell `5.0` from `5`.
 */
import {
  type CreateNodeOptions,
  Document,
  type DocumentOptions,
  Pair,
  Scalar,
  type ScalarTag,
  type SchemaOptions,
  YAMLMap,
  YAMLSeq,
} from "yaml";
import { ConversionError, LuaFloat, type LuaData } from "../../loader/bridge/values.ts";
import { formatFloat } from "../../loader/bridge/float-format.ts";
import { formatPath, invalidUtf8, nonFiniteNumber, sortedKeys } from "../../loader/bridge/text-encoders.ts";

/**
 * Every float is a Scalar holding a LuaFloat; this tag prints it as json does (`5.0`, `0.001`),
 * except that an exponent gets a dot and a sign (`1.0e+16`, not `1e16`): YAML 1.1 readers
 * (PyYAML) take a float without them for a string.
 */
const FLOAT_TAG: ScalarTag = {
  identify: (v) => v instanceof LuaFloat,
  default: true,
  tag: "tag:yaml.org,2002:float",
  resolve: (s) => Number(s),
  stringify: (node) => yamlFloat(((node as Scalar).value as LuaFloat).value),
};

function yamlFloat(x: number): string {
  const text = formatFloat(x);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const mantissa = text.slice(0, e), exponent = text.slice(e + 1);
  return `${mantissa.includes(".") ? mantissa : mantissa + ".0"}e${exponent[0] === "-" ? "" : "+"}${exponent}`;
}

const DOC_OPTIONS: DocumentOptions & SchemaOptions & CreateNodeOptions = {
  version: "1.2",
  schema: "core",
  compat: "yaml-1.1",
  customTags: [FLOAT_TAG],
  aliasDuplicateObjects: false,
};

// No line folding (a long string stays on one line, multi-line ones become `|` blocks) and
// sequences flush with their key, as the reference's emitter writes them.
const STRING_OPTIONS = { indentSeq: false, lineWidth: 0, blockQuote: "literal" } as const;

/** One document's YAML text, ending in a newline, with no leading `---`. */
export function encodeDocument(value: LuaData): string {
  const doc = new Document(null, DOC_OPTIONS);
  doc.contents = toNode(value, []);
  return doc.toString(STRING_OPTIONS);
}

type Node = Scalar | YAMLMap | YAMLSeq;

function toNode(v: LuaData, path: (string | number)[]): Node {
  switch (typeof v) {
    case "undefined":
      return new Scalar(null);
    case "number":
      if (Number.isInteger(v)) return new Scalar(v);
      if (!Number.isFinite(v)) throw new ConversionError(nonFiniteNumber(v), formatPath(path));
      return new Scalar(new LuaFloat(v));
    case "boolean":
    case "bigint":
      return new Scalar(v);
    case "string":
      return stringScalar(v, path.length === 0);
  }
  if (v === null) return new Scalar(null);
  if (v instanceof LuaFloat) return new Scalar(v);
  if (v instanceof Uint8Array) throw new ConversionError(invalidUtf8(v), formatPath(path));
  if (Array.isArray(v)) {
    const seq = new YAMLSeq();
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      seq.items.push(toNode(v[i], path));
      path.pop();
    }
    return seq;
  }
  const map = new YAMLMap();
  for (const key of sortedKeys(v)) {
    path.push(key);
    map.items.push(new Pair(stringScalar(key), toNode(v[key], path)));
    path.pop();
  }
  return map;
}

/**
 * A string scalar. Double-quoted where the library's choice would not read back, here or in
 * PyYAML: a string that starts with U+FEFF (written plain, a reader takes it for a byte order
 * mark and drops it); `=` (YAML 1.1's "value" key, which PyYAML cannot construct); a one-line string with a tab (PyYAML stops a plain scalar there); a
 * multi-line string with a line starting in a blank (as a `|` block it loses those blanks, or
 * the whole line when it is only blanks) or that is the whole document (a `|` block at column
 * 0, which PyYAML refuses).
 */
function stringScalar(s: string, top = false): Scalar {
  const scalar = new Scalar(s);
  if (s.charCodeAt(0) === 0xfeff || s === "=") scalar.type = "QUOTE_DOUBLE";
  else if (!s.includes("\n")) {
    if (s.includes("\t")) scalar.type = "QUOTE_DOUBLE";
  } else if (top || BLANK_LINE_START.test(s)) scalar.type = "QUOTE_DOUBLE";
  return scalar;
}

const BLANK_LINE_START = /(?:^|\n)[ \t]/;
