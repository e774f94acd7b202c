/**
 * The filters a template can use (`{{ name | upper }}`), with Jinja's parameters and the
 * reference's results: `round` keeps integers and rounds halves away from zero, `escape`
 * escapes `& < > " ' /`, undefined values act as empty. The library's own filter code is not
 * used, so every filter behaves the same whatever the value's type, and an unknown one
 * (`tojson`, `urlencode`: the reference had neither) is an error.
 */
import type { Limits } from "./limits.ts";
import { attributePath, bind } from "./members.ts";
import { binary } from "./operators.ts";
import { capitalize, escapeHtml, indentText, replaceText, splitText, stripText, titleCase } from "./strings.ts";
import { runTest } from "./tests.ts";
import {
  bool,
  BooleanValue,
  compare,
  FloatValue,
  integer,
  isFloat,
  isInt,
  isList,
  isMap,
  isNone,
  isNumber,
  isString,
  isUndefined,
  iterate,
  list,
  NONE,
  type RV,
  str,
  TemplateError,
  text,
  toNumber,
  truthy,
  typeName,
  UNDEFINED,
} from "./values.ts";

export interface FilterContext {
  limits: Limits;
  /** Applies a filter by name (for `map("upper")`). */
  filter(name: string, value: RV, args: RV[], kwargs: Map<string, RV>): RV;
}

type Filter = (value: RV, args: RV[], kwargs: Map<string, RV>, ctx: FilterContext) => RV;

const ZERO = integer(0);
const FALSE = bool(false);

/** A filter with named parameters (positional or keyword, with defaults). */
function params(name: string, spec: [string, RV?][], body: (value: RV, p: RV[], ctx: FilterContext) => RV): [string, Filter] {
  return [name, (value, args, kwargs, ctx) => body(value, bind(name, args, kwargs, spec), ctx)];
}

const optionalText = (v: RV): string | undefined => (isNone(v) || isUndefined(v) ? undefined : text(v));

/** The sort key of an item: its attribute when one is named, strings folded to lower case unless case-sensitive. */
function sortKey(item: RV, attribute: RV, caseSensitive: RV, limits: Limits): RV {
  const v = isNone(attribute) ? item : attributePath(item, attribute, limits);
  return isString(v) && !truthy(caseSensitive) ? str(v.value.toLowerCase()) : v;
}

function extreme(name: string, pick: (c: number) => boolean): [string, Filter] {
  return params(name, [["case_sensitive", FALSE], ["attribute", NONE]], (value, [caseSensitive, attribute], ctx) => {
    let best: RV | undefined, bestKey: RV | undefined;
    for (const item of iterate(value, name)) {
      const key = sortKey(item, attribute, caseSensitive, ctx.limits);
      if (best === undefined || pick(compare(key, bestKey!))) {
        best = item;
        bestKey = key;
      }
    }
    return best ?? UNDEFINED;
  });
}

/** `select`, `reject`, `selectattr`, `rejectattr`: keep the items whose test result is `keep`. */
function selecting(name: string, keep: boolean, byAttribute: boolean): [string, Filter] {
  return [name, (value, args, kwargs, ctx) => {
    if (kwargs.size > 0) throw new TemplateError(`${name}: unexpected keyword argument "${kwargs.keys().next().value}"`);
    const rest = [...args];
    const attribute = byAttribute ? rest.shift() : undefined;
    if (byAttribute && attribute === undefined) throw new TemplateError(`${name}: missing argument "attribute"`);
    const testName = rest.shift();
    const passes = (item: RV) => {
      const v = attribute ? attributePath(item, attribute, ctx.limits) : item;
      return testName === undefined ? truthy(v) : runTest(text(testName), v, rest);
    };
    return list(iterate(value, name).filter((item) => passes(item) === keep));
  }];
}

function round(value: RV, precision: RV, method: RV): RV {
  if (isInt(value)) return value;
  if (!isFloat(value)) throw new TemplateError(`round: expected a number, got ${typeName(value)}`);
  const scale = 10 ** toNumber(precision);
  const x = value.value * scale;
  const how = text(method);
  const rounded = how === "common"
    ? Math.sign(x) * Math.round(Math.abs(x))
    : how === "ceil"
    ? Math.ceil(x)
    : how === "floor"
    ? Math.floor(x)
    : NaN;
  if (Number.isNaN(rounded) && !Number.isNaN(x)) throw new TemplateError(`round: method must be "common", "ceil" or "floor"`);
  return new FloatValue(rounded / scale);
}

/** Python's float(): decimal or scientific notation, inf and nan, surrounding whitespace allowed. */
function parseFloatText(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  return undefined;
}

