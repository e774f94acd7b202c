/**
 * The output of `assay modules` (cli.md §5): a header, 80 dashes, then one line per module as
 * `{name:<30} {source:<10} {description}`; with `--json`, the same modules as a JSON array.
 *
 * @example
 * ```ts
 * modulesTable([{ name: "http", source: "builtin", description: "HTTP client and server", ... }]);
 * // "MODULE                         SOURCE     DESCRIPTION\n-----...\nhttp                           builtin    HTTP client and server\n"
 * ```
 */
import type { ModuleDoc } from "./module-doc.ts";

/** Pads like Rust's `{:<n}`: by characters, never cutting a longer value. */
function pad(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + " ".repeat(width - length);
}

/** The table, one line per module, in the order given. */
export function modulesTable(modules: ModuleDoc[]): string {
  const lines = [`${pad("MODULE", 30)} ${pad("SOURCE", 10)} DESCRIPTION`, "-".repeat(80)];
  for (const m of modules) lines.push(`${pad(m.name, 30)} ${pad(m.source, 10)} ${m.description}`);
  return lines.join("\n") + "\n";
}

/** `--json`: name, source, description, keywords, and the file of modules found on disk. */
export function modulesJson(modules: ModuleDoc[]): string {
  const rows = modules.map((m) => ({
    name: m.name,
    source: m.source,
    description: m.description,
    keywords: m.keywords,
    ...(m.path === undefined ? {} : { path: m.path }),
  }));
  return JSON.stringify(rows, null, 2) + "\n";
}
