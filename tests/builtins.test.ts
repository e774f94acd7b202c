/**
 * The core builtins as the binary shows them on its streams and exit codes: `log` lines (text
 * and `--log-format json`, RUST_LOG filtering), runtime log lines from `async` (unawaited task
 * failures, interval callback errors), the exit rule for background tasks, and which of
 * `env`, `log`, `assert`, `async`, `sleep` each sandbox profile installs and allows, and the
 * first call of each lazily loaded builtin where Lua cannot yield.
 * Behaviour inside Lua is covered by tests/lua/{env,assert,async,time}_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";

const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z`;

/** Runs `source` as script.lua in a fresh directory, with no inherited RUST_LOG. */
function runLua(source: string, args: string[] = [], env: Record<string, string | undefined> = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, "script.lua"), source);
  const started = performance.now();
  const r = runAssay([...args, "script.lua"], { cwd: dir, env: { RUST_LOG: undefined, NO_COLOR: "1", ...env } });
  return { ...r, ms: performance.now() - started };
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

// ---- log ----------------------------------------------------------------------------------

const LOG_ALL = `log.info("hello world") log.warn(42) log.error(1.5, "ignored", {}) log.info("")`;

test("log.*: one text line per call on stderr, level right-aligned, nothing on stdout", () => {
  const r = runLua(LOG_ALL);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  const got = lines(r.stderr);
  assert.equal(got.length, 4, r.stderr);
  assert.match(got[0], new RegExp(`^${STAMP}  INFO hello world$`));
  assert.match(got[1], new RegExp(`^${STAMP}  WARN 42$`));
  assert.match(got[2], new RegExp(`^${STAMP} ERROR 1\\.5$`));
  assert.match(got[3], new RegExp(`^${STAMP}  INFO $`));
});

