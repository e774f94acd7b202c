/**
 * The binary and the commands around it (README "Set up"). The compiled binary is
 * self-contained: copied alone into an empty directory, away from the repository and its
 * node_modules, it still finds its wasm module and embedded stdlib. That copy is 100 MB, so
 * the next test checks that test scratch directories do not outlive their file. Then the
 * scripts: scripts/test.sh and .ci/run time their phases, and the README's run-from-source
 * commands work after `npm ci`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { assayCommand, ROOT, tempDir } from "./helpers.ts";

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

test("tempDir's directories are removed when their test file is done", () => {
  const scratch = tempDir("assay-tmpdir-");
  const fixture = join(ROOT, "tests", "fixtures", "tempdir-cleanup.ts");
  // The runner of this file (Deno) runs the fixture file with its temporary root in `scratch`.
  const r = spawnSync(process.env.DENO_BIN ?? process.execPath, ["test", "-A", "--no-check", fixture], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: scratch, NO_COLOR: "1" },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /1 passed/, r.stdout);
  assert.deepEqual(readdirSync(scratch), [], "the fixture's directories are gone");
});

/** Writes an executable shell script `name` into `dir` (created if needed). */
function stub(dir: string, name: string, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

/** A copy of the repository's `files` (paths relative to it) in a fresh directory. */
function copyOf(files: string[]): string {
  const dir = tempDir("assay-project-");
  for (const file of files) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

const BASH = spawnSync("bash", ["-c", 'printf %s "$BASH"'], { encoding: "utf8" }).stdout;
const SECONDS = String.raw`\d+\.\d s`;

test("scripts/test.sh prints the seconds each phase took", () => {
  const dir = copyOf(["scripts/test.sh"]);
  // Stand-ins for bun, tsc and deno: the phases run in no time and the tests "pass".
  stub(join(dir, "node_modules", ".bin"), "bun", "exit 0");
  stub(join(dir, "node_modules", ".bin"), "tsc", "exit 0");
  stub(join(dir, "bin"), "deno", '[ "$1" = test ] && echo "ok | 2 passed | 0 failed (1ms)"; exit 0');
  const r = spawnSync(BASH, [join(dir, "scripts", "test.sh")], {
    env: { ...process.env, DENO_BIN: join(dir, "bin", "deno") },
    encoding: "utf8",
  });
  const out = r.stdout;
  assert.equal(r.status, 0, out + r.stderr);
  for (const phase of ["embed stdlib", "type-check", "lint", "build", "tests (binary)", "tests (source under Deno: Lua tests and network)"]) {
    const name = phase.replace(/[()]/g, "\\$&");
    assert.match(out, new RegExp(`^== ${name}\n(.*\n)*== ${name}: ${SECONDS}$`, "m"), out);
  }
  assert.match(r.stdout, /^tests: 4 passed, 0 failed$/m);
});

test(".ci/run prints the seconds each phase took: apt install, npm ci, npm test", () => {
  const dir = copyOf([".ci/run", "scripts/test.sh"]);
  // A PATH of stand-ins only: root, apt-get present (noting its arguments), lua5.4, clang, wasm-ld, the test peers, the
  // database servers, Prometheus and podman missing, npm doing nothing.
  const bin = join(dir, "bin");
  const aptLog = join(dir, "apt-get.log");
  stub(bin, "id", "echo 0");
  stub(bin, "apt-get", `echo "$*" >>'${aptLog}'`);
  stub(bin, "npm", 'echo "npm $*"');
  symlinkSync(spawnSync(BASH, ["-c", "command -v dirname"], { encoding: "utf8" }).stdout.trim(), join(bin, "dirname"));
  // No PostgreSQL under an empty directory, whatever this machine has.
  const r = spawnSync(BASH, [join(dir, ".ci", "run")], { env: { PATH: bin, ASSAY_PG_LIB: join(dir, "no-postgresql") }, encoding: "utf8" });
  const out = r.stdout;
  assert.equal(r.status, 0, out + r.stderr);
  const packages = "lua5.4 clang lld openssl curl file python3 python3-yaml postgresql mariadb-server prometheus podman";
  assert.match(out, new RegExp(`^== apt install ${packages.replace(/\./g, "\\.")}: ${SECONDS}$`, "m"), out);
  // Recommends stay out: prometheus alone would pull node-exporter and dozens of packages more.
  assert.equal(readFileSync(aptLog, "utf8"), `update -qq\ninstall -y -qq --no-install-recommends ${packages}\n`);
  assert.match(out, new RegExp(`^npm ci --no-audit --no-fund\n== npm ci: ${SECONDS}$`, "m"), out);
  assert.match(out, new RegExp(`^npm test\n== npm test: ${SECONDS}$`, "m"), out);
});

test("the README's run-from-source commands work from any directory: npm run -s assay, deno task assay", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes("`npm run -s assay -- file.lua`") && readme.includes("deno task assay file.lua"));
  const dir = tempDir();
  writeFileSync(join(dir, "job.lua"), 'print(arg[0], ...) io.stderr:write("to stderr\\n") os.exit(3)');
  // From outside the repository, so the script's path must be taken from where the command runs.
  // INIT_CWD names that directory: npm and deno task set it, unless (deno) it is set already, as
  // it is under `npm test`; a shell user gets what is set here.
  const env = { ...process.env, INIT_CWD: dir };
  const viaNpm = spawnSync("npm", ["run", "-s", "--prefix", ROOT, "assay", "--", "job.lua", "a b"], { cwd: dir, env, encoding: "utf8" });
  assert.deepEqual([viaNpm.status, viaNpm.stdout, viaNpm.stderr], [3, "job.lua\ta b\n", "to stderr\n"]);
  const deno = process.env.DENO_BIN ?? process.execPath;
  const viaDeno = spawnSync(deno, ["task", "-q", "--config", join(ROOT, "deno.json"), "assay", "job.lua", "a b"], { cwd: dir, env, encoding: "utf8" });
  assert.deepEqual([viaDeno.status, viaDeno.stdout, viaDeno.stderr], [3, "job.lua\ta b\n", "to stderr\n"]);
});
