/**
 * The LDoc metadata of a Lua module (module-loading.md §5.1): the header tags at the top of
 * the file (`@module`, `@description`, `@keywords`, `@env`, `@quickref`) and the function
 * names defined anywhere in it, which `assay modules` and `assay context` index.
 *
 * @example
 * ```ts
 * const meta = parseLdoc("--- @description Widgets.\n--- @quickref c:list() -> [w] | List\nfunction c:list() end\n");
 * meta.description; // "Widgets."
 * meta.quickref;    // [{ signature: "c:list()", returns: "[w]", description: "List" }]
 * meta.functions;   // ["list"]
 * ```
 */

/** One `@quickref` line: `<signature> -> <returns> | <description>`. */
export interface Quickref {
  signature: string;
  /** The return hint; empty for a builtin function that returns nothing. */
  returns: string;
  description: string;
}

export interface LdocMeta {
  module?: string;
  description: string;
  keywords: string[];
  env: string[];
  quickref: Quickref[];
  /** Names from `function <ident><.|:><name>(` lines, in file order, without duplicates. */
  functions: string[];
}

const list = (value: string) => value.split(",").map((s) => s.trim()).filter(Boolean);

/** Splits a quickref value; undefined when it does not have the required shape. */
export function parseQuickref(value: string): Quickref | undefined {
  const arrow = value.indexOf(" -> ");
  if (arrow < 0) return undefined;
  const rest = value.slice(arrow + 4);
  const bar = rest.indexOf(" | ");
  if (bar < 0) return undefined;
  return { signature: value.slice(0, arrow).trim(), returns: rest.slice(0, bar).trim(), description: rest.slice(bar + 3).trim() };
}

/** Parses the header and collects the function names of a module's source. */
export function parseLdoc(source: string): LdocMeta {
  const meta: LdocMeta = { description: "", keywords: [], env: [], quickref: [], functions: [] };
  const lines = source.split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith("---")) break;
    const m = /^@(\w+)\s+(.*)$/.exec(line.replace(/^-+/, "").trim());
    if (!m) continue;
    const [, tag, value] = m;
    if (tag === "module") meta.module = value.trim();
    else if (tag === "description") meta.description = value.trim();
    else if (tag === "keywords") meta.keywords = list(value);
    else if (tag === "env") meta.env = list(value);
    else if (tag === "quickref") {
      const q = parseQuickref(value);
      if (q) meta.quickref.push(q);
    }
  }
  const seen = new Set<string>();
  for (const raw of lines) {
    const m = /^function\s+[A-Za-z_]\w*[.:]([^(]+)\(/.exec(raw.trim());
    if (!m) continue;
    const name = m[1].trim();
    if (!seen.has(name)) {
      seen.add(name);
      meta.functions.push(name);
    }
  }
  return meta;
}
