/**
 * LuaCATS types of declared arguments (bridge/args.ts kinds), so the editor types, the
 * declaration check and the docs agree on what a `text` or an `options` argument is. An
 * `options` argument with fields becomes a class of its own (named by its `luaType`, or after
 * the function and argument: `shell.exec.opts`), collected here to be written once.
 *
 * @example
 * ```ts
 * const classes = new OptionClasses();
 * argType({ name: "opts", type: "options", fields: {...} }, classes, "shell.exec.opts"); // "shell.exec.opts"
 * argType({ name: "names", type: ["bytes", "list"], items: { name: "n", type: "bytes" } }, classes, "x"); // "string|string[]"
 * ```
 */
import type { ArgSpec, Kind } from "../bridge/args.ts";

/** The type a kind documents as (without `items` or `fields`). */
const KIND_TYPES: Record<Kind, string> = {
  text: "string",
  bytes: "string",
  number: "number",
  integer: "integer",
  int64: "integer",
  boolean: "boolean",
  function: "function",
  callback: "function",
  table: "table",
  options: "table",
  list: "any[]",
  map: "table<string, any>",
  value: "any",
  raw: "any",
};

/** Names LuaCATS knows without a declaration. */
export const LUACATS_BUILTIN_TYPES: ReadonlySet<string> = new Set([
  "nil",
  "any",
  "unknown",
  "boolean",
  "string",
  "number",
  "integer",
  "function",
  "table",
  "thread",
  "userdata",
  "lightuserdata",
  "true",
  "false",
  "fun",
  "self",
]);

/** Options classes met while typing arguments, by name, with the fields they document. */
export class OptionClasses {
  private byName = new Map<string, { spec: ArgSpec; fields: Record<string, ArgSpec> }>();
  /** Two different field sets under one class name (a declaration mistake). */
  readonly clashes: string[] = [];

  /** The class name of an `options` spec with fields, registering it the first time. */
  name(spec: ArgSpec, fallback: string): string {
    const name = spec.luaType ?? fallback.replaceAll(":", ".");
    const known = this.byName.get(name);
    if (!known) this.byName.set(name, { spec, fields: spec.fields ?? {} });
    else if (!sameFields(known.fields, spec.fields ?? {})) this.clashes.push(name);
    return name;
  }

  /** Every class registered so far, in order of first use. */
  entries(): [string, Record<string, ArgSpec>][] {
    return [...this.byName].map(([name, { fields }]) => [name, fields]);
  }
}

function sameFields(a: Record<string, ArgSpec>, b: Record<string, ArgSpec>): boolean {
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b);
}

/** Wraps a union in parentheses where a suffix such as `[]` would bind to its last member. */
function grouped(type: string): string {
  return /[|]/.test(type) && !/^\(.*\)$/.test(type) ? `(${type})` : type;
}

/**
 * The LuaCATS type of an argument or option field (without its optionality, which goes on the
 * name: `---@param opts? T`). `fallback` names the class of an `options` table with fields.
 */
export function argType(spec: ArgSpec, classes: OptionClasses, fallback: string): string {
  const kinds = Array.isArray(spec.type) ? spec.type : [spec.type];
  if (spec.luaType && !(kinds.includes("options") && spec.fields)) return spec.luaType;
  const types: string[] = [];
  for (const kind of kinds) {
    let t: string;
    if (kind === "options" && spec.fields && Object.keys(spec.fields).length) t = classes.name(spec, fallback);
    else if (kind === "list" && spec.items) t = `${grouped(argType(spec.items, classes, `${fallback}.item`))}[]`;
    else if (kind === "map" && spec.items) t = `table<string, ${argType(spec.items, classes, `${fallback}.value`)}>`;
    else t = KIND_TYPES[kind];
    if (!types.includes(t)) types.push(t);
  }
  // `any` already says it all.
  return types.includes("any") ? "any" : types.join("|");
}

/**
 * The type names a LuaCATS type mentions that need a declaration: not built in, not a
 * parameter or field name (`fun(tx: db.Transaction)`, `{ key: string }`), not a literal.
 */
export function referencedTypes(type: string): string[] {
  const stripped = type
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, " ")
    .replace(/[A-Za-z_][\w]*\??\s*:/g, " ")
    .replace(/\.\.\./g, " ");
  const names = stripped.match(/[A-Za-z_][\w.]*/g) ?? [];
  return [...new Set(names.filter((n) => !LUACATS_BUILTIN_TYPES.has(n)))];
}

const LUA_KEYWORDS = new Set(
  `and break do else elseif end false for function goto if in local nil not or repeat return then true until while`.split(" "),
);

/** Whether `name` can be a Lua parameter or field name written bare. */
export function isLuaName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !LUA_KEYWORDS.has(name);
}
