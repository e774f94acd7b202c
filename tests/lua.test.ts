/**
 * The Lua tests under tests/lua/ (`<area>_test.lua`, one file per area) run by `assay test`
 * itself, through the binary: one `assay test tests/lua` run (each file in a fresh VM, 120 s
 * each at most), its TAP report read back, and one test here per file, which passes when every
 * result the report has for that file passed. The run's exit code must agree, and `assay test`
 * must have found exactly the files listed here, so discovery is checked on a real tree.
 *
 * A file passes when its chunk and every test it registers run to the end without an error; an
 * `os.exit` anywhere fails it (`assay test` reports the rest of the file as not run). That is
 * what the old `ok: <file>` completion marker guarded against, so the files no longer print
 * one. Files may use the `ASSAY_TEST_TMP` directory made for the run; `lib.testlib`'s
 * `scratch()` gives each file its own directory under it. Under `ASSAY_FROM_SOURCE=deno` the
 * same files run from source (scripts/test.sh's Deno phase), so `deno task assay` is held to
 * the same tests as the binary.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, type RunResult, runAssay, tempDir } from "./helpers.ts";

const dir = join(ROOT, "tests", "lua");
const files = readdirSync(dir).filter((f) => f.endsWith("_test.lua")).sort();
const paths = files.map((f) => `tests/lua/${f}`);

interface Point {
  name: string;
  ok: boolean;
  message?: string;
}

/** The test points of a TAP report with their YAML `message:` (a JSON string). */
function parseTap(tap: string): Point[] {
  const points: Point[] = [];
  for (const line of tap.split("\n")) {
    const m = /^(ok|not ok) \d+ - (.*)$/.exec(line);
    if (m) points.push({ name: m[2].replace(/\\([\\#])/g, "$1"), ok: m[1] === "ok" });
    const msg = /^ {2}message: (".*")$/.exec(line);
    if (msg && points.length) points[points.length - 1].message = JSON.parse(msg[1]);
  }
  return points;
}

let run: { result: RunResult; points: Point[] } | undefined;

/** The one run, made by whichever test needs it first. */
function suite() {
  if (!run) {
    const result = runAssay(["--timeout", "120", "test", "--format", "tap", "tests/lua"], {
      env: { ASSAY_TEST_TMP: tempDir(), NO_COLOR: "1" },
      timeoutMs: 20 * 60_000,
    });
    run = { result, points: parseTap(result.stdout) };
  }
  return run;
}

for (const [i, file] of files.entries()) {
  test(`lua: ${file}`, () => {
    const { result, points } = suite();
    const mine = points.filter((p) => p.name === paths[i] || p.name.startsWith(`${paths[i]} > `));
    assert.ok(mine.length > 0, `no result for ${paths[i]}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    const failed = mine.filter((p) => !p.ok).map((p) => `${p.name}: ${p.message}`);
    assert.deepEqual(failed, [], `${file} failed\nstderr:\n${result.stderr}`);
  });
}

test("assay test tests/lua found exactly the test files, and its exit code agrees with the results", () => {
  const { result, points } = suite();
  const reported = [...new Set(points.map((p) => p.name.split(" > ")[0]))].sort();
  assert.deepEqual(reported, paths);
  assert.equal(result.code, points.every((p) => p.ok) ? 0 : 1, result.stderr);
});
