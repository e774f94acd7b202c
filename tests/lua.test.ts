/**
 * Runs every Lua test file under tests/lua/ with assay. A file passes when it exits 0 and its
 * last line on stdout is its completion marker `ok: <file name>`, printed once: exit code 0
 * alone would also pass a file that stopped half way (a stray `os.exit(0)`, a top-level
 * `return`). Files use `assert` and print nothing else they are not asked to. They may use
 * the `ASSAY_TEST_TMP` directory for scratch space. Under `ASSAY_FROM_SOURCE=deno` only the
 * smoke subset listed in tests/lua/SMOKE runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, type RunResult, runAssay, tempDir } from "./helpers.ts";

const dir = join(ROOT, "tests", "lua");
const smoke = readFileSync(join(dir, "SMOKE"), "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
const fromSource = process.env.ASSAY_FROM_SOURCE === "deno";
const files = readdirSync(dir).filter((f) => f.endsWith(".lua")).sort()
  .filter((f) => !fromSource || smoke.includes(f));

/** Runs one Lua test file (a path relative to the repository) with a fresh scratch directory. */
function runLuaTest(path: string): RunResult {
  return runAssay([path], { env: { ASSAY_TEST_TMP: tempDir() }, timeoutMs: 120_000 });
}

/** Why a run of the file named `name` did not pass, or undefined when it did. */
function failure(name: string, r: RunResult): string | undefined {
  if (r.code !== 0) return `exited ${r.code}`;
  const marker = `ok: ${name}`;
  const lines = r.stdout.split("\n");
  if (lines.pop() !== "" || lines.at(-1) !== marker) return `stdout does not end with its completion marker "${marker}"`;
  if (lines.filter((l) => l === marker).length !== 1) return `printed "${marker}" more than once`;
  return undefined;
}

for (const file of files) {
  test(`lua: ${file}`, () => {
    const r = runLuaTest(join("tests", "lua", file));
    const why = failure(file, r);
    assert.equal(why, undefined, `${file} ${why}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  });
}

// The rule is the runner's, not the runtime's: checking it once, through the binary, is enough.
test("the runner passes a file only when its completion marker is the last line, printed once", { skip: fromSource }, () => {
  const verdict = (name: string) => failure(name, runLuaTest(join("tests", "fixtures", "lua-runner", name)));
  assert.equal(verdict("complete.lua"), undefined);
  assert.equal(verdict("early_exit.lua"), 'stdout does not end with its completion marker "ok: early_exit.lua"');
  assert.equal(verdict("marker_twice.lua"), 'printed "ok: marker_twice.lua" more than once');
});
