/**
 * The `modules`, `context` and `types` subcommands as main.ts runs them: each reads the
 * registered builtins (main.ts imports builtins/index.ts first), the embedded stdlib and the
 * module directories, and returns the text for stdout; `types` writes files and throws
 * TypesError for `assay: types: <why>`.
 *
 * @example
 * ```ts
 * process.stdout.write(modulesOutput({ json: false, cwd: process.cwd(), env: process.env }));
 * process.stdout.write(contextOutput({ query: "http", limit: 5, cwd: process.cwd(), env: process.env }));
 * ```
 */
import { EMBEDDED } from "../../stdlib/embedded.gen.ts";
import { builtins } from "../plugin.ts";
import { cheatSheet } from "./builtin-docs.ts";
import { search } from "./bm25.ts";
import { contextDocument } from "./context.ts";
import { discoverModules } from "./discover.ts";
import { modulesJson, modulesTable } from "./modules-table.ts";
import { writeTypes } from "./write-types.ts";

interface Where {
  cwd: string;
  env: Record<string, string | undefined>;
}

const discover = (where: Where) => discoverModules({ ...where, embedded: EMBEDDED, builtins: builtins() });

/** `assay modules [--json]`. */
export function modulesOutput(options: Where & { json: boolean }): string {
  const mods = discover(options);
  return options.json ? modulesJson(mods) : modulesTable(mods);
}

/** `assay context <query> [--limit N]`. */
export function contextOutput(options: Where & { query: string; limit: number }): string {
  return contextDocument(search(discover(options), options.query, options.limit), cheatSheet(builtins()));
}

/** `assay types [dir]`: writes the files; returns what was done, for stdout. */
export function typesOutput(options: { cwd: string; dir?: string }): string {
  const r = writeTypes({ ...options, builtins: builtins(), embedded: EMBEDDED });
  const lines = [`wrote ${r.files.length} files to ${r.library}`];
  if (r.removed.length) lines.push(`removed ${r.removed.length} stale files: ${r.removed.join(", ")}`);
  if (r.luarc === "unchanged") lines.push(`.luarc.json already lists ${r.library}`);
  else lines.push(`${r.luarc} .luarc.json (workspace.library: ${r.library})`);
  return lines.join("\n") + "\n";
}

