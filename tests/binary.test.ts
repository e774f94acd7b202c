/**
 * The compiled binary is self-contained: copied alone into an empty directory, away from the
 * repository and its node_modules, it still finds its wasm module and embedded stdlib.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { assayCommand, tempDir } from "./helpers.ts";

const fromSource = process.env.ASSAY_FROM_SOURCE === "deno";

test("the binary runs from an empty directory with nothing beside it", { skip: fromSource }, () => {
  const dir = tempDir("assay-empty-");
  const bin = join(dir, "assay");
  copyFileSync(assayCommand()[0], bin);
  writeFileSync(join(dir, "job.lua"), [
    'local inspect = require("assay.inspect")',
    'print(inspect({ b = 1, a = { 2.0 } }))',
    'print(json.encode({ n = math.maxinteger, f = 10 / 2 }))',
    'print(base64.encode("\\0\\255"), select("#", ...), ...)',
  ].join("\n"));
  const r = spawnSync(bin, ["job.lua", "x", "y"], {
    cwd: dir,
    env: { PATH: "/usr/bin:/bin", HOME: dir },
    encoding: "utf8",
  });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '{ a = { 2.0 }, b = 1 }\n{"f":5.0,"n":9223372036854775807}\nAP8=\t2\tx\ty\n');
});
