/**
 * `assay context <query>` through the binary (cli.md §6): the Markdown document's shape, the
 * BM25 search over LDoc metadata and builtin declarations (every token must occur; a module's
 * own short name ranks it first), `--limit`, the no-match text, the cheat-sheet generated from
 * the declarations, and a missing query as a usage error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "../builtins/index.ts";
import { builtins } from "../loader/plugin.ts";
import { cheatSheet } from "../loader/docs/builtin-docs.ts";
import { runAssay, tempDir } from "./helpers.ts";

/** A project whose ./modules hold the given files. */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  mkdirSync(join(dir, "modules"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "modules", name), text);
  return dir;
}

const FIXTURE = {
  "grafana.lua": `--- @module assay.grafana
--- @description Grafana HTTP API client: dashboards, folders, annotations.
--- @keywords dashboards, annotations
--- @env GRAFANA_URL, GRAFANA_TOKEN
--- @quickref c.dashboards:get(uid) -> dashboard | Fetch a dashboard by UID
--- @quickref c:health() -> {database} | Check Grafana health
local M = {}
function M.client(url) end
return M
`,
  // Both mention grafana far more than the grafana module does: the name must still win.
  "loki.lua": `--- @description Loki logs, the Grafana log store: grafana grafana grafana.
--- @keywords grafana, logs, grafana-loki, grafana-labs
return {}
`,
  "prometheus.lua": `--- @description Prometheus queries, also shown in Grafana.
--- @keywords grafana, metrics, promql, prometheus
return {}
`,
};

function context(cwd: string, ...args: string[]) {
  return runAssay(["context", ...args], { cwd, env: { HOME: tempDir(), ASSAY_MODULES_PATH: undefined, ASSAY_LIB_PATH: undefined } });
}

/** The `### name` headings, in order. */
const matches = (stdout: string) => [...stdout.matchAll(/^### (.+)$/gm)].map((m) => m[1]);

test("the document: matching modules with description, Env and Methods, then the builtin cheat-sheet", () => {
  const r = context(project(FIXTURE), "grafana");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.ok(r.stdout.startsWith(`# Assay Module Context

## Matching Modules

### assay.grafana
Grafana HTTP API client: dashboards, folders, annotations.
Env: GRAFANA_URL, GRAFANA_TOKEN
Methods:
  c.dashboards:get(uid) -> dashboard | Fetch a dashboard by UID
  c:health() -> {database} | Check Grafana health

### `), r.stdout);
  const sheet = r.stdout.split("\n## Built-in Functions (always available, no require needed)\n")[1];
  assert.equal(sheet, cheatSheet(builtins()).join("\n") + "\n", "every builtin signature, from the declarations");
  for (const line of ["http.get(url, opts?) -> resp", "shell.exec(cmd, opts?) -> {status, stdout, stderr, timed_out}", "os.hostname() -> string", "sleep(seconds)"]) {
    assert.ok(sheet.split("\n").includes(line), line);
  }
});

test("a module's own short name ranks it first, however often others mention it", () => {
  const cwd = project(FIXTURE);
  assert.deepEqual(matches(context(cwd, "grafana").stdout), ["assay.grafana", "assay.loki", "assay.prometheus"]);
  assert.equal(matches(context(cwd, "prometheus").stdout)[0], "assay.prometheus");
  assert.equal(matches(context(cwd, "Loki").stdout)[0], "assay.loki");
  // The same for the builtins and the embedded stdlib.
  for (const name of ["http", "shell", "fs", "json", "os", "assert", "inspect"]) {
    const first = matches(context(cwd, name).stdout)[0];
    assert.ok(first === name || first === `assay.${name}`, `${name}: ${first}`);
  }
});

test("every token must occur; keywords, descriptions and function names are all searched", () => {
  const cwd = project(FIXTURE);
  assert.deepEqual(matches(context(cwd, "grafana", "metrics").stdout), ["assay.prometheus"]);
  assert.deepEqual(matches(context(cwd, "grafana logs").stdout), ["assay.loki"]);
  assert.deepEqual(matches(context(cwd, "client", "annotations").stdout), ["assay.grafana"], "a function name and a keyword");
  assert.equal(matches(context(cwd, "jwt").stdout)[0], "crypto", "a builtin's keyword");
  assert.equal(matches(context(cwd, "hostname").stdout)[0], "os", "a builtin's function name");
  const http = context(cwd, "http", "-l", "1").stdout;
  assert.match(http, /^### http\nHTTP client and server\nMethods:\n {2}http\.get\(url, opts\?\) -> resp \| GET a URL/m);
  assert.match(http, /^Example: local r = http\.get\(/m);
});

test("--limit caps the matches; nothing matching prints the no-match line, still exit 0", () => {
  const cwd = project(FIXTURE);
  assert.equal(matches(context(cwd, "grafana", "--limit", "2").stdout).length, 2);
  assert.equal(matches(context(cwd, "grafana", "-l", "1").stdout).length, 1);
  assert.equal(matches(context(cwd, "--limit=1", "grafana").stdout).length, 1);
  const none = context(cwd, "nosuchthing");
  assert.equal(none.code, 0);
  assert.ok(none.stdout.startsWith("# Assay Module Context\n\nNo matching modules found.\n\n## Built-in Functions (always available, no require needed)\n"));
  assert.ok(context(cwd, "--", "...").stdout.includes("No matching modules found."), "a query without tokens matches nothing");
});

test("context without a query, or with a bad limit, is a usage error (exit 2)", () => {
  const cwd = project({});
  for (const [args, message] of [[[], /context requires a query/], [["-l", "x", "q"], /invalid -l value/], [["-l", "3"], /context requires a query/]] as const) {
    const r = context(cwd, ...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "");
  }
});