test("log.* with --log-format json: one object per line with time, level, target lua, message", () => {
  const r = runLua(LOG_ALL, ["--log-format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const records = lines(r.stderr).map((l) => JSON.parse(l));
  assert.deepEqual(records.map(({ time: _, ...rest }) => rest), [
    { level: "INFO", target: "lua", message: "hello world" },
    { level: "WARN", target: "lua", message: "42" },
    { level: "ERROR", target: "lua", message: "1.5" },
    { level: "INFO", target: "lua", message: "" },
  ]);
  for (const rec of records) assert.match(rec.time, new RegExp(`^${STAMP}$`));
});

test("log.*: RUST_LOG filters by level and by the lua target; -v wins", () => {
  const src = `log.info("i") log.warn("w") log.error("e")`;
  const levels = (env: Record<string, string>, args: string[] = []) =>
    lines(runLua(src, args, env).stderr).map((l) => l.replace(new RegExp(`^${STAMP} +`), ""));
  assert.deepEqual(levels({}), ["INFO i", "WARN w", "ERROR e"]);
  assert.deepEqual(levels({ RUST_LOG: "warn" }), ["WARN w", "ERROR e"]);
  assert.deepEqual(levels({ RUST_LOG: "error" }), ["ERROR e"]);
  assert.deepEqual(levels({ RUST_LOG: "info,lua=error" }), ["ERROR e"]);
  assert.deepEqual(levels({ RUST_LOG: "error,lua=info" }), ["INFO i", "WARN w", "ERROR e"]);
  assert.deepEqual(levels({ RUST_LOG: "trace" }), ["DEBUG starting assay (script mode) script=script.lua", "INFO i", "WARN w", "ERROR e"]);
  assert.deepEqual(levels({ RUST_LOG: "off" }), []);
  const verbose = levels({ RUST_LOG: "error" }, ["-v"]);
  assert.deepEqual(verbose.slice(-3), ["INFO i", "WARN w", "ERROR e"]);
});

test("log.*: nil, tables and booleans raise a conversion error, also from a hidden log.debug", () => {
  const r = runLua(`
    for _, name in ipairs({ "debug", "info", "warn", "error" }) do
      for _, bad in ipairs({ "nil", "table", "boolean" }) do
        local v = ({ ["nil"] = nil, table = {}, boolean = true })[bad]
        local ok, err = pcall(log[name], v)
        print(name, bad, ok, err)
      end
    end
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "", "failed calls log nothing");
  const out = lines(r.stdout);
  for (const name of ["debug", "info", "warn", "error"]) {
    for (const bad of ["nil", "table", "boolean"]) {
      assert.ok(out.includes(`${name}\t${bad}\tfalse\tlog.${name}: first argument must be a string`), `${name} ${bad}\n${r.stdout}`);
    }
  }
});

test("log.debug (a superset over the reference) shows only at debug level: -v, RUST_LOG=debug or lua=debug", () => {
  const src = `log.debug("d") log.debug(7, "ignored") log.info("i")`;
  const shown = (args: string[], env: Record<string, string> = {}) =>
    lines(runLua(src, args, env).stderr).map((l) => l.replace(new RegExp(`^${STAMP} +`), ""))
      .filter((l) => !l.startsWith("DEBUG starting assay"));
  assert.deepEqual(shown([]), ["INFO i"], "hidden at the default info level");
  assert.deepEqual(shown([], { RUST_LOG: "warn" }), []);
  assert.deepEqual(shown(["-v"]), ["DEBUG d", "DEBUG 7", "INFO i"]);
  assert.deepEqual(shown([], { RUST_LOG: "debug" }), ["DEBUG d", "DEBUG 7", "INFO i"]);
  assert.deepEqual(shown([], { RUST_LOG: "info,lua=debug" }), ["DEBUG d", "DEBUG 7", "INFO i"]);
  assert.deepEqual(shown([], { RUST_LOG: "debug,lua=info" }), ["INFO i"], "the lua target decides");
  const json = runLua(src, ["-v", "--log-format", "json"]);
  const records = lines(json.stderr).map((l) => JSON.parse(l)).filter((r) => r.target === "lua");
  assert.deepEqual(records.map(({ time: _, ...rest }) => rest), [
    { level: "DEBUG", target: "lua", message: "d" },
    { level: "DEBUG", target: "lua", message: "7" },
    { level: "INFO", target: "lua", message: "i" },
  ]);
  const pure = runLua(`log.debug("in pure")`, ["--sandbox=pure", "-v"]);
  assert.equal(pure.code, 0, pure.stderr);
  assert.match(pure.stderr, /DEBUG in pure/);
});

// ---- async: runtime log lines and the exit rule ---------------------------------------------

test("an unawaited task failure logs ERROR 'async task failed: <error>' and leaves the exit code 0", () => {
  const r = runLua(`
    async.spawn(function() error("background boom") end)
    async.spawn(function() error(setmetatable({}, { __tostring = function() return "custom object" end })) end)
    local ok = async.spawn(function() return 1 end) -- succeeds, never awaited: silent
    local awaited = async.spawn(function() sleep(0.01) error("awaited boom") end)
    print(pcall(awaited.await))
    sleep(0.02)
    print("main done")
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^false\tscript\.lua:5: awaited boom\nmain done\n$/);
  const got = lines(r.stderr);
  assert.equal(got.length, 2, r.stderr);
  assert.match(got[0], new RegExp(`^${STAMP} ERROR async task failed: script\\.lua:2: background boom$`));
  assert.match(got[1], new RegExp(`^${STAMP} ERROR async task failed: custom object$`));
});

test("an unawaited task failure in JSON format has target assay", () => {
  const r = runLua(`async.spawn(function() error("bg", 0) end) sleep(0.01)`, ["--log-format=json"]);
  assert.equal(r.code, 0, r.stderr);
  const [rec, ...rest] = lines(r.stderr).map((l) => JSON.parse(l));
  assert.equal(rest.length, 0);
  assert.equal(rec.level, "ERROR");
  assert.equal(rec.target, "assay");
  assert.equal(rec.message, "async task failed: bg");
});

test("an interval callback error logs ERROR and stops the interval; the script goes on", () => {
  const r = runLua(`
    local calls = 0
    async.spawn_interval(0.01, function() calls = calls + 1 error("tick failed") end)
    sleep(0.08)
    print(calls)
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "1\n");
  const got = lines(r.stderr);
  assert.equal(got.length, 1, r.stderr);
  assert.match(got[0], new RegExp(`^${STAMP} ERROR async\\.spawn_interval: callback error: script\\.lua:3: tick failed$`));
});

test("the process exits 0 promptly when the main chunk returns, abandoning tasks and intervals", () => {
  const r = runLua(`
    async.spawn_interval(0.01, function() io.write("tick ") end)
    async.spawn(function() sleep(3600) print("never") end)
    async.spawn_interval(3600, function() end)
    sleep(0.035)
    io.write("end")
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^(tick ){2,4}end$/);
  assert.equal(r.stderr, "");
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test("a task spawned just before the main chunk returns never runs", () => {
  const r = runLua(`async.spawn(function() print("ran") end) print("main")`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "main\n");
});

test("an uncaught assertion failure exits 1 with the ERROR line and a traceback", () => {
  const r = runLua(`local x = 1\nassert.eq(x, 2, "x should be 2")\nprint("unreachable")`);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, new RegExp(`^${STAMP} ERROR script\\.lua:2: assert\\.eq failed: "1" != "2" - x should be 2\\nstack traceback:`));
});

test("a failed awaited task raised in the main chunk exits 1", () => {
  const r = runLua(`local h = async.spawn(function() error("inner") end)\nh:await()`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^${STAMP} ERROR script\\.lua:1: inner\\n`));
  assert.doesNotMatch(r.stderr, /async task failed/);
});

// ---- profiles ---------------------------------------------------------------------------------

const PRESENCE = `print(type(env), type(log), type(assert), type(async), type(sleep), type(time))`;

test("profiles: which core builtins each installs", () => {
  const expect = {
    full: "table\ttable\tfunction\ttable\tfunction\tfunction\n",
    restricted: "table\ttable\tfunction\ttable\tfunction\tfunction\n",
    pure: "nil\ttable\tfunction\tnil\tnil\tfunction\n",
  };
  for (const [profile, out] of Object.entries(expect)) {
    const r = runLua(PRESENCE, ["--sandbox", profile]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, out, profile);
  }
});

test("profiles: log and assert work in pure", () => {
  const r = runLua(`log.warn("pure log") assert.eq({1, {a = 2}}, {1, {a = 2}}) print(assert(1))`, ["--sandbox=pure"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "1\n");
  assert.match(r.stderr, new RegExp(`^${STAMP}  WARN pure log\\n$`));
});

test("restricted: env reads are allowed, env.set is denied with the standard error", () => {
  const r = runLua(`
    print(env.get("ASSAY_PROFILE_VAR"))
    local found
    for _, e in ipairs(env.list()) do if e.key == "ASSAY_PROFILE_VAR" then found = e.value end end
    print(found)
    print(pcall(env.set, "ASSAY_PROFILE_VAR", "new"))
    print(pcall(env.set, "OTHER", nil))
    print(env.get("ASSAY_PROFILE_VAR"))
    local h = async.spawn(function() sleep(0.001) return "async ok" end)
    print(h:await()[1])
  `, ["--sandbox", "restricted"], { ASSAY_PROFILE_VAR: "visible" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "visible\nvisible\n" +
      `false\tenv.set: env write access to "ASSAY_PROFILE_VAR" denied by sandbox profile "restricted" (grant with --allow-env=ASSAY_PROFILE_VAR)\n` +
      `false\tenv.set: env write access to "OTHER" denied by sandbox profile "restricted" (grant with --allow-env=OTHER)\n` +
      "visible\nasync ok\n",
  );
});

test("restricted --allow-env=NAME grants env.set of that name only", () => {
  const r = runLua(`
    env.set("ASSAY_GRANTED", "yes") print(env.get("ASSAY_GRANTED"))
    print(pcall(env.set, "ASSAY_OTHER", "no"))
  `, ["--sandbox=restricted", "--allow-env=ASSAY_GRANTED"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `yes\nfalse\tenv.set: env write access to "ASSAY_OTHER" denied by sandbox profile "restricted" (grant with --allow-env=ASSAY_OTHER)\n`,
  );
});

test("--deny-env denies env.get of that name and hides it from env.list", () => {
  const r = runLua(`
    print(pcall(env.get, "ASSAY_SECRET"))
    print(env.get("ASSAY_PUBLIC"))
    local keys = {}
    for _, e in ipairs(env.list()) do keys[e.key] = true end
    print(keys.ASSAY_SECRET, keys.ASSAY_PUBLIC)
    print(pcall(env.set, "ASSAY_SECRET", "x"))
  `, ["--deny-env=ASSAY_SECRET"], { ASSAY_SECRET: "s3cr3t", ASSAY_PUBLIC: "pub" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `false\tenv.get: env access to "ASSAY_SECRET" denied by --deny-env=ASSAY_SECRET\n` +
      "pub\nnil\ttrue\n" +
      `false\tenv.set: env write access to "ASSAY_SECRET" denied by --deny-env=ASSAY_SECRET\n`,
  );
});

test("pure --allow-env=NAME installs env with only that name readable", () => {
  const r = runLua(`
    print(env.get("ASSAY_PURE_OK"))
    print(pcall(env.get, "ASSAY_PURE_NO"))
    local keys = {}
    for _, e in ipairs(env.list()) do keys[#keys + 1] = e.key end
    print(table.concat(keys, ","))
  `, ["--sandbox=pure", "--allow-env=ASSAY_PURE_OK"], { ASSAY_PURE_OK: "ok", ASSAY_PURE_NO: "no" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `ok\nfalse\tenv.get: env access to "ASSAY_PURE_NO" denied by sandbox profile "pure" (grant with --allow-env=ASSAY_PURE_NO)\n` +
      "ASSAY_PURE_OK\n",
  );
});

// ---- lazily loaded libraries --------------------------------------------------------------

// Each of these loads its library on its first call (loader/lazy.ts). That load must not need
// to yield, or the first call fails where Lua cannot yield; so each is first called inside a
// table.sort comparator, in a run of its own (a second call would find the library loaded).
const FIRST_CALLS: Record<string, [string, string]> = {
  yaml: [`yaml.parse("a: [1, 2]").a[2]`, "2"],
  toml: [`toml.parse("a = 3").a`, "3"],
  regex: [`regex.replace("ab", "(?P<x>b)", "[$x]")`, "a[b]"],
  markdown: [`markdown.to_html("~~x~~")`, "<p><del>x</del></p>\n"],
  template: [`template.render_string("{{ n * 2 }}", { n = 21 })`, "42"],
  "crypto jwt": [`crypto.jwt_decode(crypto.jwt_sign({ s = 1 }, "k", "HS256")).claims.s`, "1"],
  "crypto jwt_verify": [`crypto.jwt_verify(crypto.jwt_sign({ s = 2 }, "k", "HS256"), "k").claims.s`, "2"],
};

for (const [name, [expr, expected]] of Object.entries(FIRST_CALLS)) {
  test(`lazy: the first call of ${name} works inside a table.sort comparator`, () => {
    const r = runLua(`local got
table.sort({ 2, 1 }, function(a, b)
  got = got or ${expr}
  return a < b
end)
io.write(tostring(got))`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected);
  });
}
