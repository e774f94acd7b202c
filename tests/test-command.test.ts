/**
 * `assay test` as a user meets it, through the binary, on fixture projects in temp dirs: which
 * files it finds, the order of describe/it bodies and hooks, failures as `file:line: message`,
 * a broken file next to good ones, `--filter`, the three report formats as their readers parse
 * them (JUnit through python3's xml.etree), async builtins inside tests, a fresh VM per file,
 * the sandbox and limits applied per file, and exit codes and messages for bad input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { assayCommand, runAssay, runAssayAsync, tempDir } from "./helpers.ts";

/** A temp dir holding the given files (paths may have directories). */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const ENV = { NO_COLOR: "1", RUST_LOG: undefined };

function assayTest(dir: string, args: string[] = [], flags: string[] = []) {
  return runAssay([...flags, "test", ...args], { cwd: dir, env: ENV });
}

interface Point {
  name: string;
  ok: boolean;
  message?: string;
}

/** TAP test points with their YAML `message:` (a JSON string). */
function tap(stdout: string): Point[] {
  const points: Point[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^(ok|not ok) \d+ - (.*)$/.exec(line);
    if (m) points.push({ name: m[2], ok: m[1] === "ok" });
    const msg = /^ {2}message: (".*")$/.exec(line);
    if (msg) points[points.length - 1].message = JSON.parse(msg[1]);
  }
  return points;
}

/** `assay test --format tap` in dir: the points, after checking the plan line counts them. */
function tapRun(dir: string, args: string[] = [], flags: string[] = []) {
  const r = assayTest(dir, ["--format", "tap", ...args], flags);
  const points = tap(r.stdout);
  assert.match(r.stdout, new RegExp(`^TAP version 13\n1\\.\\.${points.length}\n`), r.stdout + r.stderr);
  return { ...r, points };
}

// ---- discovery ------------------------------------------------------------------------------

test("discovery: *_test.lua and *.test.lua, recursively, sorted; node_modules and dot-directories skipped", () => {
  const pass = "assert(true)\n";
  const dir = project({
    "b_test.lua": pass,
    "a.test.lua": pass,
    "helper.lua": "error('not a test file')",
    "test.lua": "error('not a test file either')",
    "notes_test.lua.txt": "error('not Lua')",
    "sub/deep/c_test.lua": pass,
    "sub/z.test.lua": pass,
    "node_modules/pkg/x_test.lua": "error('vendored')",
    ".git/hooks/y_test.lua": "error('git')",
    ".cache/w_test.lua": "error('hidden')",
  });
  symlinkSync(".", join(dir, "sub", "loop")); // a cycle through a link is not followed
  const r = tapRun(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.points.map((p) => p.name), ["a.test.lua", "b_test.lua", "sub/deep/c_test.lua", "sub/z.test.lua"]);
  assert.ok(r.points.every((p) => p.ok));

  // Paths: a directory searched, a file named explicitly run whatever its name, each once.
  const some = tapRun(dir, ["sub", "helper.lua", "sub/z.test.lua", "./sub"]);
  assert.deepEqual(some.points.map((p) => [p.name, p.ok]), [
    ["sub/deep/c_test.lua", true],
    ["sub/z.test.lua", true],
    ["helper.lua", false],
  ]);
  assert.equal(some.points[2].message, "helper.lua:1: not a test file");
});

test("no test files: exit 1 with the message, nothing on stdout; a missing path: exit 1 naming it", () => {
  const dir = project({ "main.lua": "print(1)", "lib/util.lua": "return {}" });
  const r = assayTest(dir);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "assay: test: no test files found in . (looked for *_test.lua and *.test.lua)\n");
  const two = assayTest(dir, ["lib", "."]);
  assert.equal(two.stderr, "assay: test: no test files found in lib, . (looked for *_test.lua and *.test.lua)\n");
  const missing = assayTest(dir, ["lib", "nope"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, "");
  assert.equal(missing.stderr, "assay: test: nope: No such file or directory (os error 2)\n");
  const json = runAssay(["--log-format", "json", "test"], { cwd: dir, env: ENV });
  assert.equal(JSON.parse(json.stderr).message, "test: no test files found in . (looked for *_test.lua and *.test.lua)");
});

