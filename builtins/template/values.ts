/**
 * The runtime values of @huggingface/jinja as this module uses them, and the rules the
 * reference applies to them: how vars arrive from Lua (builtins.md §0.5), how a value prints,
 * how values compare. The library exports only its Environment and Interpreter, so the value
 * classes are taken from values those produce (`Environment.set` converts plain JS values,
 * small parsed expressions give the rest); `instanceof` checks inside the library keep working
 * on values made here.
 */
import { Environment, Interpreter, parse, tokenize } from "@huggingface/jinja";
import { fitsInt64, LuaFloat } from "../../loader/bridge/values.ts";
import { formatFloat } from "../../loader/bridge/float-format.ts";
import { decodeBytes } from "./bytes-text.ts";

/** A runtime value: `value` is a number (or bigint for integers beyond 2^53), string, Map, array... */
export interface RV {
  type: string;
  value: any;
  __bool__(): { value: boolean };
  toString(): string;
}

/** Instances are typed `any` so that `instanceof` checks do not narrow an `RV` to `never`. */
export type Ctor = new (value?: any) => any;

const probe = new Environment();
let probes = 0;
const classOf = (v: unknown) => probe.set(`probe${probes++}`, v).constructor as Ctor;

export const IntegerValue = classOf(1);
export const FloatValue = classOf(1.5);
export const StringValue = classOf("");
export const BooleanValue = classOf(true);
export const NullValue = classOf(null);
export const UndefinedValue = classOf(undefined);
export const ArrayValue = classOf([]);
export const ObjectValue = classOf({});
export const FunctionValue = classOf(() => null);

/** Evaluates the one expression of `{{ source }}` with the library alone. */
function evaluateAlone(source: string): RV {
  const program = parse(tokenize(`{{ ${source} }}`));
  return new Interpreter(probe).evaluate(program.body[0], probe) as unknown as RV;
}

let captured: RV | undefined;
probe.setVariable(
  "capture",
  new FunctionValue((args: RV[]) => {
    captured = args[args.length - 1];
    return new NullValue();
  }) as never,
);
evaluateAlone("capture(k=1)");
export const KeywordArgumentsValue = captured!.constructor as Ctor;
export const TupleValue = evaluateAlone("(1, 2)").constructor as Ctor;
export const NamespaceValue = evaluateAlone("namespace()").constructor as Ctor;

/** The classes of the library's `break` and `continue` signals, which must pass through untouched. */
export const controlSignals: unknown[] = ["Break", "Continue"].map((type) => {
  try {
    new Interpreter(probe).evaluate({ type } as never, probe);
  } catch (e) {
    return (e as object).constructor;
  }
  throw new Error(`the library's ${type} node did not throw`);
});

/** The library's base class of AST nodes: nodes made here must be instances (it walks them). */
export const statementPrototype: object = Object.getPrototypeOf(Object.getPrototypeOf(parse(tokenize("x"))));

export const UNDEFINED = new UndefinedValue();
export const NONE = new NullValue();
export const TRUE = new BooleanValue(true);
export const FALSE = new BooleanValue(false);

export const str = (s: string): RV => new StringValue(s);
export const bool = (b: boolean): RV => (b ? TRUE : FALSE);
export const list = (items: RV[]): RV => new ArrayValue(items);

export const isInt = (v: RV): boolean => v instanceof IntegerValue;
export const isFloat = (v: RV): boolean => v instanceof FloatValue;
export const isNumber = (v: RV): boolean => v instanceof IntegerValue || v instanceof FloatValue;
export const isString = (v: RV): boolean => v instanceof StringValue;
export const isList = (v: RV): boolean => v instanceof ArrayValue;
/** A value with named entries: a map (keyword arguments included) or a namespace. */
export const isMap = (v: RV): boolean => v instanceof ObjectValue || v instanceof NamespaceValue;
export const isUndefined = (v: RV): boolean => v instanceof UndefinedValue;
export const isNone = (v: RV): boolean => v instanceof NullValue;
export const truthy = (v: RV): boolean => v.__bool__().value;

/** A failure the template author caused; its message is shown after the function name. */
export class TemplateError extends Error {
  constructor(message: string, public line?: number) {
    super(message);
  }
}

/** The type names errors use (the reference's words). */
export function typeName(v: RV): string {
  if (v instanceof IntegerValue) return "integer";
  if (v instanceof FloatValue) return "float";
  if (v instanceof StringValue) return "string";
  if (v instanceof BooleanValue) return "boolean";
  if (v instanceof TupleValue) return "tuple";
  if (v instanceof ArrayValue) return "list";
  if (v instanceof NamespaceValue) return "namespace";
  if (v instanceof ObjectValue) return "map";
  if (v instanceof NullValue) return "none";
  if (v instanceof UndefinedValue) return "undefined";
  if (v instanceof FunctionValue) return "function";
  return "value";
}


