/**
 * Jinja's tests (`x is defined`, `n is divisibleby 3`, `x is not none`), with the reference's
 * names and aliases. A test with arguments reaches here through the filter-call form the
 * scanner rewrites it to (scan.ts).
 */
import { contains } from "./operators.ts";
import {
  BooleanValue,
  compare,
  equal,
  FunctionValue,
  isFloat,
  isInt,
  isList,
  isMap,
  isNone,
  isNumber,
  isString,
  isUndefined,
  type RV,
  TemplateError,
  toNumber,
} from "./values.ts";

type Test = (value: RV, args: RV[]) => boolean;

function arg(name: string, args: RV[], count: number): RV[] {
  if (args.length !== count) throw new TemplateError(`test ${name}: expected ${count} argument${count === 1 ? "" : "s"}, got ${args.length}`);
  return args;
}

/** An integral number's value modulo `n`, or undefined for anything else. */
function remainder(v: RV, n: number): number | undefined {
  if (isInt(v)) return Number(BigInt(v.value) % BigInt(n));
  if (isFloat(v) && Number.isInteger(v.value)) return v.value % n;
  return undefined;
}

const comparison = (name: string, holds: (c: number) => boolean): Test => (v, args) => holds(compare(v, arg(name, args, 1)[0]));

const TESTS = new Map<string, Test>([
  ["defined", (v) => !isUndefined(v)],
  ["undefined", (v) => isUndefined(v)],
  ["none", (v) => isNone(v)],
  ["boolean", (v) => v instanceof BooleanValue],
  ["true", (v) => v instanceof BooleanValue && v.value === true],
  ["false", (v) => v instanceof BooleanValue && v.value === false],
  ["number", (v) => isNumber(v)],
  ["integer", (v) => isInt(v)],
  ["float", (v) => isFloat(v)],
  ["string", (v) => isString(v)],
  ["mapping", (v) => isMap(v)],
  ["iterable", (v) => isList(v) || isString(v) || isMap(v)],
  ["sequence", (v) => isList(v) || isString(v) || isMap(v)],
  ["callable", (v) => v instanceof FunctionValue],
  ["odd", (v) => Math.abs(remainder(v, 2) ?? 0) === 1],
  ["even", (v) => remainder(v, 2) === 0],
  ["divisibleby", (v, args) => {
    const [n] = arg("divisibleby", args, 1);
    if (!isNumber(n) || toNumber(n) === 0 || !Number.isInteger(toNumber(n))) {
      throw new TemplateError("test divisibleby: expected a non-zero integer");
    }
    return remainder(v, Math.abs(toNumber(n))) === 0;
  }],
  ["lower", (v) => isString(v) && v.value === v.value.toLowerCase()],
  ["upper", (v) => isString(v) && v.value === v.value.toUpperCase()],
  ["startingwith", (v, args) => isString(v) && v.value.startsWith(String(arg("startingwith", args, 1)[0].value))],
  ["endingwith", (v, args) => isString(v) && v.value.endsWith(String(arg("endingwith", args, 1)[0].value))],
  ["in", (v, args) => contains(arg("in", args, 1)[0], v)],
  ["sameas", (v, args) => {
    const [other] = arg("sameas", args, 1);
    if (v === other) return true;
    const primitive = (x: RV) => typeof x.value !== "object" || x.value === null;
    return v.constructor === other.constructor && primitive(v) && primitive(other) && v.value === other.value;
  }],
  ["eq", (v, args) => equal(v, arg("eq", args, 1)[0])],
  ["ne", (v, args) => !equal(v, arg("ne", args, 1)[0])],
  ["lt", comparison("lt", (c) => c < 0)],
  ["le", comparison("le", (c) => c <= 0)],
  ["gt", comparison("gt", (c) => c > 0)],
  ["ge", comparison("ge", (c) => c >= 0)],
]);

const ALIASES: [string, string][] = [
  ["equalto", "eq"],
  ["==", "eq"],
  ["!=", "ne"],
  ["lessthan", "lt"],
  ["<", "lt"],
  ["<=", "le"],
  ["greaterthan", "gt"],
  [">", "gt"],
  [">=", "ge"],
];
for (const [alias, name] of ALIASES) TESTS.set(alias, TESTS.get(name)!);

/** Runs test `name` on a value. */
export function runTest(name: string, value: RV, args: RV[]): boolean {
  const test = TESTS.get(name);
  if (!test) throw new TemplateError(`unknown test "${name}"`);
  return test(value, args);
}

/** Whether a test of that name exists (for `select("odd")` and friends). */
export function hasTest(name: string): boolean {
  return TESTS.has(name);
}