test("usage errors exit 2: an unknown --format, a flag without its value; test --help prints the help", () => {
  const dir = project({ "a_test.lua": "" });
  const json = assayTest(dir, ["--format", "json"]);
  assert.equal(json.code, 2);
  assert.match(json.stderr, /^assay: invalid --format "json" for test \(expected text, junit, tap\)\n/);
  assert.equal(assayTest(dir, [], ["--format", "json"]).code, 2, "the global --format before test too");
  const filter = assayTest(dir, ["--filter"]);
  assert.equal(filter.code, 2);
  assert.match(filter.stderr, /^assay: --filter needs a value\n/);
  const help = assayTest(dir, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /assay \[FLAGS\] test \[--filter TEXT\] \[--format text\|junit\|tap\] \[PATHS\.\.\.\]/);
});

// ---- the test API -----------------------------------------------------------------------

test("describe/it/test and hooks: registration order, hooks outer to inner and back, per describe", () => {
  const dir = project({
    "order_test.lua": `
local function say(s) io.stderr:write(s, "\\n") end
say("top level")
before_each(function() say("  before (top)") end)
after_each(function() say("  after (top)") end)
it("first", function() say("    first") end)
describe("outer", function()
  say("outer body")
  before_each(function() say("  before (outer)") end)
  after_each(function() say("  after (outer)") end)
  test("second", function() say("    second") end)
  describe("inner", function()
    say("inner body")
    before_each(function() say("  before (inner)") end)
    after_each(function() say("  after (inner)") end)
    it("third", function() say("    third") end)
  end)
  it("fourth", function() say("    fourth") end)
end)
it("fifth", function() say("    fifth") end)
`,
  });
  const r = tapRun(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.points.map((p) => p.name), [
    "order_test.lua > first",
    "order_test.lua > outer > second",
    "order_test.lua > outer > inner > third",
    "order_test.lua > outer > fourth",
    "order_test.lua > fifth",
  ]);
  assert.equal(r.stderr, `top level
outer body
inner body
  before (top)
    first
  after (top)
  before (top)
  before (outer)
    second
  after (outer)
  after (top)
  before (top)
  before (outer)
  before (inner)
    third
  after (inner)
  after (outer)
  after (top)
  before (top)
  before (outer)
    fourth
  after (outer)
  after (top)
  before (top)
    fifth
  after (top)
`);
});

test("a failing hook fails the test: before_each skips the body, after_each hooks still run", () => {
  const dir = project({
    "hooks_test.lua": `
local function say(s) io.stderr:write(s, "\\n") end
describe("setup fails", function()
  before_each(function() error("no database") end)
  after_each(function() say("teardown ran") end)
  it("body", function() say("body ran") end)
end)
describe("teardown fails", function()
  after_each(function() assert(false, "leaked a file") end)
  it("passing body", function() end)
  it("failing body", function() error("first error wins") end)
end)
`,
  });
  const r = tapRun(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.points.map((p) => [p.name, p.ok, p.message]), [
    ["hooks_test.lua > setup fails > body", false, "before_each: hooks_test.lua:4: no database"],
    ["hooks_test.lua > teardown fails > passing body", false, "after_each: hooks_test.lua:9: leaked a file"],
    ["hooks_test.lua > teardown fails > failing body", false, "hooks_test.lua:11: first error wins"],
  ]);
  assert.equal(r.stderr, "teardown ran\n", "the body did not run; the teardown did");
});

