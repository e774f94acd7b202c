/**
 * The platform as a user meets it through the binary: `--timeout` ends a run stuck in one long
 * C call within a second of the deadline (exit 124, JSON line under `--log-format json`),
 * `--memory-limit` holds a script to about that much live data, finalizers run when the script
 * ends (as `lua5.4` closes its state), and an unawaited task failure is logged only if nothing
 * handled it by the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { endsWithin, runAssay, tempDir } from "./helpers.ts";

function runLua(source: string, args: string[] = []) {
  const dir = tempDir();
  writeFileSync(join(dir, "script.lua"), source);
  const started = performance.now();
  const r = runAssay([...args, "script.lua"], { cwd: dir, env: { RUST_LOG: undefined, NO_COLOR: "1" }, timeoutMs: 60_000 });
  return { ...r, seconds: (performance.now() - started) / 1000 };
}

const STUCK_IN_C = `io.stderr:write("started\\n") print(string.find(("a"):rep(3000), ".-.-.-.-b"))`;

test("--timeout ends a run stuck in one long C call within a second of the deadline", () => {
  const r = runLua(STUCK_IN_C, ["--timeout=1"]);
  assert.equal(r.code, 124, r.stderr);
  assert.match(r.stderr, /^started\nassay: timeout: run exceeded 1 s\n$/);
  assert.ok(r.seconds < 2.5, `took ${r.seconds} s`);
});

test("--timeout with --log-format json writes the timeout as a JSON record", () => {
  const r = runLua(`while true do end`, ["--timeout=0.3", "--log-format=json"]);
  assert.equal(r.code, 124, r.stderr);
  const rec = JSON.parse(r.stderr.trim());
  assert.equal(rec.level, "ERROR");
  assert.equal(rec.target, "assay");
  assert.equal(rec.message, "timeout: run exceeded 0.3 s");
});

test("--memory-limit=1M holds a script to about 1 MiB of live data; the error is catchable", () => {
  const r = runLua(`
    local t = {}
    local ok, err = pcall(function() for i = 1, 1e7 do t[#t + 1] = ("x"):rep(100) .. i end end)
    print(ok, err, math.floor(collectgarbage("count")))
  `, ["--memory-limit=1M"]);
  assert.equal(r.code, 0, r.stderr);
  const [ok, err, kib] = r.stdout.trim().split("\t");
  assert.equal(ok, "false");
  assert.equal(err, "not enough memory");
  assert.ok(Number(kib) > 800 && Number(kib) < 1400, `${kib} KiB live`);
});

test("finalizers run when the script ends, as lua5.4 closes its state", () => {
  const r = runLua(`setmetatable({}, { __gc = function() print("collected at exit") end }) print("end")`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "end\ncollected at exit\n");
});

test("a task failure awaited later is not logged as unawaited", () => {
  const r = runLua(`
    local h = async.spawn(function() error("handled later", 0) end)
    sleep(0.02) -- the task has failed by now, and nobody has awaited it yet
    print(pcall(h.await))
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "false\thandled later\n");
  assert.equal(r.stderr, "");
});

test("a failed task whose handle is collected is logged then, before the script ends", () => {
  const r = runLua(`
    async.spawn(function() error("dropped", 0) end)
    sleep(0.02)
    collectgarbage() collectgarbage()
    io.stderr:write("after collect\\n")
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ERROR async task failed: dropped\nafter collect\n$/);
});

test("--timeout also ends the command os.execute is waiting for, with what it started", () => {
  const dir = tempDir();
  const pidFile = join(dir, "sleep.pid");
  const r = runLua(`os.execute("sleep 30 & echo $! > ${pidFile}; wait")`, ["--timeout=0.5"]);
  assert.equal(r.code, 124, r.stderr);
  assert.ok(r.seconds < 5, `took ${r.seconds} s`);
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.ok(endsWithin(pid, 2000), `sleep ${pid} still runs`);
});

test("a --timeout past setTimeout's 24.8-day limit does not fire at once", () => {
  const r = runLua(`sleep(0.2) print("still here")`, ["--timeout=2200000"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "still here\n");
});

test("what a finalizer writes at exit reaches a pipe, as with lua5.4", () => {
  const r = runLua(`setmetatable({}, { __gc = function() io.write("written at close") end }) io.write("end ")`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "end written at close");
});

test("an error object whose __tostring fails is reported as its type, not a crash", () => {
  const r = runLua(`error(setmetatable({}, { __tostring = function() error("boom") end }))`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR \(error object is a table value\)\n/);
  assert.doesNotMatch(r.stderr, /PANIC|internal error|Bun v/);
});

test("a heap limit too small for the script's own arguments is a clean failure", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "script.lua"), `print("never")`);
  const r = runAssay(["--memory-limit=1K", "script.lua", ...Array(4).fill("x".repeat(2000))], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /ERROR not enough memory\n/);
  assert.doesNotMatch(r.stderr, /PANIC|Bun v/);
});

test("no debug hook is set unless something needs one (a --timeout), as lua5.4 has none", () => {
  const plain = runLua(`print(debug.gethook())`);
  assert.equal(plain.stdout, "nil\n", plain.stderr);
  const timed = runLua(`print(type(debug.gethook()), select(3, debug.gethook()))`, ["--timeout=5"]);
  assert.equal(timed.stdout, "string\t100000\n", timed.stderr); // "external hook": a C hook
});

test("the watchdog's timeout also ends the commands the run started", () => {
  const dir = tempDir();
  const pidFile = join(dir, "sleep.pid");
  // One task waits for a command; the main task is stuck in one long C call.
  const r = runLua(`
    async.spawn(function() os.execute("sleep 30 & echo $! > ${pidFile}; wait") end)
    sleep(0.2)
    print(string.find(("a"):rep(3000), ".-.-.-.-b"))
  `, ["--timeout=0.5"]);
  assert.equal(r.code, 124, r.stderr);
  assert.ok(r.seconds < 5, `took ${r.seconds} s`);
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.ok(endsWithin(pid, 2000), `sleep ${pid} still runs`);
});
