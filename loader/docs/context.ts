/**
 * The Markdown document of `assay context <query>` (cli.md §6): the matching modules with
 * their description, environment variables and quickref lines, then the cheat-sheet of every
 * builtin signature. Prompt-ready: plain Markdown, nothing that depends on a terminal.
 *
 * @example
 * ```ts
 * contextDocument(search(modules, "http", 5), cheatSheet(builtins()));
 * // "# Assay Module Context\n\n## Matching Modules\n\n### http\nHTTP client and server\nMethods:\n  http.get(url, opts?) -> resp | GET a URL...\n..."
 * ```
 */
import type { ModuleDoc } from "./module-doc.ts";

function moduleSection(m: ModuleDoc): string[] {
  const lines = [`### ${m.name}`];
  if (m.description) lines.push(m.description);
  if (m.env.length) lines.push(`Env: ${m.env.join(", ")}`);
  if (m.quickref.length) {
    lines.push("Methods:");
    for (const q of m.quickref) {
      const returns = q.returns ? ` -> ${q.returns}` : "";
      lines.push(`  ${q.signature}${returns} | ${q.description}`);
    }
  }
  if (m.example) lines.push(`Example: ${m.example}`);
  return [...lines, ""];
}

/** The whole document for the modules found (best first) and the cheat-sheet lines. */
export function contextDocument(matches: ModuleDoc[], cheatSheet: string[]): string {
  const lines = ["# Assay Module Context", ""];
  if (matches.length === 0) lines.push("No matching modules found.", "");
  else {
    lines.push("## Matching Modules", "");
    for (const m of matches) lines.push(...moduleSection(m));
  }
  lines.push("## Built-in Functions (always available, no require needed)", ...cheatSheet);
  return lines.join("\n") + "\n";
}
