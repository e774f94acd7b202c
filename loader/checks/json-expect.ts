/**
 * `expect.json` of an http check (checks.md §2.1): `<path> == <literal>`, where the path is
 * dot-separated object keys and the comparison is JSON equality **without** numeric coercion
 * between integers and floats (`1.0` is not `1`). JSON.parse cannot tell those apart, so the
 * body is read by a small parser of its own that keeps each number's kind.
 *
 * @example
 * ```ts
 * jsonExpectation('{"build":{"channel":"stable"}}', '.build.channel == "stable"') // null: it holds
 * jsonExpectation('{"n":1.0}', ".n == 1") // "JSON expression failed: .n == 1"
 * ```
 */

/** A JSON value whose numbers remember whether they were written as integers. */
type Json =
  | null
  | boolean
  | string
  | { int: bigint }
  | { float: number }
  | Json[]
  | { object: Map<string, Json> };

/** null when the expression holds for the body, else the failure message. */
export function jsonExpectation(body: string, expr: string): string | null {
  const eq = expr.indexOf("==");
  if (eq < 0) return `unsupported JSON expression syntax: ${JSON.stringify(expr)} (expected '.path == value')`;
  const path = expr.slice(0, eq).trim();
  const want = literal(expr.slice(eq + 2).trim());
  let value: Json;
  try {
    value = new JsonReader(body).document();
  } catch (e) {
    return `response body is not valid JSON: ${(e as Error).message}`;
  }
  // Segments are trimmed as the reference trims them: `. a . b` is `.a.b`.
  for (const segment of path.replace(/^\.+/, "").split(".").map((s) => s.trim()).filter(Boolean)) {
    const next = isObject(value) ? value.object.get(segment) : undefined;
    if (next === undefined) return `JSON path '.${segment}' not found in response`;
    value = next;
  }
  return equal(value, want) ? null : `JSON expression failed: ${expr}`;
}

const isObject = (v: Json): v is { object: Map<string, Json> } => typeof v === "object" && v !== null && "object" in v;

/** The right-hand side, by the first rule that applies (§2.1). */
function literal(text: string): Json {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  if (text === "true" || text === "false") return text === "true";
  if (text === "null") return null;
  if (/^[+-]?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return { int: n };
  }
  const f = parseFloat64(text);
  // A float that is not finite has no JSON form: the reference's value for it is null.
  if (f !== undefined) return Number.isFinite(f) ? { float: f } : null;
  return text;
}

/** A decimal float as Rust's `f64::from_str` reads it (also `inf`, `NaN`), else undefined. */
export function parseFloat64(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2].toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function equal(a: Json, b: Json): boolean {
  if (a === null || typeof a !== "object" || b === null || typeof b !== "object") return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if ("int" in a) return "int" in b && a.int === b.int;
  if ("float" in a) return "float" in b && a.float === b.float;
  if (!isObject(b) || a.object.size !== b.object.size) return false;
  for (const [k, v] of a.object) {
    const other = b.object.get(k);
    if (other === undefined || !equal(v, other)) return false;
  }
  return true;
}

// JSON forbids raw control characters in strings: the class excludes them on purpose.
// deno-lint-ignore no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** RFC 8259 JSON, numbers kept with their kind; errors name the offset. */
class JsonReader {
  private i = 0;
  constructor(private text: string) {}

  document(): Json {
    const v = this.value();
    this.space();
    if (this.i < this.text.length) this.fail("trailing characters");
    return v;
  }

  private fail(why: string): never {
    throw new Error(`${why} at offset ${this.i}`);
  }

  /** A sticky pattern's match at the current offset (no copy of the rest of the text). */
  private match(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.i;
    return pattern.exec(this.text);
  }

  private space(): void {
    while (/[ \t\n\r]/.test(this.text[this.i] ?? "")) this.i++;
  }

  private value(): Json {
    this.space();
    const c = this.text[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.number();
  }

  private object(): Json {
    const out = new Map<string, Json>();
    this.i++;
    this.space();
    if (this.text[this.i] === "}") {
      this.i++;
      return { object: out };
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') this.fail("expected a key");
      const key = this.string();
      this.space();
      if (this.text[this.i++] !== ":") this.fail("expected ':'");
      out.set(key, this.value());
      this.space();
      const c = this.text[this.i++];
      if (c === "}") return { object: out };
      if (c !== ",") this.fail("expected ',' or '}'");
    }
  }

  private array(): Json {
    const out: Json[] = [];
    this.i++;
    this.space();
    if (this.text[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      const c = this.text[this.i++];
      if (c === "]") return out;
      if (c !== ",") this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const m = this.match(STRING);
    if (!m) this.fail("invalid string");
    this.i += m[0].length;
    return JSON.parse(m[0]);
  }

  private number(): Json {
    const m = this.match(NUMBER);
    if (!m || !m[0]) this.fail("expected a value");
    // As serde_json: an integer beyond 64 bits, and `-0`, are read as floats...
    const n = !m[2] && !m[3] && m[0] !== "-0" ? BigInt(m[0]) : undefined;
    const value: Json = n !== undefined && n >= -(2n ** 63n) && n < 2n ** 64n ? { int: n } : { float: Number(m[0]) };
    // ...and it holds only finite floats: `1e400` makes the whole body invalid.
    if ("float" in value && !Number.isFinite(value.float)) this.fail("number out of range");
    this.i += m[0].length;
    return value;
  }
}
