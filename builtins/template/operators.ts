/**
 * Jinja's operators on runtime values, as the reference computes them: integers stay exact
 * 64-bit integers (the library would round them through doubles), `~` prints undefined as
 * empty, strings compare and repeat, `==` compares lists and maps by content, division by zero
 * is an error. `and`/`or` short-circuit and are evaluated by the interpreter.
 */
import type { Limits } from "./limits.ts";
import {
  bool,
  compare,
  equal,
  FloatValue,
  integer,
  isFloat,
  isInt,
  isList,
  isMap,
  isNumber,
  isString,
  isUndefined,
  list,
  type RV,
  str,
  TemplateError,
  text,
  toNumber,
  truthy,
  typeName,
} from "./values.ts";

type Int = number | bigint;

const big = (v: RV): bigint => BigInt(v.value);

/** Python's floor division and modulo on exact integers. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
}

/** An integer operation, done on numbers while exact and on bigints otherwise. */
function intArith(op: string, a: Int, b: Int): RV {
  if (typeof a === "number" && typeof b === "number") {
    const r = op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : NaN;
    if (Number.isSafeInteger(r)) return integer(r);
  }
  const x = BigInt(a), y = BigInt(b);
  switch (op) {
    case "+":
      return integer(x + y);
    case "-":
      return integer(x - y);
    case "*":
      return integer(x * y);
    case "//":
      return integer(floorDiv(x, y));
    case "%":
      return integer(floorMod(x, y));
  }
  throw new Error(`no integer operator ${op}`);
}

/** `a ** b` on integers: exact when the exponent is not negative. */
function intPower(a: bigint, b: bigint): RV {
  if (b < 0n) return new FloatValue(Number(a) ** Number(b));
  const magnitude = a < 0n ? -a : a;
  // Refused before computing: a 64-bit result has at most 64 bits.
  if (magnitude > 1n && BigInt(magnitude.toString(2).length - 1) * b > 64n) {
    throw new TemplateError("integer overflow (integers are 64-bit)");
  }
  return integer(a ** b);
}

function floatArith(op: string, a: number, b: number): RV {
  switch (op) {
    case "+":
      return new FloatValue(a + b);
    case "-":
      return new FloatValue(a - b);
    case "*":
      return new FloatValue(a * b);
    case "/":
      return new FloatValue(a / b);
    case "//":
      return new FloatValue(Math.floor(a / b));
    case "%": {
      const r = a % b;
      return new FloatValue(r !== 0 && (r < 0) !== (b < 0) ? r + b : r);
    }
    case "**":
      return new FloatValue(a ** b);
  }
  throw new Error(`no float operator ${op}`);
}

function arithmetic(op: string, a: RV, b: RV): RV {
  const zero = isInt(b) ? big(b) === 0n : isFloat(b) && b.value === 0;
  if (zero && (op === "/" || op === "//" || op === "%")) throw new TemplateError("division by zero");
  if (isInt(a) && isInt(b)) {
    if (op === "**") return intPower(big(a), big(b));
    if (op !== "/") return intArith(op, a.value, b.value);
  }
  return floatArith(op, toNumber(a), toNumber(b));
}

/** `s * n` and `list * n`, refused before building something too large. */
function repeat(seq: RV, times: RV, limits: Limits): RV {
  const n = Math.max(0, toNumber(times));
  if (n === 0 || seq.value.length === 0) return isString(seq) ? str("") : list([]);
  if (isString(seq)) {
    limits.string((seq.value as string).length * n);
    return str((seq.value as string).repeat(n));
  }
  const items = seq.value as RV[];
  limits.list(items.length * n);
  const out: RV[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return list(out);
}

/** Whether `item` is in `container`: a substring, a list element, a map key; nothing is in undefined. */
export function contains(container: RV, item: RV): boolean {
  if (isUndefined(container)) return false;
  if (isString(container)) {
    if (!isString(item)) throw new TemplateError(`cannot look for ${typeName(item)} in a string`);
    return (container.value as string).includes(item.value);
  }
  if (isList(container)) return (container.value as RV[]).some((x) => equal(x, item));
  if (isMap(container)) {
    const key = isString(item) ? item.value : isInt(item) ? String(item.value) : undefined;
    return key !== undefined && (container.value as Map<string, RV>).has(key);
  }
  throw new TemplateError(`cannot look for a value in ${typeName(container)}`);
}

/** Evaluates a binary operator other than `and`/`or`. */
export function binary(op: string, a: RV, b: RV, limits: Limits): RV {
  switch (op) {
    case "==":
      return bool(equal(a, b));
    case "!=":
      return bool(!equal(a, b));
    case "<":
      return bool(compare(a, b) < 0);
    case ">":
      return bool(compare(a, b) > 0);
    case "<=":
      return bool(compare(a, b) <= 0);
    case ">=":
      return bool(compare(a, b) >= 0);
    case "in":
      return bool(contains(b, a));
    case "not in":
      return bool(!contains(b, a));
    case "~": {
      const left = text(a), right = text(b);
      limits.string(left.length + right.length);
      return str(left + right);
    }
  }
  if (isNumber(a) && isNumber(b)) return arithmetic(op, a, b);
  if (op === "+" && isString(a) && isString(b)) {
    limits.string(a.value.length + b.value.length);
    return str(a.value + b.value);
  }
  if (op === "+" && isList(a) && isList(b)) {
    limits.list(a.value.length + b.value.length);
    return list([...a.value, ...b.value]);
  }
  if (op === "*" && (isString(a) || isList(a)) && isInt(b)) return repeat(a, b, limits);
  if (op === "*" && isInt(a) && (isString(b) || isList(b))) return repeat(b, a, limits);
  throw new TemplateError(`unsupported operand types for ${op}: ${typeName(a)} and ${typeName(b)}`);
}

/** Evaluates `not x`, `-x`, `+x`. */
export function unary(op: string, v: RV): RV {
  if (op === "not") return bool(!truthy(v));
  if (isInt(v)) return op === "-" ? intArith("-", 0, v.value) : v;
  if (isFloat(v)) return op === "-" ? new FloatValue(-v.value) : v;
  throw new TemplateError(`unsupported operand type for unary ${op}: ${typeName(v)}`);
}
