/**
 * The library's interpreter with the node kinds where the reference's behaviour differs
 * evaluated here instead (through its public `evaluate`, which it calls for every node): the
 * library keeps control flow, scopes, macros, calls and literals.
 *
 * Evaluated here: printing (`Output`) and loop iterables (`Iterable`, compile.ts); attribute
 * and index lookups (members.ts: Map lookups only, so no JS property is reachable); filters,
 * filter blocks and `with` blocks; tests; operators (operators.ts). Every statement node
 * carries its line into the errors raised inside it.
 */
import { Environment, Interpreter } from "@huggingface/jinja";
import { type Compiled, ITERABLE, type Node, OUTPUT } from "./compile.ts";
import { applyFilter, type FilterContext } from "./filters.ts";
import type { Limits } from "./limits.ts";
import { lookup } from "./members.ts";
import { binary, unary } from "./operators.ts";
import { NEGATED_TEST_PREFIX, TEST_PREFIX, WITH_FILTER } from "./scan.ts";
import { runTest } from "./tests.ts";
import {
  bool,
  controlSignals,
  FunctionValue,
  KeywordArgumentsValue,
  isList,
  isMap,
  isNone,
  isString,
  isUndefined,
  iterate,
  list,
  NullValue,
  type RV,
  str,
  TemplateError,
  text,
  truthy,
  typeName,
  UndefinedValue,
} from "./values.ts";

type Evaluate = Interpreter["evaluate"];

/** How deep evaluation may nest (a macro calling itself without end stops here). */
const MAX_DEPTH = 6000;
const RECURSION = "recursion too deep (a macro that calls itself without end?)";

/**
 * A JS stack overflow. V8's stack (Deno) runs out before MAX_DEPTH, JavaScriptCore's (Bun)
 * after it; both say "Maximum call stack size exceeded". No regular expression here: near the
 * limit, compiling one fails with a SyntaxError that would hide the overflow, whereas a call
 * that overflows here throws a new overflow, which is as good.
 */
function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message.includes("call stack");
}

/** The source text of a simple expression, for error messages (`user.address`). */
function describe(node: Node): string {
  switch (node.type) {
    case "Identifier":
      return node.value;
    case "MemberExpression": {
      const object = describe(node.object);
      if (node.computed) {
        const p = node.property;
        const key = p.type === "StringLiteral" ? JSON.stringify(p.value) : p.type === "IntegerLiteral" ? String(p.value) : "...";
        return `${object}[${key}]`;
      }
      return `${object}.${node.property.value}`;
    }
    case "CallExpression":
      return `${describe(node.callee)}(...)`;
    case "StringLiteral":
      return JSON.stringify(node.value);
    case "IntegerLiteral":
    case "FloatLiteral":
      return String(node.value);
    default:
      return "the value";
  }
}

/**
 * A variable's value, found by walking the scope chain in a loop. The library's own lookup
 * recurses once per enclosing scope (a macro's scope encloses its caller's, so the chain grows
 * with each nested call) and turns any error into undefined, a stack overflow included: a deep
 * recursion then read as `f is not callable (it is undefined)` where the stack is smaller (V8
 * under Deno) instead of reaching MAX_DEPTH.
 */
function variable(env: Environment, name: string): RV {
  for (let scope: Environment | undefined = env; scope; scope = scope.parent) {
    if (scope.variables.has(name)) return (scope.variables.get(name) ?? new UndefinedValue()) as unknown as RV;
  }
  return new UndefinedValue();
}

/** Control-flow signals of the library (`break`, `continue`): they must pass through untouched. */
function isControl(e: unknown): boolean {
  return e instanceof Error && controlSignals.includes(e.constructor);
}

export class TemplateInterpreter extends Interpreter implements FilterContext {
  private depth = 0;
  /** The line of the innermost statement a stack overflow passed through. */
  private overflowLine: number | undefined;

  constructor(env: Environment, private compiled: Compiled, readonly limits: Limits) {
    super(env);
  }