/** Python's int(text, base) for bases 2..36; undefined when the text is not such a number. */
function parseIntText(s: string, base: number): bigint | undefined {
  let t = s.trim().toLowerCase().replace(/_/g, "");
  let negative = false;
  if (t.startsWith("-") || t.startsWith("+")) {
    negative = t[0] === "-";
    t = t.slice(1);
  }
  const prefix = { 16: "0x", 8: "0o", 2: "0b" }[base];
  if (prefix && t.startsWith(prefix)) t = t.slice(2);
  if (t === "") return undefined;
  let n = 0n;
  for (const c of t) {
    const digit = parseInt(c, 36);
    if (Number.isNaN(digit) || digit >= base) return undefined;
    n = n * BigInt(base) + BigInt(digit);
  }
  return negative ? -n : n;
}

function toInt(value: RV, fallback: RV, base: RV): RV {
  if (isInt(value)) return value;
  if (value instanceof BooleanValue) return integer(value.value ? 1 : 0);
  let x: number | undefined;
  if (isFloat(value)) x = value.value;
  else if (isString(value)) {
    const exact = parseIntText(value.value, Number(base.value));
    if (exact !== undefined) return integer(exact);
    x = parseFloatText(value.value);
  }
  if (x === undefined || !Number.isFinite(x)) return fallback;
  return integer(BigInt(Math.trunc(x)));
}

function toFloat(value: RV, fallback: RV): RV {
  if (isFloat(value)) return value;
  if (isInt(value)) return new FloatValue(toNumber(value));
  if (value instanceof BooleanValue) return new FloatValue(value.value ? 1 : 0);
  const x = isString(value) ? parseFloatText(value.value) : undefined;
  return x === undefined ? fallback : new FloatValue(x);
}

function length(value: RV): RV {
  if (isString(value)) return integer(Array.from(value.value as string).length);
  if (isList(value)) return integer(value.value.length);
  if (isMap(value)) return integer(value.value.size);
  if (isUndefined(value)) return ZERO;
  throw new TemplateError(`length: ${typeName(value)} has no length`);
}

function reverse(value: RV): RV {
  if (isString(value)) return str(Array.from(value.value as string).reverse().join(""));
  return list([...iterate(value, "reverse")].reverse());
}

function firstOrLast(name: string, value: RV): RV {
  if (isString(value) || isList(value) || isUndefined(value)) {
    const items = iterate(value, name);
    return (name === "first" ? items[0] : items[items.length - 1]) ?? UNDEFINED;
  }
  throw new TemplateError(`${name}: cannot take an item of ${typeName(value)}`);
}

function join(value: RV, separator: RV, attribute: RV, limits: Limits): RV {
  const sep = text(separator);
  const parts = iterate(value, "join").map((item) => text(isNone(attribute) ? item : attributePath(item, attribute, limits)));
  limits.string(parts.reduce((n, p) => n + p.length, 0) + sep.length * Math.max(0, parts.length - 1));
  return str(parts.join(sep));
}

function unique(value: RV, caseSensitive: RV, attribute: RV, limits: Limits): RV {
  const seen: RV[] = [];
  const out: RV[] = [];
  for (const item of iterate(value, "unique")) {
    const key = sortKey(item, attribute, caseSensitive, limits);
    if (seen.some((k) => binary("==", k, key, limits).value)) continue;
    seen.push(key);
    out.push(item);
  }
  return list(out);
}

function dictsort(value: RV, caseSensitive: RV, by: RV, reverseOrder: RV, limits: Limits): RV {
  if (!isMap(value)) throw new TemplateError(`dictsort: expected a map, got ${typeName(value)}`);
  const which = text(by);
  if (which !== "key" && which !== "value") throw new TemplateError(`dictsort: by must be "key" or "value"`);
  const pairs = [...(value.value as Map<string, RV>)].map(([k, v]) => [str(k), v]);
  const at = which === "key" ? 0 : 1;
  const sign = truthy(reverseOrder) ? -1 : 1;
  pairs.sort((a, b) => sign * compare(sortKey(a[at], NONE, caseSensitive, limits), sortKey(b[at], NONE, caseSensitive, limits)));
  return list(pairs.map(list));
}

function sum(value: RV, attribute: RV, start: RV, limits: Limits): RV {
  let total = start;
  for (const item of iterate(value, "sum")) {
    const v = isNone(attribute) ? item : attributePath(item, attribute, limits);
    if (!isNumber(v) || !isNumber(total)) throw new TemplateError(`sum: cannot add ${typeName(v)} to ${typeName(total)}`);
    total = binary("+", total, v, limits);
  }
  return total;
}

function map(value: RV, args: RV[], kwargs: Map<string, RV>, ctx: FilterContext): RV {
  const items = iterate(value, "map");
  if (kwargs.has("attribute")) {
    const { attribute, default: fallback, ...extra } = Object.fromEntries(kwargs);
    const unexpected = Object.keys(extra)[0];
    if (args.length > 0 || unexpected !== undefined) {
      throw new TemplateError(`map: unexpected ${unexpected ? `keyword argument "${unexpected}"` : "argument"} with attribute=`);
    }
    return list(items.map((item) => {
      const v = attributePath(item, attribute, ctx.limits);
      return isUndefined(v) && fallback !== undefined ? fallback : v;
    }));
  }
  const [name, ...rest] = args;
  if (name === undefined) throw new TemplateError("map: expected a filter name or attribute=");
  return list(items.map((item) => ctx.filter(text(name), item, rest, kwargs)));
}

