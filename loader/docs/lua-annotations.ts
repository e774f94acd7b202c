/**
 * Reads the documented shape of a Lua module from its source, without running it: the
 * functions defined on tables (`function M.get(path)`, `function c:health()`), the locals they
 * hang off, the module's returned table, and the `---` comment block above each (LuaCATS
 * annotations such as `---@param`, `---@return`, `---@class`). `assay types` turns this into a
 * stub file, and the stdlib check (tests/types.test.ts) requires every such function to be
 * documented with a description and one `---@param` per parameter.
 *
 * A block starts with a `---` line; plain `--` lines right after it continue it (LDoc style).
 * A blank line ends a block without attaching it: such a block stands alone (a `---@class`
 * with its `---@field`s).
 *
 * @example
 * ```ts
 * const mod = scanLua("local M = {}\n--- Says hi.\n---@param name string\nfunction M.hi(name) end\nreturn M\n");
 * mod.items[1]; // { kind: "function", owner: "M", sep: ".", name: "hi", params: ["name"], doc: [...], ... }
 * annotationProblems(mod); // []
 * ```
 */

interface Base {
  /** 1-based line of the declaration. */
  line: number;
  /** Leading whitespace of the declaration: 0 at the chunk's top level. */
  indent: number;
  /** The attached comment block, each line trimmed. */
  doc: string[];
}

export interface LuaFunctionItem extends Base {
  kind: "function";
  /** The table it is defined on: `M`, `c`, `c.queries`. */
  owner: string;
  sep: "." | ":";
  name: string;
  params: string[];
}

export interface LuaLocalItem extends Base {
  kind: "local";
  name: string;
}

export interface LuaBlockItem {
  kind: "block";
  line: number;
  doc: string[];
}

export type LuaItem = LuaFunctionItem | LuaLocalItem | LuaBlockItem;

export interface ScannedModule {
  items: LuaItem[];
  /** The local the chunk returns at its top level (`return M`, `return setmetatable(M, ...)`). */
  returned?: string;
}

const FUNCTION = /^(\s*)function\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)([.:])([A-Za-z_]\w*)\s*\(([^)]*)\)/;
const LOCAL = /^(\s*)local\s+([A-Za-z_]\w*)\s*=/;
const RETURN = /^return\s+(?:setmetatable\s*\(\s*)?([A-Za-z_]\w*)/;

/** Scans a module's source for its documented items. */
export function scanLua(source: string): ScannedModule {
  const out: ScannedModule = { items: [] };
  let block: string[] = [];
  let blockLine = 0;
  const lines = source.split(/\r?\n/);
  const flush = () => {
    if (block.length) out.items.push({ kind: "block", line: blockLine, doc: block });
    block = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line.startsWith("--") && !line.startsWith("--[[") && !line.startsWith("--[=")) {
      if (line.startsWith("---")) {
        if (!block.length) blockLine = i + 1;
        block.push(line);
      } else if (block.length) block.push(line);
      continue;
    }
    if (line === "") {
      flush();
      continue;
    }
    const doc = block;
    block = [];
    const fn = FUNCTION.exec(raw);
    if (fn) {
      const params = fn[5].split(",").map((p) => p.trim()).filter(Boolean);
      out.items.push({ kind: "function", line: i + 1, indent: fn[1].length, doc, owner: fn[2], sep: fn[3] as "." | ":", name: fn[4], params });
      continue;
    }
    const local = LOCAL.exec(raw);
    if (local) {
      out.items.push({ kind: "local", line: i + 1, indent: local[1].length, doc, name: local[2] });
      continue;
    }
    if (doc.length) out.items.push({ kind: "block", line: i + 1 - doc.length, doc });
    const ret = RETURN.exec(raw);
    if (ret) out.returned = ret[1];
  }
  flush();
  return out;
}

/** The `@tag` lines of a block, as [tag, rest]. */
export function tags(doc: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const line of doc) {
    const m = /^-+\s*@(\w+)\s*(.*)$/.exec(line);
    if (m) out.push([m[1], m[2]]);
  }
  return out;
}

/** The description lines of a block (those that are not tags), without the dashes. */
export function descriptionLines(doc: string[]): string[] {
  return doc.filter((l) => !/^-+\s*@/.test(l)).map((l) => l.replace(/^-+ ?/, "")).filter((l) => l.trim() !== "");
}

/** The parameter a `---@param` line names (`opts?` read as `opts`). */
export function paramName(rest: string): string {
  return rest.split(/\s+/)[0].replace(/\?$/, "");
}

/**
 * What is missing from the documentation of the functions a module defines on tables: a
 * description, a `---@param` for each parameter (`self` excepted), no `---@param` for one that
 * does not exist. Each problem reads `line N: <function>: <what>`.
 */
export function annotationProblems(mod: ScannedModule): string[] {
  const problems: string[] = [];
  for (const item of mod.items) {
    if (item.kind !== "function") continue;
    const name = `${item.owner}${item.sep}${item.name}`;
    const where = `line ${item.line}: ${name}`;
    if (!descriptionLines(item.doc).length) problems.push(`${where}: no description (a --- comment above it)`);
    const documented = tags(item.doc).filter(([tag]) => tag === "param").map(([, rest]) => paramName(rest));
    for (const p of item.params) {
      if (p !== "self" && !documented.includes(p)) problems.push(`${where}: parameter ${p} has no ---@param`);
    }
    for (const p of documented) {
      if (!item.params.includes(p)) problems.push(`${where}: ---@param ${p} names no parameter`);
    }
  }
  return problems;
}
