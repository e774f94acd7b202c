/**
 * Renders a template with vars from Lua: compiles it (cached by source), sets up the globals
 * the reference offers (`range`, `dict`, `namespace`, `true`/`false`/`none` in both cases)
 * and the vars, runs the interpreter, and returns the output as the Lua string to push (bytes
 * when the template or a value carried bytes that are not UTF-8). This module is what
 * template.ts loads on first use, with the library.
 *
 * @example
 * ```ts
 * renderTemplate("Hello {{ name }}!", { name: "World" }, Infinity); // "Hello World!"
 * ```
 */
import { Environment } from "@huggingface/jinja";
import { decodeBytes, encodeText } from "./bytes-text.ts";
import { compile, type Compiled } from "./compile.ts";
import { TemplateInterpreter } from "./interpreter.ts";
import { Limits, MAX_RANGE } from "./limits.ts";
import { callable } from "./members.ts";
import { BIG_INTEGER, TemplateSyntaxError } from "./scan.ts";
import {
  FALSE,
  fromLua,
  integer,
  isInt,
  isMap,
  list,
  NONE,
  ObjectValue,
  type RV,
  TemplateError,
  toNumber,
  TRUE,
  typeName,
} from "./values.ts";
import { renderMessage } from "./interpreter.ts";

/** `range([start,] stop[, step])`, refusing more than MAX_RANGE elements. */
function range(args: RV[], kwargs: Map<string, RV>): RV {
  if (kwargs.size > 0) throw new TemplateError("range: takes no keyword arguments");
  if (args.length < 1 || args.length > 3) throw new TemplateError(`range: expected 1 to 3 arguments, got ${args.length}`);
  const bad = args.find((a) => !isInt(a));
  if (bad) throw new TemplateError(`range: arguments must be integers, got ${typeName(bad)}`);
  const [start, stop, step] = args.length === 1 ? [0, toNumber(args[0]), 1] : [toNumber(args[0]), toNumber(args[1]), args[2] ? toNumber(args[2]) : 1];
  if (step === 0) throw new TemplateError("range: step cannot be zero");
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new TemplateError(`range has too many elements (${count}, at most ${MAX_RANGE})`);
  const out: RV[] = [];
  for (let i = 0; i < count; i++) out.push(integer(start + i * step));
  return list(out);
}

/** `dict(a=1)` or `dict(other_map)`. */
function dict(args: RV[], kwargs: Map<string, RV>): RV {
  if (args.length > 1 || (args[0] && !isMap(args[0]))) throw new TemplateError("dict: expected a map or keyword arguments");
  return new ObjectValue(new Map([...(args[0]?.value as Map<string, RV> ?? []), ...kwargs]));
}

const CONSTANTS: [string, RV][] = [["true", TRUE], ["false", FALSE], ["none", NONE], ["True", TRUE], ["False", FALSE], ["None", NONE]];

function environment(vars: unknown): Environment {
  const globals = new Environment();
  for (const [name, v] of CONSTANTS) globals.setVariable(name, v as never);
  globals.setVariable("range", callable(range) as never);
  globals.setVariable("dict", callable(dict) as never);
  globals.setVariable(BIG_INTEGER, callable(([digits]) => integer(BigInt(digits.value))) as never);
  const scope = new Environment(globals);
  const values = fromLua(vars);
  if (isMap(values)) for (const [name, v] of values.value as Map<string, RV>) scope.setVariable(name, v as never);
  return scope;
}

/** Compiled templates by source, so a template rendered in a loop is parsed once. */
export class TemplateCache {
  private entries = new Map<string, Compiled>();

  constructor(private capacity = 64, private maxSource = 64 * 1024) {}

  get(source: string): Compiled {
    const hit = this.entries.get(source);
    if (hit) return hit;
    const compiled = compile(source);
    if (source.length <= this.maxSource) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(source, compiled);
    }
    return compiled;
  }
}

/**
 * Renders template bytes with `vars` (a value from bridge/values.ts `toJs`, or undefined).
 * `freeBytes` is what the heap budget has left: output larger than that could not be returned.
 */
export function renderTemplate(template: Uint8Array, vars: unknown, freeBytes: number, cache: TemplateCache): string | Uint8Array {
  const compiled = cache.get(decodeBytes(template));
  const env = environment(vars);
  const interpreter = new TemplateInterpreter(env, compiled, Limits.forBudget(freeBytes));
  try {
    return encodeText(String((interpreter.run(compiled.program as never) as unknown as RV).value));
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw new TemplateError(renderMessage(e));
  }
}

/** The text after the function name for a failure: `syntax error on line 3: ...`. */
export function failureText(e: TemplateError, file?: string): string {
  const kind = e instanceof TemplateSyntaxError ? "syntax error" : "render error";
  const where = [file !== undefined ? `in ${JSON.stringify(file)}` : "", e.line !== undefined ? `on line ${e.line}` : ""].filter(Boolean).join(" ");
  return `${kind}${where ? " " + where : ""}: ${e.message}`;
}

export { TemplateError };