const FILTERS = new Map<string, Filter>([
  params("abs", [], (v, _, ctx) => {
    if (isInt(v)) return v.value < 0 ? binary("-", ZERO, v, ctx.limits) : v;
    if (isFloat(v)) return new FloatValue(Math.abs(v.value));
    throw new TemplateError(`abs: expected a number, got ${typeName(v)}`);
  }),
  params("bool", [], (v) => bool(truthy(v))),
  params("capitalize", [], (v) => str(capitalize(text(v)))),
  params("default", [["default_value", str("")], ["boolean", FALSE]], (v, [fallback, boolean]) =>
    isUndefined(v) || (truthy(boolean) && !truthy(v)) ? fallback : v),
  params("dictsort", [["case_sensitive", FALSE], ["by", str("key")], ["reverse", FALSE]], (v, [cs, by, rev], ctx) =>
    dictsort(v, cs, by, rev, ctx.limits)),
  params("escape", [], (v) => str(escapeHtml(text(v)))),
  params("first", [], (v) => firstOrLast("first", v)),
  params("float", [["default", new FloatValue(0)]], (v, [fallback]) => toFloat(v, fallback)),
  params("indent", [["width", integer(4)], ["first", FALSE], ["blank", FALSE]], (v, [width, first, blank], ctx) => {
    const prefix = isString(width) ? width.value : " ".repeat(Math.max(0, toNumber(width)));
    return str(indentText(text(v), prefix, truthy(first), truthy(blank), ctx.limits));
  }),
  params("int", [["default", ZERO], ["base", integer(10)]], (v, [fallback, base]) => toInt(v, fallback, base)),
  params("items", [], (v) => {
    if (isUndefined(v)) return list([]);
    if (!isMap(v)) throw new TemplateError(`items: expected a map, got ${typeName(v)}`);
    return list([...(v.value as Map<string, RV>)].map(([k, x]) => list([str(k), x])));
  }),
  params("join", [["d", str("")], ["attribute", NONE]], (v, [sep, attribute], ctx) => join(v, sep, attribute, ctx.limits)),
  params("last", [], (v) => firstOrLast("last", v)),
  params("length", [], length),
  params("list", [], (v) => list([...iterate(v, "list")])),
  params("lower", [], (v) => str(text(v).toLowerCase())),
  ["map", map],
  extreme("max", (c) => c > 0),
  extreme("min", (c) => c < 0),
  selecting("reject", false, false),
  selecting("rejectattr", false, true),
  params("replace", [["old"], ["new"], ["count", NONE]], (v, [from, to, count], ctx) =>
    str(replaceText(text(v), text(from), text(to), isInt(count) ? toNumber(count) : -1, ctx.limits))),
  params("reverse", [], reverse),
  params("round", [["precision", ZERO], ["method", str("common")]], (v, [precision, method]) => round(v, precision, method)),
  params("safe", [], (v) => v),
  selecting("select", true, false),
  selecting("selectattr", true, true),
  params("sort", [["reverse", FALSE], ["case_sensitive", FALSE], ["attribute", NONE]], (v, [rev, cs, attribute], ctx) => {
    const sign = truthy(rev) ? -1 : 1;
    const keyed = iterate(v, "sort").map((item) => [sortKey(item, attribute, cs, ctx.limits), item] as const);
    keyed.sort((a, b) => sign * compare(a[0], b[0]));
    return list(keyed.map(([, item]) => item));
  }),
  params("split", [["sep", NONE], ["maxsplit", integer(-1)]], (v, [sep, max]) =>
    list(splitText(text(v), optionalText(sep), toNumber(max)).map(str))),
  params("string", [], (v) => (isString(v) ? v : str(text(v)))),
  params("sum", [["attribute", NONE], ["start", ZERO]], (v, [attribute, start], ctx) => sum(v, attribute, start, ctx.limits)),
  params("title", [], (v) => str(titleCase(text(v)))),
  params("trim", [["chars", NONE]], (v, [chars]) => str(stripText(text(v), optionalText(chars), "strip"))),
  params("unique", [["case_sensitive", FALSE], ["attribute", NONE]], (v, [cs, attribute], ctx) => unique(v, cs, attribute, ctx.limits)),
  params("upper", [], (v) => str(text(v).toUpperCase())),
]);

for (const [alias, name] of [["d", "default"], ["e", "escape"], ["count", "length"]]) FILTERS.set(alias, FILTERS.get(name)!);

/** Applies filter `name` to a value. */
export function applyFilter(name: string, value: RV, args: RV[], kwargs: Map<string, RV>, ctx: FilterContext): RV {
  const filter = FILTERS.get(name);
  if (!filter) throw new TemplateError(`unknown filter "${name}"`);
  return filter(value, args, kwargs, ctx);
}
