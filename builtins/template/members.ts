/**
 * `a.b` and `a["b"]`: map entries, list and string indices, and a fixed set of Python-style
 * methods (`s.upper()`, `d.items()`). Every lookup goes through a Map or a bounds-checked
 * index, never a JS property, so `constructor`, `__proto__` and the like find nothing: the
 * library's own method tables are not consulted either.
 */
import {
  bool,
  FunctionValue,
  integer,
  isInt,
  isList,
  isMap,
  isNone,
  isString,
  isUndefined,
  KeywordArgumentsValue,
  list,
  NONE,
  ObjectValue,
  type RV,
  str,
  TemplateError,
  text,
  UNDEFINED,
} from "./values.ts";
import { capitalize, replaceText, splitText, stripText, titleCase } from "./strings.ts";
import type { Limits } from "./limits.ts";

/** Positional arguments and keyword arguments of a call (the library passes the latter last). */
export function splitArgs(args: RV[]): { positional: RV[]; kwargs: Map<string, RV> } {
  const last = args[args.length - 1];
  if (last instanceof KeywordArgumentsValue) return { positional: args.slice(0, -1), kwargs: last.value };
  return { positional: args, kwargs: new Map() };
}

/** Binds a call's arguments to named parameters with defaults; refuses extras. */
export function bind(fn: string, args: RV[], kwargs: Map<string, RV>, params: [string, RV?][]): RV[] {
  if (args.length > params.length) throw new TemplateError(`${fn}: too many arguments (at most ${params.length})`);
  for (const key of kwargs.keys()) {
    if (!params.some(([name]) => name === key)) throw new TemplateError(`${fn}: unexpected keyword argument "${key}"`);
  }
  return params.map(([name, fallback], i) => {
    const v = i < args.length ? args[i] : kwargs.get(name) ?? fallback;
    if (v === undefined) throw new TemplateError(`${fn}: missing argument "${name}"`);
    return v;
  });
}

/** A function value taking the library's argument list (keyword arguments last). */
export function callable(body: (args: RV[], kwargs: Map<string, RV>) => RV): RV {
  return new FunctionValue((all: RV[]) => {
    const { positional, kwargs } = splitArgs(all);
    return body(positional, kwargs);
  });
}

const optionalText = (v: RV): string | undefined => (isNone(v) || isUndefined(v) ? undefined : text(v));

function stringMethod(s: string, name: string, limits: Limits): RV | undefined {
  const call = (params: [string, RV?][], f: (...v: RV[]) => RV) =>
    callable((args, kwargs) => f(...bind(name, args, kwargs, params)));
  const prefixTest = (test: (s: string, p: string) => boolean) =>
    call([["prefix"]], (p) => bool(isList(p) ? (p.value as RV[]).some((x) => test(s, text(x))) : test(s, text(p))));
  switch (name) {
    case "upper":
      return call([], () => str(s.toUpperCase()));
    case "lower":
      return call([], () => str(s.toLowerCase()));
    case "title":
      return call([], () => str(titleCase(s)));
    case "capitalize":
      return call([], () => str(capitalize(s)));
    case "strip":
    case "lstrip":
    case "rstrip":
      return call([["chars", NONE]], (chars) => str(stripText(s, optionalText(chars), name)));
    case "startswith":
      return prefixTest((x, p) => x.startsWith(p));
    case "endswith":
      return prefixTest((x, p) => x.endsWith(p));
    case "split":
      return call([["sep", NONE], ["maxsplit", integer(-1)]], (sep, max) => list(splitText(s, optionalText(sep), Number(max.value)).map(str)));
    case "replace":
      return call([["old"], ["new"], ["count", NONE]], (from, to, count) =>
        str(replaceText(s, text(from), text(to), isInt(count) ? Number(count.value) : -1, limits)));
  }
  return undefined;
}

function mapMethod(entries: Map<string, RV>, name: string): RV | undefined {
  const pairs = () => list([...entries].map(([k, v]) => list([str(k), v])));
  switch (name) {
    case "items":
      return callable((args, kwargs) => (bind(name, args, kwargs, []), pairs()));
    case "keys":
      return callable((args, kwargs) => (bind(name, args, kwargs, []), list([...entries.keys()].map(str))));
    case "values":
      return callable((args, kwargs) => (bind(name, args, kwargs, []), list([...entries.values()])));
    case "get":
      return callable((args, kwargs) => {
        const [key, fallback] = bind(name, args, kwargs, [["key"], ["default", NONE]]);
        return entries.get(text(key)) ?? fallback;
      });
  }
  return undefined;
}

/** The loop object of a `for` (made by the library): recognised by its entries. */
function isLoop(entries: Map<string, RV>): boolean {
  return entries.has("index0") && entries.has("revindex0") && entries.has("previtem");
}

/** `loop.cycle(a, b, ...)`: the argument at the current index, round robin. */
function loopCycle(entries: Map<string, RV>): RV {
  return callable((args) => {
    if (args.length === 0) return UNDEFINED;
    return args[Number(entries.get("index0")!.value) % args.length];
  });
}

/** An index into a sequence of `length`, Python style (negative counts from the end). */
function index(i: number | bigint, length: number): number | undefined {
  const n = Number(i) < 0 ? Number(i) + length : Number(i);
  return n >= 0 && n < length ? n : undefined;
}

/**
 * `obj.key` / `obj[key]`. Missing entries are undefined; looking anything up on an undefined
 * value or none is an error, named after the expression (`describe`).
 */
export function lookup(obj: RV, key: RV, describe: () => string, limits: Limits): RV {
  if (isUndefined(obj)) throw new TemplateError(`${describe()} is undefined (looking up ${keyText(key)})`);
  if (isNone(obj)) throw new TemplateError(`${describe()} is none (looking up ${keyText(key)})`);
  if (isMap(obj)) {
    const entries = obj.value as Map<string, RV>;
    const name = isString(key) ? key.value as string : isInt(key) ? String(key.value) : undefined;
    if (name === undefined) return UNDEFINED;
    const found = entries.get(name);
    if (found !== undefined) return found;
    if (!(obj instanceof ObjectValue) || !isString(key)) return UNDEFINED;
    if (name === "cycle" && isLoop(entries)) return loopCycle(entries);
    return mapMethod(entries, name) ?? UNDEFINED;
  }
  if (isList(obj)) {
    const items = obj.value as RV[];
    if (!isInt(key)) return UNDEFINED;
    const i = index(key.value, items.length);
    return i === undefined ? UNDEFINED : items[i];
  }
  if (isString(obj)) {
    if (isString(key)) return stringMethod(obj.value, key.value, limits) ?? UNDEFINED;
    if (!isInt(key)) return UNDEFINED;
    const chars = Array.from(obj.value as string);
    const i = index(key.value, chars.length);
    return i === undefined ? UNDEFINED : str(chars[i]);
  }
  return UNDEFINED;
}

function keyText(key: RV): string {
  return isString(key) ? JSON.stringify(key.value) : text(key);
}

/**
 * The value at a dotted path (`"user.address.city"`, `"items.0"`) as the attribute arguments
 * of filters take it; a missing step gives undefined rather than an error.
 */
export function attributePath(item: RV, path: RV, limits: Limits): RV {
  let v = item;
  for (const part of text(path).split(".")) {
    if (isUndefined(v) || isNone(v)) return UNDEFINED;
    const key = /^-?\d+$/.test(part) && isList(v) ? integer(Number(part)) : str(part);
    v = lookup(v, key, () => "", limits);
  }
  return v;
}