test("failures read file:line: message, from assert, error, error objects and helpers; the rest still run", () => {
  const dir = project({
    "lib/check.lua": "return { positive = function(n) assert(n > 0, 'not positive: ' .. n) end }\n",
    "fail_test.lua": `local check = require("lib.check")
it("assert", function() assert(1 == 2, "one is not two") end)
it("default assert", function() assert(false) end)
it("error", function() error("boom") end)
it("error level 0", function() error("no position given", 0) end)
it("error table", function() error({ code = 7 }) end)
it("tostring", function() error(setmetatable({}, { __tostring = function() return "custom" end })) end)
it("runtime", function() local t = nil; return t.x end)
it("helper", function() check.positive(-1) end)
it("assert.eq", function() assert.eq(1, 2) end)
it("passes", function() end)
`,
  });
  const r = tapRun(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.points.map((p) => [p.name.replace("fail_test.lua > ", ""), p.message ?? null]), [
    ["assert", "fail_test.lua:2: one is not two"],
    ["default assert", "fail_test.lua:3: assertion failed!"],
    ["error", "fail_test.lua:4: boom"],
    ["error level 0", "fail_test.lua:5: no position given"],
    ["error table", "fail_test.lua:6: (error object is a table value)"],
    ["tostring", "fail_test.lua:7: custom"],
    ["runtime", "fail_test.lua:8: attempt to index a nil value (local 't')"],
    ["helper", "./lib/check.lua:1: not positive: -1"],
    ["assert.eq", 'fail_test.lua:10: assert.eq failed: "1" != "2"'],
    ["passes", null],
  ]);
});

test("a file with a syntax or top-level error is one failed result; the other files still run", () => {
  const dir = project({
    "a_test.lua": 'it("works", function() end)\n',
    "b_test.lua": "local x = = 1\n",
    "c_test.lua": 'it("never runs", function() end)\nlocal n = nil + 1\n',
    "d_test.lua": "assert(true) -- no tests registered: the file is the test\n",
  });
  const r = tapRun(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.points.map((p) => [p.name, p.ok, p.message ?? null]), [
    ["a_test.lua > works", true, null],
    ["b_test.lua", false, "b_test.lua:1: unexpected symbol near '='"],
    ["c_test.lua", false, "c_test.lua:2: attempt to perform arithmetic on a nil value"],
    ["d_test.lua", true, null],
  ]);
});

test("misuse of the API is reported where it happened", () => {
  const dir = project({
    "args_test.lua": 'it("no function")\n',
    "nested_test.lua": 'it("outer", function() it("inner", function() end) end)\n',
    "name_test.lua": "describe(42, function() end)\n",
  });
  const r = tapRun(dir);
  assert.deepEqual(r.points.map((p) => [p.name, p.message]), [
    ["args_test.lua", "args_test.lua:1: bad argument #2 to 'it' (function expected, got no value)"],
    ["name_test.lua", "name_test.lua:1: bad argument #1 to 'describe' (string expected, got number)"],
    [
      "nested_test.lua > outer",
      "nested_test.lua:1: it() cannot be called while tests run: call it at the top level of the file or in a describe() body",
    ],
  ]);
});

// ---- --filter -----------------------------------------------------------------------------

test("--filter: a plain substring of the full name; files without tests match by path; no match is exit 1", () => {
  const dir = project({
    "api_test.lua": `describe("users", function()
  it("create", function() end)
  it("delete", function() error("should not run") end)
end)
describe("groups", function() it("create (a.b)", function() end) end)
`,
    "smoke_test.lua": "assert(true)\n",
  });
  const create = tapRun(dir, ["--filter", "create"]);
  assert.equal(create.code, 0, create.stdout);
  assert.deepEqual(create.points.map((p) => p.name), ["api_test.lua > users > create", "api_test.lua > groups > create (a.b)"]);
  const full = tapRun(dir, ["--filter=users > create"]);
  assert.deepEqual(full.points.map((p) => p.name), ["api_test.lua > users > create"]);
  // Not a pattern: "." and "(" are plain characters.
  assert.deepEqual(tapRun(dir, ["--filter", "(a.b)"]).points.map((p) => p.name), ["api_test.lua > groups > create (a.b)"]);
  assert.deepEqual(tapRun(dir, ["--filter", "(axb)"]).points, []);
  assert.deepEqual(tapRun(dir, ["--filter", "smoke"]).points.map((p) => p.name), ["smoke_test.lua"]);
  const text = assayTest(dir, ["--filter", "create"]);
  assert.match(text.stdout, /^2 passed, 0 failed, 2 filtered out in \d+\.\ds \(2 files\)$/m);
  const none = assayTest(dir, ["--filter", "nothing like it"]);
  assert.equal(none.code, 1);
  assert.equal(none.stderr, 'assay: test: no test matches --filter "nothing like it" (4 left out)\n');
});

