/**
 * Script checks (checks.md §4, sandbox.md §3, README item 6): a fresh VM for every attempt,
 * the `env:` overlay seen by `env.get` only, working async builtins, `os.exit` ending the
 * attempt rather than the run, `--sandbox` applying to the script, timeouts stopping Lua code
 * that never yields, and stdout left to the report alone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runChecks } from "./check-run.ts";
import { runAssayAsync } from "./helpers.ts";

/** A config of script checks, one per [name, file] with extra YAML lines per check. */
function scripts(entries: [name: string, file: string, extra?: string][], top = "retries: 0\n"): string {
  return top + "checks:\n" + entries.map(([name, file, extra]) =>
    `  - name: ${name}\n    type: script\n    file: ${file}\n${extra ? extra.replace(/^/gm, "    ") + "\n" : ""}`
  ).join("");
}

const messages = (r: Awaited<ReturnType<typeof runChecks>>) => Object.fromEntries(r.report!.checks.map((c) => [c.name, c.message]));

test("a script passes when its chunk ends without an error; an error's file:line text is the message", async () => {
  const r = await runChecks(
    scripts([["ok", "ok.lua"], ["assertion", "assertion.lua"], ["syntax", "syntax.lua"], ["table-error", "table.lua"], ["shebang", "shebang.lua"]]),
    {
      files: {
        "ok.lua": "local x = 1 + 1\nreturn x",
        "assertion.lua": 'local status = "503"\nassert.eq(status, "200", "Expected 200")\n',
        "syntax.lua": "local = 1\n",
        "table.lua": "error({code = 7})\n",
        "shebang.lua": "#!/usr/bin/env assay\nerror('line two')\n",
      },
    },
  );
  assert.equal(r.code, 1);
  assert.deepEqual(messages(r), {
    "ok": null,
    "assertion": 'assertion.lua:2: assert.eq failed: "503" != "200" - Expected 200',
    "syntax": "syntax.lua:1: <name> expected near '='",
    "table-error": "(error object is a table value)",
    "shebang": "shebang.lua:2: line two",
  });
});

