/**
 * Lua's standard library through the binary, where the process matters: exit paths and
 * flushing (os.exit, errors, signals, a closed pipe), and the sandbox profiles' rules for
 * io/os/load* (README items 9 and 15). Behaviour that must equal lua5.4's is covered by
 * tests/conformance; per-function results by tests/lua/io_*_test.lua, os_*_test.lua, load_*_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { constants as osConstants } from "node:os";
import { assayCommand, runAssay, tempDir } from "./helpers.ts";

function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Runs `source` as t.lua in a scratch directory (its path is in $DIR) with the given flags. */
function lua(source: string, flags: string[] = [], options: { input?: string; env?: Record<string, string> } = {}) {
  const dir = project({ "t.lua": source, "data.txt": "data\n" });
  const r = runAssay([...flags, "t.lua"], { cwd: dir, env: { RUST_LOG: undefined, DIR: dir, ...options.env }, input: options.input });
  return { ...r, dir };
}

/** Prints what each expression gives under pcall, one line each. */
const probe = (...exprs: string[]) =>
  exprs.map((e) => `print((select(2, pcall(function() return ${e} end))))`).join("\n");

// ---- exit paths ---------------------------------------------------------------------------

test("os.exit(n) flushes buffered output first, including a last line without newline", () => {
  const r = lua(`io.write("a\\n") io.stdout:setvbuf("full") io.write("b") os.exit(7)`);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, "a\nb");
});

test("os.exit(true|false), os.exit() and codes modulo 256", () => {
  assert.equal(lua(`io.write("x") os.exit(true)`).code, 0);
  const f = lua(`io.write("x") os.exit(false)`);
  assert.equal(f.code, 1);
  assert.equal(f.stdout, "x");
  assert.equal(lua(`os.exit()`).code, 0);
  assert.equal(lua(`os.exit(256 + 9)`).code, 9);
});

test("os.exit(code, true) closes the state: finalizers run and open files are flushed", () => {
  const r = lua(`setmetatable({}, { __gc = function() io.write("gc ran\\n") end })
local f = io.open(os.getenv("DIR") .. "/out.txt", "w") f:write("file data")
os.exit(3, true)`);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, "gc ran\n");
  assert.equal(readFileSync(join(r.dir, "out.txt"), "utf8"), "file data");
});

test("a normal end and an uncaught error both flush io.write output", () => {
  const ok = lua(`io.write("no newline")`);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, "no newline");
  const bad = lua(`io.write("before the error") error("boom")`);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "before the error");
  assert.match(bad.stderr, /ERROR t\.lua:1: boom/);
});

test("open files written but never closed are flushed at exit", () => {
  const r = lua(`local f = io.open(os.getenv("DIR") .. "/kept.txt", "w") f:write("kept") KEEP = f`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(r.dir, "kept.txt"), "utf8"), "kept");
});

test("a write-mode popen left open runs its command at exit", () => {
  const r = lua(`P = io.popen("cat", "w") P:write("to the child at exit\\n") print("script done")`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "script done\nto the child at exit\n");
});

test("NUL and 0xFF bytes pass through print and io.write byte-exact", () => {
  const r = lua(`print("a\\0b\\255") io.write("\\0\\255\\192")`);
  assert.deepEqual([...r.stdoutBytes], [0x61, 0, 0x62, 0xff, 0x0a, 0, 0xff, 0xc0]);
});

test("stdin from a pipe: lines, numbers, the rest, EOF", () => {
  const r = lua(`print(io.read("l")) print(io.read("n", "n")) for l in io.lines() do io.write("[", l, "]") end print(io.read("a"), io.read("l"))`, [], {
    input: "first\n12 0x1p4\nx\n\ny",
  });
  assert.equal(r.stdout, "first\n12\t16.0\n[][x][][y]\tnil\n");
});