// ---- formats ----------------------------------------------------------------------------

const MIXED = {
  "math_test.lua": `describe("add", function()
  it("carries", function() assert(9 + 1 == 10) end)
  it("overflows <&>", function() error("boom\\nsecond line") end)
end)
`,
  "plain_test.lua": "assert(true)\n",
  "broken_test.lua": "return +\n",
};

test("--format text (default): files as they finish, tests indented with durations, a summary; no colour off a terminal", () => {
  const r = assayTest(project(MIXED));
  assert.equal(r.code, 1);
  const normalized = r.stdout.replace(/\d+ ms/g, "N ms").replace(/ +N ms/g, "  N ms").replace(/in \d+\.\ds/, "in Xs");
  assert.equal(normalized, `FAIL  broken_test.lua  N ms  broken_test.lua:1: unexpected symbol near '+'
math_test.lua
  PASS  add > carries  N ms
  FAIL  add > overflows <&>  N ms  math_test.lua:3: boom
        second line
PASS  plain_test.lua  N ms
2 passed, 2 failed in Xs (3 files)
`);
  assert.ok(!r.stdout.includes("\x1b"));
});

test("--format junit: a testsuite per file, failures with their messages (python3 xml.etree)", () => {
  const r = assayTest(project(MIXED), ["--format", "junit"]);
  assert.equal(r.code, 1);
  const parsed = JSON.parse(spawnSync("python3", ["-c", `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
out = {"name": root.get("name"), "tests": root.get("tests"), "failures": root.get("failures"), "suites": []}
for s in root.findall("testsuite"):
    cases = []
    for c in s.findall("testcase"):
        f = c.find("failure")
        assert float(c.get("time")) >= 0
        cases.append([c.get("classname"), c.get("name"), None if f is None else f.get("message"), None if f is None else f.text])
    out["suites"].append({"name": s.get("name"), "tests": s.get("tests"), "failures": s.get("failures"), "cases": cases})
print(json.dumps(out))
`], { input: r.stdout, encoding: "utf8" }).stdout);
  assert.deepEqual(parsed, {
    name: "assay test",
    tests: "4",
    failures: "2",
    suites: [
      {
        name: "broken_test.lua",
        tests: "1",
        failures: "1",
        cases: [["broken_test.lua", "broken_test.lua", "broken_test.lua:1: unexpected symbol near '+'", "broken_test.lua:1: unexpected symbol near '+'"]],
      },
      {
        name: "math_test.lua",
        tests: "2",
        failures: "1",
        cases: [
          ["math_test.lua", "add > carries", null, null],
          ["math_test.lua", "add > overflows <&>", "math_test.lua:3: boom", "math_test.lua:3: boom\nsecond line"],
        ],
      },
      { name: "plain_test.lua", tests: "1", failures: "0", cases: [["plain_test.lua", "plain_test.lua", null, null]] },
    ],
  });
});

test("--format tap: a plan and one point per test, the message and duration under a failure", () => {
  const r = assayTest(project(MIXED), ["--format", "tap"]);
  assert.equal(r.code, 1);
  const normalized = r.stdout.replace(/duration_ms: \d+/g, "duration_ms: N");
  assert.equal(normalized, `TAP version 13
1..4
not ok 1 - broken_test.lua
  ---
  message: "broken_test.lua:1: unexpected symbol near '+'"
  duration_ms: N
  ...
ok 2 - math_test.lua > add > carries
not ok 3 - math_test.lua > add > overflows <&>
  ---
  message: "math_test.lua:3: boom\\nsecond line"
  duration_ms: N
  ...
ok 4 - plain_test.lua
`);
});

test("colour only on a terminal and without NO_COLOR", { skip: spawnSync("script", ["--version"]).status !== 0 && "no script(1)" }, async () => {
  const dir = project({ "a_test.lua": 'it("passes", function() end)\nit("fails", function() error("x") end)\n' });
  const command = [...assayCommand(), "test"].map((a) => `'${a}'`).join(" ");
  const screen = async (extra: Record<string, string>) => {
    const env: Record<string, string> = { ...process.env as Record<string, string>, TERM: "xterm-256color", ...extra };
    if (!("NO_COLOR" in extra)) delete env.NO_COLOR;
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: dir, env });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    await new Promise((resolve) => child.on("close", resolve));
    return out;
  };
  const coloured = await screen({});
  assert.ok(coloured.includes("\x1b[32mPASS\x1b[0m"), coloured);
  assert.ok(coloured.includes("\x1b[31mFAIL\x1b[0m"), coloured);
  assert.ok(!(await screen({ NO_COLOR: "1" })).includes("\x1b["));
});