  override evaluate(statement: Parameters<Evaluate>[0], environment: Environment): ReturnType<Evaluate> {
    const node = statement as unknown as Node | undefined;
    if (!node) return super.evaluate(statement, environment);
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      throw new TemplateError(RECURSION);
    }
    const line = this.compiled.lines.get(node);
    try {
      return this.evaluateNode(node, environment) as never;
    } catch (e) {
      if (isStackOverflow(e)) {
        // Unwound untouched to the outermost node, where there is stack to build the error;
        // it names the innermost statement that saw the overflow.
        if (this.overflowLine === undefined) this.overflowLine = line;
        if (this.depth > 1) throw e;
        throw new TemplateError(RECURSION, this.overflowLine);
      }
      if (line !== undefined && e instanceof TemplateError && e.line === undefined) e.line = line;
      else if (line !== undefined && !(e instanceof TemplateError) && !isControl(e)) throw new TemplateError(renderMessage(e), line);
      throw e;
    } finally {
      this.depth--;
    }
  }

  private eval(node: Node, env: Environment): RV {
    return this.evaluate(node as never, env) as unknown as RV;
  }

  private evaluateNode(node: Node, env: Environment): RV {
    switch (node.type) {
      case OUTPUT: {
        const printed = text(this.eval(node.expr, env));
        this.limits.emit(printed.length);
        return str(printed);
      }
      case ITERABLE: {
        const v = this.eval(node.expr, env);
        if (isList(v) || isMap(v)) return v;
        if (isString(v) || isUndefined(v)) return list(iterate(v, "for"));
        throw new TemplateError(`cannot loop over ${typeName(v)} (${describe(node.expr)})`);
      }
      case "MemberExpression":
        return this.member(node, env);
      case "FilterExpression":
        return this.filterNode(this.eval(node.operand, env), node.filter, env);
      case "FilterStatement":
        return this.filterBlock(node, env);
      case "TestExpression": {
        const result = runTest(node.test.value, this.eval(node.operand, env), []);
        return bool(node.negate ? !result : result);
      }
      case "BinaryExpression":
        return this.binaryNode(node, env);
      case "UnaryExpression":
        return unary(node.operator.value, this.eval(node.argument, env));
      case "CallExpression":
        return this.call(node, env);
      case "Identifier":
        return variable(env, node.value);
    }
    return super.evaluate(node as never, env) as unknown as RV;
  }

  private member(node: Node, env: Environment): RV {
    const object = this.eval(node.object, env);
    if (node.computed && node.property.type === "SliceExpression") return this.slice(object, node.property, node, env);
    const key = node.computed
      ? this.eval(node.property, env)
      : node.property.type === "IntegerLiteral"
      ? this.eval(node.property, env)
      : str(node.property.value);
    return lookup(object, key, () => describe(node.object), this.limits);
  }

  /** `seq[start:stop:step]` with Python's rules. */
  private slice(object: RV, range: Node, node: Node, env: Environment): RV {
    if (isUndefined(object)) throw new TemplateError(`${describe(node.object)} is undefined (taking a slice)`);
    const items = iterate(object, "slice");
    const bound = (n: Node | undefined): number | undefined => {
      if (!n) return undefined;
      const v = this.eval(n, env);
      if (isNone(v) || isUndefined(v)) return undefined;
      if (typeof v.value !== "number" || !Number.isInteger(v.value)) throw new TemplateError("slice indices must be integers");
      return v.value;
    };
    const step = bound(range.step) ?? 1;
    if (step === 0) throw new TemplateError("slice step cannot be zero");
    const n = items.length;
    const clamp = (i: number | undefined, fallback: number, lo: number, hi: number) =>
      i === undefined ? fallback : Math.min(Math.max(i < 0 ? i + n : i, lo), hi);
    const start = step > 0 ? clamp(bound(range.start), 0, 0, n) : clamp(bound(range.start), n - 1, -1, n - 1);
    const stop = step > 0 ? clamp(bound(range.stop), n, 0, n) : clamp(bound(range.stop), -1, -1, n - 1);
    const out: RV[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(items[i]);
    return isString(object) ? str(out.map((c) => c.value).join("")) : list(out);
  }

  private arguments(nodes: Node[], env: Environment): { args: RV[]; kwargs: Map<string, RV> } {
    const args: RV[] = [];
    const kwargs = new Map<string, RV>();
    for (const n of nodes) {
      if (n.type === "KeywordArgumentExpression") kwargs.set(n.key.value, this.eval(n.value, env));
      else if (n.type === "SpreadExpression") args.push(...iterate(this.eval(n.argument, env), "*"));
      else if (n.type === "KeywordSpreadExpression") {
        const v = this.eval(n.argument, env);
        if (!(v.value instanceof Map)) throw new TemplateError("** needs a map");
        for (const [k, x] of v.value as Map<string, RV>) kwargs.set(k, x);
      } else args.push(this.eval(n, env));
    }
    return { args, kwargs };
  }

  /** `f(args)`: only function values (macros, globals, methods) can be called. */
  private call(node: Node, env: Environment): RV {
    const { args, kwargs } = this.arguments(node.args, env);
    const fn = this.eval(node.callee, env);
    if (!(fn instanceof FunctionValue)) throw new TemplateError(`${describe(node.callee)} is not callable (it is ${typeName(fn)})`);
    if (kwargs.size > 0) args.push(new KeywordArgumentsValue(kwargs));
    return fn.value(args, env);
  }

  private filterNode(value: RV, filter: Node, env: Environment): RV {
    const name: string = filter.type === "Identifier" ? filter.value : filter.callee.value;
    const { args, kwargs } = filter.type === "CallExpression" ? this.arguments(filter.args, env) : { args: [], kwargs: new Map() };
    if (name.startsWith(NEGATED_TEST_PREFIX)) return bool(!runTest(name.slice(NEGATED_TEST_PREFIX.length), value, args));
    if (name.startsWith(TEST_PREFIX)) return bool(runTest(name.slice(TEST_PREFIX.length), value, args));
    return this.filter(name, value, args, kwargs);
  }

  filter(name: string, value: RV, args: RV[], kwargs: Map<string, RV>): RV {
    return applyFilter(name, value, args, kwargs, this);
  }

  /** Renders statements in `env`, as the library renders a block. */
  private render(statements: Node[], env: Environment): string {
    let out = "";
    for (const s of statements) {
      const v = this.eval(s, env);
      if (!(v instanceof NullValue) && !(v instanceof UndefinedValue)) out += v.toString();
    }
    return out;
  }

  /** `{% filter f %}...{% endfilter %}`, and `{% with %}` (rewritten to one by the scanner). */
  private filterBlock(node: Node, env: Environment): RV {
    const f = node.filter;
    if (f.type === "CallExpression" && f.callee.value === WITH_FILTER) {
      const scope = new Environment(env);
      const assigned: [string, RV][] = [];
      for (const a of f.args as Node[]) {
        if (a.type !== "KeywordArgumentExpression") throw new TemplateError("with: expected assignments (name = value, ...)");
        assigned.push([a.key.value, this.eval(a.value, env)]);
      }
      for (const [name, v] of assigned) scope.setVariable(name, v as never);
      return str(this.render(node.body, scope));
    }
    return this.filterNode(str(this.render(node.body, env)), f, env);
  }

  private binaryNode(node: Node, env: Environment): RV {
    const op: string = node.operator.value;
    const left = this.eval(node.left, env);
    if (op === "and") return truthy(left) ? this.eval(node.right, env) : left;
    if (op === "or") return truthy(left) ? left : this.eval(node.right, env);
    return binary(op, left, this.eval(node.right, env), this.limits);
  }
}

/** The message of an error raised while rendering. */
export function renderMessage(e: unknown): string {
  if (isStackOverflow(e)) return RECURSION;
  const message = e instanceof Error ? e.message : String(e);
  // The library names types by its class names.
  const named = message.replace(/\b(\w+)Value\b/g, (m, kind: string) => LIBRARY_TYPES[kind] ?? m);
  return named.charAt(0).toLowerCase() + named.slice(1);
}

const LIBRARY_TYPES: Record<string, string> = {
  Integer: "integer",
  Float: "float",
  String: "string",
  Boolean: "boolean",
  Object: "map",
  KeywordArguments: "map",
  Namespace: "namespace",
  Array: "list",
  Tuple: "tuple",
  Null: "none",
  Undefined: "undefined",
  Function: "function",
};