/** Starts assay on a script; resolves when `ready` appears on stderr. */
function startAssay(source: string): Promise<{ child: ReturnType<typeof spawn>; out: () => string; exited: Promise<number | null> }> {
  const dir = project({ "t.lua": source });
  const [cmd, ...lead] = assayCommand();
  const child = spawn(cmd, [...lead, "t.lua"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  // Deno reports a child it killed as killed by the signal even when the child exited by
  // itself with a code; 128+signo is what a shell shows either way. The flushed output is
  // what tells a handled signal from the default action.
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (c, s) => resolve(c ?? (s ? 128 + (osConstants.signals as Record<string, number>)[s] : null)))
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never ready; stderr: ${stderr}`)), 20_000);
    child.stderr!.on("data", (d) => {
      stderr += d;
      if (stderr.includes("ready")) {
        clearTimeout(timer);
        resolve({ child, out: () => stdout, exited });
      }
    });
  });
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  test(`${signal} while waiting flushes buffered output and exits ${code}`, async () => {
    const run = await startAssay(`io.write("buffered") io.stderr:write("ready\\n") sleep(20)`);
    // Until the script reaches sleep() it computes, and the signal keeps its default action.
    await new Promise((r) => setTimeout(r, 150));
    run.child.kill(signal);
    assert.equal(await run.exited, code);
    assert.equal(run.out(), "buffered");
  });
}

test("SIGTERM and SIGINT stop a Lua loop that never yields, as they stop lua5.4", async () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    const run = await startAssay(`io.stderr:write("ready\\n") local n = 0 while true do n = n + 1 end`);
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill(signal);
    const timer = setTimeout(() => run.child.kill("SIGKILL"), 5_000);
    assert.equal(await run.exited, code, `${signal} left a busy loop running`);
    clearTimeout(timer);
  }
});

test("SIGINT while os.execute runs a child goes to the child only, as with system(3)", async () => {
  const run = await startAssay(`io.stderr:write("ready\\n") print(os.execute("sleep 1")) print("after")`);
  await new Promise((r) => setTimeout(r, 200));
  run.child.kill("SIGINT");
  await run.exited;
  assert.equal(run.out(), "true\texit\t0\nafter\n");
});

test("writing to a closed pipe ends the process (141) as SIGPIPE ends lua5.4", async () => {
  const run = await startAssay(`io.stderr:write("ready\\n") while true do print("y") end`);
  run.child.stdout!.destroy();
  assert.equal(await run.exited, 141);
});

// ---- profiles -----------------------------------------------------------------------------

test("restricted: io/os/load* calls that reach the host raise the denial with its flag", () => {
  const r = lua(
    probe(
      `io.open("data.txt")`,
      `io.open("new.txt", "w")`,
      `io.open("data.txt", "r+")`,
      `io.lines("data.txt")`,
      `io.input("data.txt")`,
      `io.output("out.txt")`,
      `io.tmpfile()`,
      `io.popen("ls")`,
      `os.execute("echo hi")`,
      `os.remove("data.txt")`,
      `os.rename("data.txt", "b.txt")`,
      `os.tmpname()`,
      `dofile("data.txt")`,
      `loadfile("data.txt")`,
    ),
    ["--sandbox", "restricted"],
  );
  assert.equal(r.code, 0, r.stderr);
  const denied = (line: number, fn: string, cap: string, target: string, grant = target) =>
    `t.lua:${line}: ${fn}: ${cap} access to ${JSON.stringify(target)} denied by sandbox profile "restricted" (grant with --allow-${cap}=${grant})`;
  assert.deepEqual(r.stdout.trimEnd().split("\n"), [
    denied(1, "io.open", "read", "data.txt"),
    denied(2, "io.open", "write", "new.txt"),
    denied(3, "io.open", "read", "data.txt"),
    denied(4, "io.lines", "read", "data.txt"),
    denied(5, "io.input", "read", "data.txt"),
    denied(6, "io.output", "write", "out.txt"),
    denied(7, "io.tmpfile", "write", "/tmp"),
    denied(8, "io.popen", "run", "ls"),
    denied(9, "os.execute", "run", "echo hi", "echo"),
    denied(10, "os.remove", "write", "data.txt"),
    denied(11, "os.rename", "write", "data.txt"),
    denied(12, "os.tmpname", "write", "/tmp"),
    denied(13, "dofile", "read", "data.txt"),
    denied(14, "loadfile", "read", "data.txt"),
  ]);
});

test("restricted: standard streams, os.getenv and pure functions work; os.execute() says no shell", () => {
  const r = lua(
    `print(io.read("l")) io.write("w\\n") io.stderr:write("e\\n") io.stdout:write("s\\n")
print(os.getenv("ASSAY_X"), os.execute(), type(os.time()), type(os.clock()), os.date("!%Y", 0))
print(load("return 1 + 1")(), string.dump, debug, package.loaded.debug, pcall(require, "debug"))`,
    ["--sandbox", "restricted"],
    { input: "from stdin\n", env: { ASSAY_X: "x" } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split("\n").slice(0, 4).join("\n"), "from stdin\nw\ns\nx\tfalse\tnumber\tnumber\t1970");
  assert.match(r.stdout.split("\n")[4], /^2\tnil\tnil\tnil\tfalse\t.*module 'debug' not found/);
  assert.equal(r.stderr, "e\n");
});

test("restricted: binary chunks do not load, text chunks do, with Lua's own messages", () => {
  const r = lua(
    `local bin = "\\27Lua\\84\\0"
print(load(bin))
print(load(bin, "x", "bt"))
print(load("return 1", "x", "b"))
print(load("return 1", "x", "t")())
print(pcall(load, "x", "y", {}))`,
    ["--sandbox", "restricted"],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `nil\tattempt to load a binary chunk (mode is 't')
nil\tattempt to load a binary chunk (mode is 't')
nil\tattempt to load a text chunk (mode is '')
1
false\tbad argument #3 to 'load' (string expected, got table)
`,
  );
});

test("restricted: --allow-read/--allow-write/--allow-run grant the named targets only", () => {
  const dir = project({ "data.txt": "data\n", "code.lua": "return 'code'" });
  mkdirSync(join(dir, "out"));
  mkdirSync(join(dir, "other"));
  writeFileSync(
    join(dir, "t.lua"),
    `print(io.open("data.txt"):read("l"))
for l in io.lines("data.txt") do print(l) end
print(dofile("code.lua"), loadfile("code.lua")())
local f = assert(io.open("out/new.txt", "w")) f:write("ok") f:close()
print(os.rename("out/new.txt", "out/renamed.txt"), os.remove("out/renamed.txt"))
print(os.execute("true"))
print(select(2, pcall(os.execute, "true; ls")))
print(select(2, pcall(io.open, "other/x.txt", "w")))`,
  );
  const flags = ["--sandbox", "restricted", "--allow-read=data.txt,code.lua", "--allow-write=out", "--allow-run=true"];
  const r = runAssay([...flags, "t.lua"], { cwd: dir, env: { RUST_LOG: undefined } });
  assert.equal(r.code, 0, r.stderr);
  // (which --allow-run value the message suggests is the policy's business)
  assert.equal(
    r.stdout.replace(/--allow-run=[^)]*\)/, "--allow-run=XXX)"),
    `data
data
code\tcode
true\ttrue
true\texit\t0
os.execute: run access to "true; ls" denied by sandbox profile "restricted" (grant with --allow-run=XXX)
io.open: write access to "other/x.txt" denied by sandbox profile "restricted" (grant with --allow-write=other/x.txt)
`,
  );
});

test("pure: os keeps the clock, calendar and build functions; getenv and the rest are gone", () => {
  const r = lua(
    `local names = {} for k in pairs(os) do names[#names + 1] = k end table.sort(names)
print(table.concat(names, " "))
print(select(2, pcall(io.open, "data.txt")))
print(io.write("stdout works ") == io.stdout, io.read("l"))`,
    ["--sandbox", "pure"],
    { input: "stdin works\n" },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `arch clock date difftime platform time
io.open: read access to "data.txt" denied by sandbox profile "pure" (grant with --allow-read=data.txt)
stdout works true\tstdin works
`,
  );
});

test("full: everything is there, and --deny-* flags still apply to io/os/load*", () => {
  const r = lua(
    `print(type(debug), type(string.dump), load(string.dump(function() return 5 end))())
print(select(2, pcall(io.open, "data.txt")))
print(select(2, pcall(dofile, "data.txt")))
print(select(2, pcall(os.getenv, "HOME")))
print(select(2, pcall(os.execute, "ls")))`,
    ["--deny-read=data.txt", "--deny-env=HOME", "--deny-run=ls"],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `table\tfunction\t5
io.open: read access to "data.txt" denied by --deny-read=data.txt
dofile: read access to "data.txt" denied by --deny-read=data.txt
os.getenv: env access to "HOME" denied by --deny-env=HOME
os.execute: run access to "ls" denied by --deny-run=ls
`,
  );
});