// ---- running --------------------------------------------------------------------------------

test("async builtins work at the top level, in hooks and in tests: sleep, async.spawn, http.get", async () => {
  const server = createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const dir = project({
      "async_test.lua": `sleep(0.01)
local base = "http://127.0.0.1:${port}"
local ready
before_each(function() sleep(0.01) ready = true end)
it("sleeps", function()
  local t = time()
  sleep(0.05)
  assert(ready and time() - t >= 0.04)
end)
it("spawns and awaits", function()
  local a = async.spawn(function() sleep(0.02) return "a" end)
  local b = async.spawn(function() return "b" end)
  assert(a:await()[1] .. b:await()[1] == "ab")
end)
it("fetches", function()
  local r = http.get(base .. "/x")
  assert.eq(r.status, 200)
  assert.eq(r.body, "hello /x")
end)
it("fails inside a pcall'd wait", function()
  local ok, err = pcall(http.get, "http://127.0.0.1:1/")
  assert(not ok and err:find("http.get", 1, true), err)
end)
`,
    });
    const r = await runAssayAsync(["test", "--format", "tap"], { cwd: dir, env: ENV });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(tap(r.stdout).filter((p) => p.ok).length, 4);
  } finally {
    server.close();
  }
});

test("each file gets a fresh VM and the environment as assay started: nothing leaks to the next file", () => {
  const dir = project({
    "a_test.lua": `LEAKED = true
package.loaded.leaked = {}
string.leaked = true
env.set("ASSAY_TEST_LEAK", "1")
async.spawn(function() while true do sleep(0.01) end end)
it("sets", function() assert(LEAKED) end)
`,
    "b_test.lua": `it("sees nothing", function()
  assert(LEAKED == nil, "global")
  assert(package.loaded.leaked == nil, "module")
  assert(string.leaked == nil, "library table")
  assert(env.get("ASSAY_TEST_LEAK") == nil, "environment")
  assert(os.getenv("ASSAY_TEST_LEAK") == nil, "os.getenv")
  assert(arg[0] == "b_test.lua", arg[0])
end)
`,
  });
  const r = tapRun(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.points.map((p) => p.ok), [true, true]);
});

test("print and io.write in tests go to stderr: stdout holds the report alone", () => {
  const dir = project({ "talk_test.lua": 'print("printed")\nit("writes", function() io.write("written\\n") end)\n' });
  const r = tapRun(dir);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "printed\nwritten\n");
  assert.ok(!r.stdout.includes("printed"));
});

test("--sandbox applies to every file", () => {
  const dir = project({
    "a_test.lua": 'it("pure has no fs", function() assert(fs == nil and io.open("/etc/hostname")) end)\n',
    "b_test.lua": 'it("nor env", function() assert(env == nil and os.getenv == nil) end)\n',
  });
  const pure = tapRun(dir, [], ["--sandbox", "pure"]);
  assert.equal(pure.code, 1);
  assert.match(pure.points[0].message ?? "", /^a_test\.lua:1: io\.open: read access to "\/etc\/hostname" denied by sandbox profile "pure"/);
  assert.equal(pure.points[1].ok, true, pure.points[1].message);
  assert.equal(tapRun(dir).points.filter((p) => p.ok).length, 0, "the same tests fail outside the sandbox");
  const restricted = tapRun(project({ "env_test.lua": 'it("denied", function() env.set("X", "1") end)\n' }), [], ["--sandbox=restricted"]);
  assert.match(restricted.points[0].message ?? "", /^env_test\.lua:1: env\.set: .*denied/);
});