/** An integer value: a number while exact, a bigint beyond 2^53; past int64 it is an error. */
export function integer(x: number | bigint): RV {
  if (typeof x === "number") {
    if (Number.isSafeInteger(x)) return new IntegerValue(x);
    if (!Number.isInteger(x)) throw new Error(`not an integer: ${x}`);
    x = BigInt(x);
  }
  if (!fitsInt64(x)) throw new TemplateError("integer overflow (integers are 64-bit)");
  const n = Number(x);
  return new IntegerValue(Number.isSafeInteger(n) ? n : x);
}

/** Byte-wise order of keys, as the reference's ordered maps keep them (code point order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!, y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** A value converted from Lua (bridge/values.ts `toJs`) as a runtime value. */
export function fromLua(v: unknown): RV {
  switch (typeof v) {
    case "undefined":
      return UNDEFINED;
    case "boolean":
      return bool(v);
    case "number":
      return Number.isInteger(v) ? new IntegerValue(v) : new FloatValue(v);
    case "bigint":
      return new IntegerValue(v);
    case "string":
      return str(v);
  }
  // json.null (toJs gives null) is a value that is there and is none, unlike a nil.
  if (v === null) return NONE;
  if (v instanceof LuaFloat) return new FloatValue(v.value);
  if (v instanceof Uint8Array) return str(decodeBytes(v));
  if (Array.isArray(v)) return list(v.map(fromLua));
  const entries = Object.keys(v as object).sort(compareKeys).map((k) => [k, fromLua((v as Record<string, unknown>)[k])] as const);
  return new ObjectValue(new Map(entries));
}

/** How a float prints: `30.0`, `0.5`, `1e16` (as json.encode prints it), `inf`, `NaN`. */
export function floatText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return formatFloat(x);
}

/** A string as it shows inside a printed list or map: double-quoted, with escapes. */
function quoted(s: string): string {
  return JSON.stringify(s);
}

/** A value as it shows inside a printed list or map. */
export function repr(v: RV): string {
  if (v instanceof StringValue) return quoted(v.value);
  if (v instanceof UndefinedValue) return "undefined";
  return text(v);
}

/** A value as `{{ }}` prints it. */
export function text(v: RV): string {
  if (v instanceof StringValue) return v.value;
  if (v instanceof IntegerValue) return String(v.value);
  if (v instanceof FloatValue) return floatText(v.value);
  if (v instanceof BooleanValue) return v.value ? "true" : "false";
  if (v instanceof UndefinedValue) return "";
  if (v instanceof NullValue) return "none";
  if (v instanceof ArrayValue) return `[${(v.value as RV[]).map(repr).join(", ")}]`;
  if (isMap(v)) {
    const items = [...(v.value as Map<string, RV>)].map(([k, x]) => `${quoted(k)}: ${repr(x)}`);
    return `{${items.join(", ")}}`;
  }
  if (v instanceof FunctionValue) return "<function>";
  return "";
}

/** A number's value as a JS number (big integers lose precision, for float arithmetic). */
export const toNumber = (v: RV): number => Number(v.value);

/** Equality as `==` sees it: numbers by value, lists and maps by content. */
export function equal(a: RV, b: RV): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a.value === "bigint" || typeof b.value === "bigint") {
      return Number.isInteger(toNumber(a)) && Number.isInteger(toNumber(b)) && BigInt(a.value) === BigInt(b.value);
    }
    return a.value === b.value;
  }
  if (isString(a) && isString(b)) return a.value === b.value;
  if (a instanceof BooleanValue && b instanceof BooleanValue) return a.value === b.value;
  if (isNone(a) || isNone(b)) return isNone(a) && isNone(b);
  if (isUndefined(a) || isUndefined(b)) return isUndefined(a) && isUndefined(b);
  if (isList(a) && isList(b)) {
    const x = a.value as RV[], y = b.value as RV[];
    return x.length === y.length && x.every((item, i) => equal(item, y[i]));
  }
  if (isMap(a) && isMap(b)) {
    const x = a.value as Map<string, RV>, y = b.value as Map<string, RV>;
    if (x.size !== y.size) return false;
    for (const [k, item] of x) {
      const other = y.get(k);
      if (other === undefined || !equal(item, other)) return false;
    }
    return true;
  }
  return a === b;
}

/** Order of two values (numbers, strings, booleans, lists); other pairs cannot be compared. */
export function compare(a: RV, b: RV): number {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a.value === "bigint" && typeof b.value === "bigint") return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    const x = toNumber(a), y = toNumber(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (isString(a) && isString(b)) return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a instanceof BooleanValue && b instanceof BooleanValue) return Number(a.value) - Number(b.value);
  if (isList(a) && isList(b)) {
    const x = a.value as RV[], y = b.value as RV[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compare(x[i], y[i]);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  throw new TemplateError(`cannot compare ${typeName(a)} with ${typeName(b)}`);
}

/** The items a filter or loop walks: a list, a string's characters, a map's keys; undefined is empty. */
export function iterate(v: RV, what: string): RV[] {
  if (isList(v)) return v.value as RV[];
  if (isUndefined(v)) return [];
  if (isString(v)) return Array.from(v.value as string, str);
  if (isMap(v)) return [...(v.value as Map<string, RV>).keys()].map(str);
  throw new TemplateError(`${what}: cannot iterate over ${typeName(v)}`);
}
