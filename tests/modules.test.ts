/**
 * `assay modules` through the binary (cli.md §5, module-loading.md §5, spec README item 15):
 * the exact column format, every source with its label, first occurrence winning in the order
 * project, lib, global, builtin, only top-level `*.lua` files (and `x/init.lua`), byte-order sorting, the
 * native builtins from their declarations, and `--json`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import "../builtins/index.ts";
import { builtins } from "../loader/plugin.ts";
import { runAssay, tempDir } from "./helpers.ts";

/** Writes files (paths relative to a new temp dir); returns the dir. */
function tree(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const header = (description: string) => `--- @module x\n--- @description ${description}\nreturn {}\n`;

function modules(cwd: string, env: Record<string, string | undefined> = {}, args: string[] = []) {
  const home = tempDir(); // no ~/.assay/modules unless a test makes one
  return runAssay(["modules", ...args], { cwd, env: { HOME: home, ASSAY_MODULES_PATH: undefined, ASSAY_LIB_PATH: undefined, ...env } });
}

test("the table: header padded to 30 and 10 columns, 80 dashes, one line per module", () => {
  const r = modules(tree({}));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "MODULE                         SOURCE     DESCRIPTION");
  assert.equal(lines[1], "-".repeat(80));
  assert.equal(lines.at(-1), "", "ends with a newline");
  for (const line of lines.slice(2, -1)) assert.match(line, /^\S.{29} \S.{9} /, line);
  const http = lines.find((l) => l.startsWith("http "))!;
  assert.equal(http, `${"http".padEnd(30)} ${"builtin".padEnd(10)} HTTP client and server`);
});

test("every native builtin is listed with its declared description, and the embedded stdlib's top level", () => {
  const r = modules(tree({}));
  const listed = new Map(r.stdout.split("\n").slice(2, -1).map((l) => [l.slice(0, 30).trim(), [l.slice(31, 41).trim(), l.slice(42)]]));
  for (const b of builtins()) assert.deepEqual(listed.get(b.name), ["builtin", b.description], b.name);
  for (const name of ["shell", "process", "disk", "os", "markdown", "sleep", "time"]) assert.ok(listed.has(name), name);
  assert.equal(listed.get("assay.inspect")?.[0], "builtin");
  assert.match(listed.get("assay.inspect")![1], /^Readable dump of any Lua value/);
});

test("sources in search order project, lib, global, builtin; the first occurrence of a name wins", () => {
  const project = tree({
    "modules/alpha.lua": header("alpha from the project"),
    "modules/inspect.lua": header("my own inspect"),
    "modules/notes.txt": "not a module",
    "modules/nested/deep.lua": header("nested files are not listed"),
    "modules/pkg/init.lua": header("a package, as require loads it"),
  });
  const lib1 = tree({ "alpha.lua": header("alpha from lib1"), "beta.lua": header("beta from lib1") });
  const lib2 = tree({ "beta.lua": header("beta from lib2"), "gamma.lua": header("gamma from lib2") });
  const global = tree({ "gamma.lua": header("gamma from global"), "delta.lua": "-- no header at all\nreturn {}\n" });
  const r = modules(project, { ASSAY_LIB_PATH: `${lib1}:${lib2}/`, ASSAY_MODULES_PATH: global });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split("\n").slice(2, -1).filter((l) => l.startsWith("assay."));
  assert.deepEqual(rows, [
    `${"assay.alpha".padEnd(30)} ${"project".padEnd(10)} alpha from the project`,
    `${"assay.beta".padEnd(30)} ${"lib".padEnd(10)} beta from lib1`,
    `${"assay.delta".padEnd(30)} ${"global".padEnd(10)} `,
    `${"assay.gamma".padEnd(30)} ${"lib".padEnd(10)} gamma from lib2`,
    `${"assay.inspect".padEnd(30)} ${"project".padEnd(10)} my own inspect`,
    `${"assay.pkg".padEnd(30)} ${"project".padEnd(10)} a package, as require loads it`,
  ]);
});

test("the global directory defaults to ~/.assay/modules; missing directories are skipped silently", () => {
  const home = tree({ ".assay/modules/homemod.lua": header("from home") });
  const r = runAssay(["modules"], { cwd: tree({}), env: { HOME: home, ASSAY_MODULES_PATH: undefined, ASSAY_LIB_PATH: "/nonexistent/dir" } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^assay\.homemod {18}global {5}from home$/m);
  // ASSAY_MODULES_PATH replaces it.
  const other = tree({ "elsewhere.lua": header("from the variable") });
  const r2 = runAssay(["modules"], { cwd: tree({}), env: { HOME: home, ASSAY_MODULES_PATH: other } });
  assert.doesNotMatch(r2.stdout, /homemod/);
  assert.match(r2.stdout, /^assay\.elsewhere {16}global {5}from the variable$/m);
});

test("names sort in plain byte order; a long name pushes its columns rather than being cut", () => {
  const long = "a_module_name_longer_than_thirty";
  const project = tree({ "modules/Zeta.lua": header("upper case first"), [`modules/${long}.lua`]: header("long") });
  symlinkSync(join(project, "modules", "Zeta.lua"), join(project, "modules", "linked.lua"));
  const r = modules(project);
  const rows = r.stdout.split("\n").slice(2, -1);
  const names = rows.map((l) => l.split(" ")[0]);
  assert.deepEqual(names, [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  assert.ok(names.indexOf("assay.Zeta") < names.indexOf("assay.a_module_name_longer_than_thirty"));
  assert.ok(rows.includes(`assay.${long} project    long`), "no padding left, one space, never truncated");
  assert.ok(rows.includes(`${"assay.linked".padEnd(30)} project    upper case first`), "a symlink to a file counts");
});

test("--json: the same modules with source, description, keywords and the file", () => {
  const project = tree({ "modules/alpha.lua": "--- @description Alpha.\n--- @keywords one, two\nreturn {}\n" });
  const r = modules(project, {}, ["--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; source: string; description: string; keywords: string[]; path?: string }[];
  assert.deepEqual(rows.find((m) => m.name === "assay.alpha"), {
    name: "assay.alpha",
    source: "project",
    description: "Alpha.",
    keywords: ["one", "two"],
    path: "./modules/alpha.lua",
  });
  const http = rows.find((m) => m.name === "http")!;
  assert.equal(http.source, "builtin");
  assert.ok(http.keywords.includes("websocket"));
  assert.equal(http.path, undefined);
  const table = modules(project).stdout.split("\n").slice(2, -1).map((l) => l.split(" ")[0]);
  assert.deepEqual(rows.map((m) => m.name), table, "the same modules in the same order as the table");
});

test("modules takes no other arguments", () => {
  const r = modules(tree({}), {}, ["extra"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unexpected argument "extra" for modules/);
});