test("--memory-limit and --timeout apply to each file; a timeout and os.exit end only their own file", () => {
  const dir = project({
    "a_memory_test.lua": `it("grows", function() local t = {} for i = 1, 1e7 do t[i] = ("x"):rep(64) .. i end end)
it("still runs", function() end)
`,
    "b_loop_test.lua": `it("spins", function() while true do end end)\nit("not reached", function() end)\n`,
    "c_sleep_test.lua": `it("waits", function() sleep(30) end)\n`,
    "d_exit_test.lua": `it("before", function() end)\nit("exits", function() os.exit(0) end)\nit("after", function() end)\n`,
    "e_fine_test.lua": `it("runs after all that", function() sleep(0.5) end)\n`,
  });
  const start = Date.now();
  const r = tapRun(dir, [], ["--memory-limit", "16M", "--timeout", "1"]);
  assert.ok(Date.now() - start < 15_000, "each file stopped at its own timeout");
  assert.equal(r.code, 1);
  assert.deepEqual(r.points.map((p) => [p.name, p.message ?? null]), [
    ["a_memory_test.lua > grows", "not enough memory"],
    ["a_memory_test.lua > still runs", null],
    ["b_loop_test.lua > spins", "timeout: test file exceeded 1 s"],
    ["c_sleep_test.lua > waits", "timeout: test file exceeded 1 s"],
    ["d_exit_test.lua > before", null],
    ["d_exit_test.lua > exits", "os.exit(0) called: the rest of the test file did not run"],
    ["e_fine_test.lua > runs after all that", null],
  ]);
});

test("a file with no tests that runs without error passes as one test named after it; exit 0", () => {
  const dir = project({ "sub/plain_test.lua": "local x = 1 + 1\nassert(x == 2)\n" });
  const r = assayTest(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^PASS {2}sub\/plain_test\.lua {2}\d+ ms\n1 passed, 0 failed in \d+\.\ds \(1 file\)\n$/);
});

test("a call into C that outlives --timeout ends the whole run with exit 124 (the watchdog)", { skip: process.env.ASSAY_FROM_SOURCE === "deno" }, () => {
  const dir = project({
    "a_stuck_test.lua": 'it("backtracks", function() string.find(("a"):rep(30), ("a-"):rep(30) .. "b") end)\n',
    "b_test.lua": 'it("never reached", function() end)\n',
  });
  const r = assayTest(dir, [], ["--timeout", "0.5"]);
  assert.equal(r.code, 124);
  assert.equal(r.stderr, "assay: test: a_stuck_test.lua: timeout: test file exceeded 0.5 s\n");
});

test("test's flags and the global ones may come before, between and after paths; after -- all are paths", () => {
  const dir = project({ "a/x_test.lua": 'it("one", function() end)\nit("two", function() end)\n', "--odd_test.lua": "assert(true)\n" });
  const after = assayTest(dir, ["a", "--filter", "two", "--sandbox=pure", "--format=tap"]);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(tap(after.stdout).map((p) => p.name), ["a/x_test.lua > two"]);
  const dashes = assayTest(dir, ["--format", "tap", "--", "--odd_test.lua"]);
  assert.deepEqual(tap(dashes.stdout).map((p) => p.name), ["--odd_test.lua"]);
});

test("a reader that leaves early (assay test | head) is a broken pipe, not a crash", () => {
  const dir = tempDir();
  for (let i = 0; i < 30; i++) writeFileSync(join(dir, `f${i}_test.lua`), 'for i = 1, 50 do it("t" .. i, function() end) end\n');
  const bin = assayCommand().map((a) => `'${a}'`).join(" ");
  const r = spawnSync("bash", ["-c", `${bin} test | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: dir, encoding: "utf8" });
  assert.match(r.stdout.trim(), /^(0|141)$/);
  assert.doesNotMatch(r.stderr, /EPIPE|writeSync/);
});

test("os.exit in a finalizer that runs when a test file's VM closes does not end the run", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "a_test.lua"), 'setmetatable({}, { __gc = function() os.exit(0) end })\nit("fails", function() error("boom") end)\n');
  writeFileSync(join(dir, "b_test.lua"), 'it("passes", function() end)\n');
  const r = runAssay(["test", "--format", "tap"], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /not ok \d+ - .*fails/);
  assert.match(r.stdout, /^ok \d+ - .*passes/m);
});
