/**
 * The README's table of builtins, generated from the declarations so it cannot drift from
 * them: one row per global with its description, every function's signature (the global's
 * name left off), its values, and its example. scripts/readme-builtins.ts writes it between
 * the markers; tests/cli.test.ts fails when the README's copy differs.
 *
 * @example
 * ```ts
 * builtinsTable(builtins()).split("\n")[2];
 * // "| `assert` | Assertions: .... `assert(v, msg?) -> ...`, `eq(a, b, msg?)`, ... e.g. `assert.eq(resp.status, 200, \"health check\")` |"
 * ```
 */
import type { Builtin } from "../plugin.ts";

/** Where the generated table starts and ends in README.md. */
export const TABLE_BEGIN = "<!-- builtins table: generated from the declarations by scripts/readme-builtins.ts; do not edit -->";
export const TABLE_END = "<!-- end of builtins table -->";

/** A code span that survives inside a table cell. */
const code = (text: string) => "`" + text.replaceAll("|", "\\|") + "`";

function row(b: Builtin): string {
  const names: string[] = [];
  if (b.call) names.push(b.call.signature);
  for (const decl of Object.values(b.functions)) {
    // `time() -> number` stays whole; `json.parse(text)` reads `parse(text)` in json's row.
    names.push(decl.signature.startsWith(`${b.name}.`) ? decl.signature.slice(b.name.length + 1) : decl.signature);
  }
  for (const [name, value] of Object.entries(b.values ?? {})) names.push(`${name}: ${value.type}`);
  const example = b.example ? `; e.g. ${code(b.example)}` : "";
  return `| ${code(b.name)} | ${b.description.replaceAll("|", "\\|")}. ${names.map(code).join(", ")}${example} |`;
}

/** The table with its markers, rows sorted by global. */
export function builtinsTable(list: Builtin[]): string {
  const rows = [...list].sort((a, b) => (a.name < b.name ? -1 : 1)).map(row);
  return [TABLE_BEGIN, "| global | functions |", "|---|---|", ...rows, TABLE_END].join("\n");
}

/** The README with its table replaced by `table`; throws when the markers are missing. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error("README.md has no builtins table markers");
  return readme.slice(0, start) + table + readme.slice(end + TABLE_END.length);
}
