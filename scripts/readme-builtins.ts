/**
 * Rewrites README.md's table of builtins from the declarations (loader/docs/readme-table.ts).
 * Run after changing a builtin's declaration; tests/cli.test.ts fails while the README's
 * table differs from what this writes.
 *
 * @example
 * ```sh
 * node_modules/.bin/bun scripts/readme-builtins.ts
 * ```
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "../builtins/index.ts";
import { builtins } from "../loader/plugin.ts";
import { builtinsTable, withTable } from "../loader/docs/readme-table.ts";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const path = join(root, "README.md");
const before = readFileSync(path, "utf8");
const after = withTable(before, builtinsTable(builtins()));
if (after !== before) writeFileSync(path, after);
console.log(after === before ? "README.md: builtins table already up to date" : "README.md: builtins table rewritten");
