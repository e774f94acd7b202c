/**
 * `shell`, `process` and the `os` additions through the binary: which profiles and flags
 * install them, the denial texts, the host facts against the system's own tools, and that no
 * command outlives the run when it ends early (`--timeout`, SIGTERM, the main chunk returning
 * while a task still waits for a command). Behaviour inside Lua: tests/lua/shell_test.lua and
 * tests/lua/process_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assayCommand, endsWithin, runAssay, tempDir } from "./helpers.ts";

/** Runs Lua code as `t.lua` in a fresh directory with the given flags. */
function lua(flags: string[], code: string) {
  const dir = tempDir();
  writeFileSync(join(dir, "t.lua"), code);
  return runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
}

/** Runs code that must exit 0; returns stdout. */
function pass(flags: string[], code: string): string {
  const r = lua(flags, code);
  assert.equal(r.code, 0, `assay ${flags.join(" ")} exited ${r.code}\n--- code\n${code}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

/** The pids a command wrote to `file` (its shell's `$$` and its background child's `$!`). */
function pidsIn(file: string): number[] {
  return readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
}

/** A command that starts a background sleep, writes `$$ $!` to `file` once both run, then sleeps. */
const twoSleeps = (file: string) => `sleep 100 & echo $$ $! > ${file}.tmp; mv ${file}.tmp ${file}; sleep 100`;
/**
 * The same, but the shell exits at once: the background sleep, no longer below it, keeps the
 * output pipes open (so the call waits); only its process group still ties it to the command.
 */
const leftBehind = (file: string) => `sleep 100 & echo $$ $! > ${file}.tmp; mv ${file}.tmp ${file}`;

// ---- profiles and flags ------------------------------------------------------------------

test("shell: full has shell and process; restricted and pure have neither", () => {
  assert.equal(pass([], `print(type(shell.exec), type(process.list), type(process.kill), type(process.wait_idle))`), "function\tfunction\tfunction\tfunction\n");
  for (const profile of ["restricted", "pure"]) {
    assert.equal(pass([`--sandbox=${profile}`], `print(shell, process)`), "nil\tnil\n", profile);
  }
});

test("shell: --allow-run installs shell.exec in restricted; the policy judges the command line as given", () => {
  const flags = ["--sandbox", "restricted", "--allow-run=echo"];
  assert.equal(pass(flags, `io.write(shell.exec("echo hi").stdout)`), "hi\n");
  const out = pass(flags, `
print(select(2, pcall(shell.exec, "echo hi; id")))
print(select(2, pcall(shell.exec, "id")))
print(select(2, pcall(process.kill, 1, 0)))
print(process.list)`);
  assert.equal(
    out,
    `shell.exec: run access to "echo hi; id" denied by sandbox profile "restricted" (grant with --allow-run=sh)
shell.exec: run access to "id" denied by sandbox profile "restricted" (grant with --allow-run=id)
process.kill: run access to "kill" denied by sandbox profile "restricted" (grant with --allow-run=kill)
nil
`,
  );
  // A denied command never ran: the file it would create does not exist.
  const dir = tempDir();
  const marker = join(dir, "ran");
  const r = lua(flags, `print(select(2, pcall(shell.exec, "echo x > ${marker}")))`);
  assert.match(r.stdout, /denied by sandbox profile "restricted" \(grant with --allow-run=sh\)/);
  assert.throws(() => readFileSync(marker), /ENOENT/);
});

test("shell: --deny-run and --deny-read reach shell.exec and process in full", () => {
  const out = pass(["--deny-run=id,kill", "--deny-read=/proc"], `
print(select(2, pcall(shell.exec, "true; id")))
print(select(2, pcall(process.kill, 1, 0)))
print(select(2, pcall(process.list)))
print(select(2, pcall(process.is_running, "init")))
print(select(2, pcall(process.wait_idle, "init", 0)))`);
  assert.equal(
    out,
    `shell.exec: run access to "true; id" denied by --deny-run=id
process.kill: run access to "kill" denied by --deny-run=kill
process.list: read access to "/proc" denied by --deny-read=/proc
process.is_running: read access to "/proc" denied by --deny-read=/proc
process.wait_idle: read access to "/proc" denied by --deny-read=/proc
`,
  );
});

test("os: hostname, arch and platform next to the standard functions; pure has arch and platform only", () => {
  const show = `print(type(os.time), type(os.date), type(os.hostname), type(os.arch), type(os.platform))`;
  assert.equal(pass([], show), "function\tfunction\tfunction\tfunction\tfunction\n");
  assert.equal(pass(["--sandbox=restricted"], show), "function\tfunction\tfunction\tfunction\tfunction\n");
  assert.equal(pass(["--sandbox=pure"], show), "function\tfunction\tnil\tfunction\tfunction\n");
});

test("os: the values the system's own tools give (hostname, uname)", () => {
  const tool = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).stdout.trim();
  const [hostname, arch, platform] = pass([], `print(os.hostname()) print(os.arch()) print(os.platform())`).trim().split("\n");
  assert.equal(hostname, tool("hostname"));
  // uname's machine names as Rust names the architecture (armv7l and the like are "arm").
  const machine = tool("uname", "-m").replace(/^arm64$/, "aarch64").replace(/^armv.*$/, "arm").replace(/^i[3-6]86$/, "x86");
  assert.equal(arch, machine);
  assert.equal(platform, { Linux: "linux", Darwin: "macos" }[tool("uname", "-s")]);
});

// ---- nothing is left behind ----------------------------------------------------------------

/** Waits (blocking, up to 10 s) until `file` holds both pids. */
function awaitPids(file: string): number[] {
  for (let i = 0; i < 200; i++) {
    try {
      return pidsIn(file);
    } catch {
      spawnSync("sleep", ["0.05"]);
    }
  }
  throw new Error(`${file} never appeared`);
}

for (const [what, command] of [["its background child", twoSleeps], ["the child its shell left behind", leftBehind]] as const) {
  test(`shell: --timeout ends the run's command and ${what}`, () => {
    const dir = tempDir();
    const file = join(dir, "pids");
    const r = lua(["--timeout=1"], `shell.exec("${command(file)}")`);
    assert.equal(r.code, 124, r.stderr);
    for (const pid of pidsIn(file)) assert.ok(endsWithin(pid, 2000), `process ${pid} outlived the run`);
  });

  test(`shell: a task still waiting for a command when the main chunk returns: the command and ${what} end with the run`, () => {
    const dir = tempDir();
    const file = join(dir, "pids");
    const r = lua([], `async.spawn(function() shell.exec("${command(file)}") end)
while not io.open("${file}") do sleep(0.02) end`);
    assert.equal(r.code, 0, r.stderr);
    for (const pid of pidsIn(file)) assert.ok(endsWithin(pid, 2000), `process ${pid} outlived the run`);
  });
}

test("shell: SIGTERM to the runtime ends the command it waits for, background child included", async () => {
  const dir = tempDir();
  const file = join(dir, "pids");
  writeFileSync(join(dir, "t.lua"), `io.write("buffered") shell.exec("${twoSleeps(file)}")`);
  const [cmd, ...lead] = assayCommand();
  const child = spawn(cmd, [...lead, "t.lua"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
  let stdout = "";
  child.stdout!.on("data", (d) => (stdout += d));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const pids = awaitPids(file);
  child.kill("SIGTERM");
  await exited;
  // Flushed: the runtime's handler ended the run (Deno reports any child it killed as killed by
  // the signal, so the exit code cannot tell).
  assert.equal(stdout, "buffered");
  for (const pid of pids) assert.ok(endsWithin(pid, 2000), `process ${pid} outlived the run`);
});
