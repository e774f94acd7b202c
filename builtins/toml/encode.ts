/**
 * JS values (as `toJs` reads them, builtins.md §0.5) to a TOML document (§4): keys in
 * byte-wise order, plain values first, then `[section]` headers for nested tables and
 * `[[section]]` for arrays of tables; integral floats keep a `.0`, integers stay exact, and the
 * reference's date-time marker table `{["$__toml_private_datetime"] = text}` becomes a bare
 * date-time again. Written here rather than with smol-toml's `stringify`, which keeps JS key
 * order, writes `5.0` as `5` and knows nothing of the marker.
 *
 * TOML has no null: a `json.null` value in a table is left out, as nil is; in an array it is
 * an error. NaN and ±inf raise as in JSON (the value goes through §0.5 first).
 */
import { ConversionError, LuaFloat, type LuaData } from "../../loader/bridge/values.ts";
import { formatFloat } from "../../loader/bridge/float-format.ts";
import { formatPath, invalidUtf8, nonFiniteNumber, sortedKeys } from "../../loader/bridge/text-encoders.ts";
import { canonicalDatetime, DATETIME_KEY, DatetimeError } from "./datetime.ts";

type Table = { [key: string]: LuaData };
type Path = (string | number)[];

/** The document for a top-level table; anything else raises a ConversionError. */
export function encodeToml(value: LuaData): string {
  if (!isTable(value)) {
    const what = Array.isArray(value) ? "an array (an empty table is one: use json.object({}) for an empty document)" : describe(value);
    throw new ConversionError(`the top level must be a table with string keys, not ${what}`, "");
  }
  const out = { text: "" };
  writeTable(value, [], "", false, out);
  return out.text;
}

function describe(v: LuaData): string {
  if (v === undefined || v === null) return "nil";
  if (v instanceof LuaFloat || typeof v === "number" || typeof v === "bigint") return "a number";
  if (v instanceof Uint8Array) return "a string";
  return `a ${typeof v}`;
}

function isTable(v: LuaData): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof LuaFloat) && !(v instanceof Uint8Array);
}

/** The marker table's text, or undefined when `t` is an ordinary table. */
function datetimeOf(t: Table): string | undefined {
  const text = t[DATETIME_KEY];
  if (typeof text !== "string") return undefined;
  for (const k in t) if (k !== DATETIME_KEY) return undefined;
  return text;
}

/** Tables (not date-times) that would be written as a `[section]` of their own. */
function isSection(v: LuaData): v is Table {
  return isTable(v) && datetimeOf(v) === undefined;
}

function isArrayOfTables(v: LuaData): v is Table[] {
  return Array.isArray(v) && v.length > 0 && v.every(isSection);
}

/**
 * Appends the body of table `t` whose header is `header` (dotted, already quoted; "" at the
 * top) and its sub-tables after it; `element` makes the header `[[...]]` (one array element).
 */
function writeTable(t: Table, path: Path, header: string, element: boolean, out: { text: string }): void {
  const keys = sortedKeys(t);
  let body = "";
  let nested: string[] | undefined;
  for (const key of keys) {
    const v = t[key];
    if (v === undefined || v === null) continue;
    if (isSection(v) || isArrayOfTables(v)) {
      (nested ??= []).push(key);
    } else {
      path.push(key);
      body += formatKey(key) + " = " + inline(v, path) + "\n";
      path.pop();
    }
  }
  if (element || (header && (body || !nested))) {
    out.text += (out.text ? "\n" : "") + (element ? `[[${header}]]\n` : `[${header}]\n`);
  }
  out.text += body;
  if (!nested) return;
  for (const key of nested) {
    const v = t[key];
    const sub = header ? `${header}.${formatKey(key)}` : formatKey(key);
    path.push(key);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        writeTable(v[i] as Table, path, sub, true, out);
        path.pop();
      }
    } else {
      writeTable(v as Table, path, sub, false, out);
    }
    path.pop();
  }
}

/** A value written inline (after `key = `, inside an array or an inline table). */
function inline(v: LuaData, path: Path): string {
  switch (typeof v) {
    case "string":
      return formatString(v);
    case "boolean":
    case "bigint":
      return String(v);
    case "number":
      if (Number.isInteger(v)) return String(v);
      if (!Number.isFinite(v)) throw new ConversionError(nonFiniteNumber(v), formatPath(path));
      return formatFloat(v);
  }
  if (v instanceof LuaFloat) return formatFloat(v.value);
  if (v instanceof Uint8Array) throw new ConversionError(invalidUtf8(v), formatPath(path));
  if (v === undefined || v === null) throw new ConversionError("TOML has no null: an array cannot hold json.null", formatPath(path));
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    let items = "[";
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      items += (i ? ", " : "") + inline(v[i], path);
      path.pop();
    }
    return items + "]";
  }
  const text = datetimeOf(v);
  if (text !== undefined) {
    try {
      return canonicalDatetime(text);
    } catch (e) {
      if (e instanceof DatetimeError) throw new ConversionError(e.message, formatPath(path));
      throw e;
    }
  }
  let fields = "";
  for (const key of sortedKeys(v)) {
    const x = v[key];
    if (x === undefined || x === null) continue;
    path.push(key);
    fields += (fields ? ", " : "{ ") + formatKey(key) + " = " + inline(x, path);
    path.pop();
  }
  return fields ? fields + " }" : "{}";
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function formatKey(key: string): string {
  return BARE_KEY.test(key) ? key : formatString(key);
}

/**
 * A basic string. JSON's escapes are TOML's (`\"`, `\\`, `\n`, `\u001f`); DEL is a control
 * character to TOML but not to JSON. The text came from valid UTF-8, so it has no lone
 * surrogates for JSON.stringify to escape in a way TOML would refuse.
 */
function formatString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  const json = JSON.stringify(s);
  return s.includes("\x7f") ? json.replaceAll("\x7f", "\\u007f") : json;
}

// deno-lint-ignore no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]/;
