/**
 * Runs every Lua test file under tests/lua/ with assay. A file passes when it exits 0; each
 * file uses `assert` and prints nothing it is not asked to. Files may read the `ASSAY_TEST_TMP`
 * directory for scratch space. Under `ASSAY_FROM_SOURCE=deno` only the smoke subset listed in
 * tests/lua/SMOKE runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runAssay, tempDir } from "./helpers.ts";

const dir = join(ROOT, "tests", "lua");
const smoke = readFileSync(join(dir, "SMOKE"), "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
const files = readdirSync(dir).filter((f) => f.endsWith(".lua")).sort()
  .filter((f) => process.env.ASSAY_FROM_SOURCE !== "deno" || smoke.includes(f));

for (const file of files) {
  test(`lua: ${file}`, () => {
    const tmp = tempDir();
    const r = runAssay([join("tests", "lua", file)], { env: { ASSAY_TEST_TMP: tmp }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${file} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  });
}
