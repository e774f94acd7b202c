/**
 * Differential tests: each Lua file here is run by `lua5.4` and by assay with the same
 * stdin (`<name>.stdin` when present), environment and a scratch directory, and both must
 * print the same bytes on stdout and exit with the same code. A first line
 * `--@ NAME=v1 v2 ...` runs the file once per value of that environment variable.
 * Needs `lua5.4` on PATH (.ci/run installs it); without it every test here fails saying so,
 * since a skipped differential test would let the suite pass without comparing anything.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runAssay, tempDir } from "../helpers.ts";

const dir = join(ROOT, "tests", "conformance");
const hasLua = spawnSync("lua5.4", ["-v"]).status === 0;
const NO_LUA = "lua5.4 is not on PATH: install it (apt-get install lua5.4, or run .ci/run) to run the conformance tests";

interface Outcome {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function variants(source: string): Record<string, string>[] {
  const m = /^--@ (\w+)=(.*)$/m.exec(source.split("\n")[0]);
  if (!m) return [{}];
  return m[2].trim().split(/\s+/).map((v) => ({ [m[1]]: v }));
}

/** Replaces the scratch directory's path so outputs of the two runs compare. */
function normalise(out: Buffer, scratch: string): Buffer {
  return Buffer.from(out.toString("latin1").replaceAll(scratch, "<tmp>"), "latin1");
}

function runBoth(file: string, extra: Record<string, string>): [Outcome, Outcome] {
  const script = join(dir, file);
  const stdinFile = script.replace(/\.lua$/, ".stdin");
  const input = existsSync(stdinFile) ? readFileSync(stdinFile) : Buffer.alloc(0);
  const run = (runner: (env: Record<string, string>, cwd: string) => Outcome): Outcome => {
    const scratch = tempDir("assay-conformance-");
    try {
      const env = { LC_ALL: "C", LANG: "C", TZ: "UTC", CONFORMANCE_VALUE: "v", CONFORMANCE_TMP: scratch, ...extra };
      const r = runner(env, scratch);
      return { ...r, stdout: normalise(r.stdout, scratch) };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };
  const lua = run((env, cwd) => {
    const r = spawnSync("lua5.4", [script], { cwd, env: { ...process.env, ...env }, input, timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
  });
  const ours = run((env, cwd) => {
    const r = runAssay([script], { cwd, env, input });
    return { code: r.code, stdout: r.stdoutBytes, stderr: r.stderr };
  });
  return [lua, ours];
}

const files = readdirSync(dir).filter((f) => f.endsWith(".lua")).sort();
for (const file of files) {
  for (const extra of variants(readFileSync(join(dir, file), "utf8"))) {
    const label = Object.entries(extra).map(([k, v]) => ` ${k}=${v}`).join("");
    test(`conformance: ${file}${label}`, () => {
      assert.ok(hasLua, NO_LUA);
      const [lua, ours] = runBoth(file, extra);
      assert.equal(
        ours.stdout.toString("latin1"),
        lua.stdout.toString("latin1"),
        `stdout differs from lua5.4\nassay stderr:\n${ours.stderr}`,
      );
      assert.equal(ours.code, lua.code, `exit code differs\nassay stderr:\n${ours.stderr}\nlua5.4 stderr:\n${lua.stderr}`);
    });
  }
}

test("without lua5.4 on PATH the conformance tests fail, saying to install it", () => {
  const emptyPath = tempDir("assay-no-lua-");
  // One conformance test (the filter keeps this one from running again), with a PATH that has no lua5.4.
  const args = ["test", "-A", "--no-check", "--filter", `conformance: ${files[0]}`, join(dir, "conformance.test.ts")];
  const r = spawnSync(process.env.DENO_BIN ?? process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PATH: emptyPath, NO_COLOR: "1" },
    encoding: "utf8",
  });
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout, /0 passed \| [1-9]\d* failed/, r.stdout);
  assert.ok(r.stdout.includes(NO_LUA), r.stdout);
});