test("the env: overlay is seen by env.get (and os.getenv), not by env.list or child processes", async () => {
  const r = await runChecks(scripts([["env", "env.lua", 'env:\n  DB_URL: "postgres://app@db/app"\n  EXPECTED_VERSION: 42']]), {
    files: {
      "env.lua": `
assert.eq(env.get("DB_URL"), "postgres://app@db/app")
assert.eq(env.get("EXPECTED_VERSION"), "42")
for _, e in ipairs(env.list()) do assert.ne(e.key, "DB_URL", "env.list must not see the overlay") end
assert.eq(os.getenv("DB_URL"), "postgres://app@db/app")
assert.eq(shell.exec("printf %s \\"$DB_URL\\"").stdout, "")
-- The process environment is still there behind the overlay.
assert.eq(env.get("CHECK_TEST_OUTER"), "outer")
env.set("EXPECTED_VERSION", "43")
assert.eq(env.get("EXPECTED_VERSION"), "43")
`,
    },
    env: { CHECK_TEST_OUTER: "outer" },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("every attempt gets a fresh VM: no globals or loaded modules carry over between retries", async () => {
  const r = await runChecks(scripts([["fresh", "fresh.lua", "retries: 2\nbackoff: 10ms"]]), {
    files: {
      "mod.lua": "return { loaded_at = os.clock() }",
      "fresh.lua": `
local n = tonumber(fs.exists("count") and fs.read("count") or "0") + 1
fs.write("count", tostring(n))
assert.eq(carried, nil, "a global carried over")
assert.eq(package.loaded.mod, nil, "a module stayed loaded")
carried = true
require("mod")
if n < 3 then error("attempt " .. n .. " fails") end
`,
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /attempt=2 max_attempts=3 .*message="fresh\.lua:8: attempt 2 fails"/);
});

test("async builtins work in a script check; tasks and servers it leaves behind are abandoned when it ends", async () => {
  const r = await runChecks(scripts([["async", "async.lua"], ["server", "server.lua"], ["after", "after.lua"]]), {
    files: {
      "async.lua": `
local a = async.spawn(function() sleep(0.05); return 20 end)
local b = async.spawn(function() sleep(0.01); return 22 end)
assert.eq(a:await()[1] + b:await()[1], 42)
async.spawn_interval(0.01, function() end)
`,
      "server.lua": `
local port
async.spawn(function() http.serve(0, { GET = { ["/"] = function() return { body = "up" } end } }, { host = "127.0.0.1" }) end)
sleep(0.1)
`,
      "after.lua": "sleep(0.01)",
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(r.wall < 10_000, "the run did not wait for the interval or the server");
});

test("os.exit ends the attempt, not the run: status 0 passes, any other fails", async () => {
  const r = await runChecks(
    scripts([["zero", "zero.lua"], ["two", "two.lua"], ["caught", "caught.lua"], ["close", "close.lua"], ["later", "later.lua"]]),
    {
      files: {
        "zero.lua": "os.exit(0)\nerror('not reached')",
        "two.lua": "os.exit(2)",
        // pcall cannot keep the script going past os.exit.
        "caught.lua": "pcall(os.exit, 3)\nwhile true do end",
        "close.lua": "local t <close> = setmetatable({}, { __close = function() end })\nos.exit(true, true)",
        "later.lua": "assert(true)",
      },
    },
  );
  assert.equal(r.code, 1);
  assert.deepEqual(messages(r), {
    zero: null,
    two: "script exited with status 2",
    caught: "script exited with status 3",
    close: null,
    later: null,
  });
});

test("a missing script fails the check with the spec's message; the path is relative to the working directory", async () => {
  const r = await runChecks(scripts([["missing", "missing.lua"], ["nested", "checks/db.lua"], ["no-file", "x"]]).replace("    file: x\n", ""), {
    files: {},
  });
  assert.deepEqual(messages(r)["missing"], 'failed to read Lua script "missing.lua": No such file or directory (os error 2)');
  assert.equal(messages(r)["no-file"], "script check requires a 'file' field");
  // The config lives in a subdirectory; the script path is still taken from the working directory.
  const dir = r.dir;
  mkdirSync(join(dir, "checks"));
  writeFileSync(join(dir, "checks", "db.lua"), "assert(true)");
  mkdirSync(join(dir, "conf"));
  writeFileSync(join(dir, "conf", "c.yaml"), scripts([["nested", "checks/db.lua"]]));
  const nested = await runAssayAsync(["conf/c.yaml"], { cwd: dir });
  assert.equal(nested.code, 0, nested.stdout + nested.stderr);
});

test("print and io.write in a script check go to stderr: stdout is exactly the report", async () => {
  const r = await runChecks(scripts([["chatty", "chatty.lua"]]), {
    files: { "chatty.lua": 'print("hello from a check")\nio.write("and io.write\\n")\nlog.info("and a log line")' },
  });
  assert.equal(r.code, 0);
  assert.doesNotThrow(() => JSON.parse(r.stdout));
  assert.doesNotMatch(r.stdout, /hello/);
  assert.match(r.stderr, /^hello from a check$/m);
  assert.match(r.stderr, /^and io.write$/m);
  assert.match(r.stderr, /INFO and a log line/);
});

test("--sandbox applies to script checks; without it they get the full set", async () => {
  const files = { "read.lua": 'local text = fs.read("checks.yaml")\nassert(text:find("checks:"))', "io.lua": 'assert(io.open("checks.yaml"))' };
  const config = scripts([["fs-read", "read.lua"], ["io-open", "io.lua"]]);
  const full = await runChecks(config, { files });
  assert.equal(full.code, 0, full.stdout + full.stderr);
  const restricted = await runChecks(config, { files, flags: ["--sandbox", "restricted"] });
  assert.equal(restricted.code, 1);
  const m = messages(restricted);
  assert.match(m["fs-read"]!, /^read\.lua:1: fs\.read: read access to ".*checks\.yaml" denied by sandbox profile "restricted" \(grant with --allow-read=/);
  assert.match(m["io-open"]!, /denied by sandbox profile "restricted"/);
  const granted = await runChecks(config, { files, flags: ["--sandbox", "restricted", "--allow-read=."] });
  assert.equal(granted.code, 0, granted.stdout + granted.stderr);
  const pure = await runChecks(scripts([["no-fs", "nofs.lua"]]), { files: { "nofs.lua": "assert.eq(fs, nil)\nassert.eq(http, nil)" }, flags: ["--sandbox", "pure"] });
  assert.equal(pure.code, 0, pure.stdout + pure.stderr);
});

test("Lua code that never yields is stopped by the check's timeout and by the global one", async () => {
  const r = await runChecks(
    scripts([["spin", "spin.lua", "timeout: 300ms"], ["spin-forever", "spin.lua"], ["never", "spin.lua"]], "retries: 0\ntimeout: 2s\n"),
    { files: { "spin.lua": "local n = 0\nwhile true do n = n + 1 end" } },
  );
  assert.equal(r.code, 1);
  assert.deepEqual(messages(r), {
    "spin": "check timed out after 300ms",
    "spin-forever": "global timeout of 2s exceeded",
    "never": "global timeout of 2s exceeded",
  });
  assert.ok(r.wall < 6000, `${r.wall} ms`);
});

test("the heap limit applies to each script check's VM (--memory-limit)", async () => {
  const r = await runChecks(scripts([["hog", "hog.lua"]]), {
    files: { "hog.lua": "local t = {}\nfor i = 1, 1e7 do t[i] = string.rep('x', 100) .. i end" },
    flags: ["--memory-limit=16M"],
  });
  assert.equal(r.code, 1);
  assert.match(r.report!.checks[0].message!, /not enough memory/);
});

test("os.exit from anywhere (a finalizer, __tostring, a task's <close>, a coroutine) never ends the run without a report", async () => {
  const r = await runChecks(
    scripts([["gc", "gc.lua"], ["tostring", "tostring.lua"], ["task-close", "task.lua"], ["coroutine", "co.lua"], ["after", "after.lua"]]),
    {
      files: {
        "gc.lua": 'setmetatable({}, { __gc = function() os.exit(0) end })\nerror("this check failed")',
        "tostring.lua": "error(setmetatable({}, { __tostring = function() os.exit(0) end }))",
        "task.lua": "async.spawn(function() local x <close> = setmetatable({}, { __close = function() os.exit(7) end }) sleep(100) end)\nsleep(0.01)",
        "co.lua": "coroutine.wrap(function() os.exit(4) end)()\nerror('not reached')",
        "after.lua": "assert(true)",
      },
    },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(messages(r), {
    "gc": "gc.lua:2: this check failed",
    "tostring": "(error object is a table value)",
    // The chunk ended well; the abandoned task's exit at close changes nothing.
    "task-close": null,
    "coroutine": "script exited with status 4",
    "after": null,
  });
});

test("Lua code outside any task (an error's __tostring) is stopped by the global timeout too", async () => {
  const r = await runChecks(scripts([["loop", "loop.lua"], ["next", "next.lua"]], "retries: 0\ntimeout: 1s\n"), {
    files: { "loop.lua": "error(setmetatable({}, { __tostring = function() while true do end end }))", "next.lua": "assert(true)" },
  });
  assert.equal(r.code, 1);
  assert.deepEqual(messages(r), { loop: "global timeout of 1s exceeded", next: "global timeout of 1s exceeded" });
  assert.ok(r.wall < 5000, `${r.wall} ms`);
});

test("child processes of a script check write to stderr, never into the report", async () => {
  const r = await runChecks(scripts([["children", "children.lua"]]), {
    files: { "children.lua": 'os.execute("echo from-execute")\nlocal f = io.popen("cat", "w")\nf:write("from-popen\\n")\nf:close()' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotThrow(() => JSON.parse(r.stdout));
  assert.match(r.stderr, /^from-execute$/m);
  assert.match(r.stderr, /^from-popen$/m);
});

test("env.set in one script check is not seen by later checks, but is by its own children", async () => {
  const r = await runChecks(scripts([["sets", "sets.lua"], ["reads", "reads.lua"]]), {
    files: {
      "sets.lua": 'env.set("CHECK_LEAK", "from-sets")\nassert.eq(shell.exec("printf %s \\"$CHECK_LEAK\\"").stdout, "from-sets")',
      "reads.lua": 'assert.eq(env.get("CHECK_LEAK"), nil, "leaked")\nassert.eq(os.getenv("CHECK_LEAK"), nil)',
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
