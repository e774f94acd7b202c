/**
 * Sandbox profiles and capability flags end to end (README section 0 items 5, 9 and 15),
 * through the built binary: which globals each profile leaves, what the Lua standard library
 * may touch, the denial messages, symlinks, new files, commands and deny lists.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LUA_ERR as ERR, runAssay, tempDir } from "./helpers.ts";

/** A scratch tree: allowed/{data.txt, link-out -> outside}, outside/{secret.txt, link-in -> allowed/data.txt}. */
function tree() {
  const root = realpathSync(tempDir());
  const allowed = join(root, "allowed");
  const outside = join(root, "outside");
  mkdirSync(allowed);
  mkdirSync(outside);
  writeFileSync(join(allowed, "data.txt"), "allowed data\n");
  writeFileSync(join(outside, "secret.txt"), "secret\n");
  symlinkSync(outside, join(allowed, "link-out"));
  symlinkSync(join(allowed, "data.txt"), join(outside, "link-in"));
  return { root, allowed, outside };
}

/** Runs Lua code as a script file `t.lua` in `dir` (a fresh one by default). */
function lua(flags: string[], code: string, options: { dir?: string; env?: Record<string, string>; input?: string } = {}) {
  const dir = options.dir ?? tempDir();
  writeFileSync(join(dir, "t.lua"), code);
  return runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined, ...options.env }, input: options.input });
}

/** Runs code that must exit 0; returns stdout. */
function pass(flags: string[], code: string, options: Parameters<typeof lua>[2] = {}): string {
  const r = lua(flags, code, options);
  assert.equal(r.code, 0, `assay ${flags.join(" ")} exited ${r.code}\n--- code\n${code}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}


const q = (s: string) => JSON.stringify(s);

// ---- which globals each profile leaves --------------------------------------------------

test("full: the whole standard library, debug and string.dump included", () => {
  pass([], `assert(io.open and io.popen and os.execute and os.remove and os.getenv and os.exit)
assert(debug and debug.traceback and string.dump and load and loadfile and dofile and require)`);
  pass(["--sandbox=full"], `assert(debug and string.dump)`);
});

test("restricted: debug and string.dump are nil; io, os, load, dofile exist", () => {
  pass(["--sandbox=restricted"], `assert(debug == nil, "debug")
assert(string.dump == nil, "string.dump")
assert(io and io.open and io.write and io.read and os and os.time and os.getenv)
assert(load and loadfile and dofile and require and print)`);
});

test("pure: no env, sleep, async, os.getenv; os.time/clock/date/difftime stay", () => {
  pass(["--sandbox=pure"], `assert(env == nil, "env") assert(sleep == nil, "sleep") assert(async == nil, "async")
assert(debug == nil and string.dump == nil)
assert(os.getenv == nil, "os.getenv")
assert(type(os.time()) == "number" and type(os.clock()) == "number" and os.date("!%Y", 0) == "1970")
assert(os.difftime(2, 1) == 1.0)
assert(string.format and table.concat and math.floor and utf8.char)`);
});

test("touching a global the profile leaves out is an ordinary nil error", () => {
  const r = lua(["--sandbox=pure"], `env.get("HOME")`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR t\.lua:1: attempt to index a nil value \(global 'env'\)/);
});

test("print, io.write and io.read on the standard streams work in every profile", () => {
  for (const profile of ["full", "restricted", "pure"]) {
    const out = pass([`--sandbox=${profile}`], `local line = io.read("l")
print("got", line)
io.write("written\\n")
io.stdout:write("stdout\\n")
io.stderr:write("to stderr\\n")`, { input: "typed in\n" });
    assert.equal(out, "got\ttyped in\nwritten\nstdout\n", profile);
  }
});

test("binary chunks load only in full", () => {
  const dir = tempDir();
  // Produce a binary chunk in full and hand it to the restricted run as a string literal.
  const dumped = pass([], `local b = string.dump(function() return 7 end)
io.write((b:gsub(".", function(c) return ("\\\\%d"):format(c:byte()) end)))`, { dir });
  pass([], `local f = assert(load("${dumped}")) assert(f() == 7)`);
  pass(["--sandbox=restricted"], `local f, e = load("${dumped}")
assert(f == nil and e:find("attempt to load a binary chunk (mode is 't')", 1, true), e)
assert(load("return 1 + 1")() == 2, "text chunks still load")`);
  pass(["--sandbox=pure"], `assert(load("${dumped}") == nil) assert(load("return 3")() == 3)`);
});

// ---- files ------------------------------------------------------------------------------

test("restricted denies io.open with the message naming the flag that grants it", () => {
  pass(["--sandbox=restricted"], `${ERR}
local e = err(io.open, "/etc/passwd")
has(e, 'io.open: read access to "/etc/passwd" denied by sandbox profile "restricted" (grant with --allow-read=/etc/passwd)')
e = err(io.open, "/tmp/assay-new-file", "w")
has(e, 'io.open: write access to "/tmp/assay-new-file" denied by sandbox profile "restricted" (grant with --allow-write=/tmp/assay-new-file)')
e = err(io.lines, "/etc/passwd")
has(e, 'read access to "/etc/passwd" denied')
e = err(dofile, "/etc/passwd")
has(e, 'dofile: read access to "/etc/passwd" denied')
e = err(loadfile, "/etc/passwd")
has(e, 'loadfile: read access to "/etc/passwd" denied')
e = err(os.remove, "/tmp/x")
has(e, 'os.remove: write access to "/tmp/x" denied')
e = err(os.rename, "/tmp/x", "/tmp/y")
has(e, 'os.rename: write access to "/tmp/x" denied')`);
  const uncaught = lua(["--sandbox=restricted"], `io.open("/etc/passwd")`);
  assert.equal(uncaught.code, 1);
  assert.match(
    uncaught.stderr,
    /ERROR t\.lua:1: io\.open: read access to "\/etc\/passwd" denied by sandbox profile "restricted" \(grant with --allow-read=\/etc\/passwd\)/,
  );
});

test("pure denies files too, with its own profile name", () => {
  pass(["--sandbox=pure"], `${ERR}
has(err(io.open, "/etc/passwd"), 'io.open: read access to "/etc/passwd" denied by sandbox profile "pure" (grant with --allow-read=/etc/passwd)')`);
});

test("--allow-read grants a file or a tree; reading is still not writing", () => {
  const { allowed, outside } = tree();
  pass(["--sandbox=restricted", "--allow-read=/etc/passwd"], `local f = assert(io.open("/etc/passwd")) assert(f:read("l")) f:close()`);
  pass(["--sandbox=restricted", `--allow-read=${allowed}`], `${ERR}
local f = assert(io.open(${q(join(allowed, "data.txt"))}))
assert(f:read("a") == "allowed data\\n") f:close()
for line in io.lines(${q(join(allowed, "data.txt"))}) do assert(line == "allowed data") end
has(err(io.open, ${q(join(outside, "secret.txt"))}), "denied by sandbox profile")
has(err(io.open, ${q(join(allowed, "data.txt"))}, "a"), 'write access to')
-- a missing file inside the grant is an ordinary failure, not a denial
local g, msg = io.open(${q(join(allowed, "missing.txt"))})
assert(g == nil and msg:find("No such file or directory", 1, true), msg)`);
});

test("paths are checked after resolving symlinks", () => {
  const { allowed, outside } = tree();
  pass(["--sandbox=restricted", `--allow-read=${allowed}`], `${ERR}
-- a link inside the grant that leads outside is outside
has(err(io.open, ${q(join(allowed, "link-out", "secret.txt"))}), 'read access to "${join(allowed, "link-out", "secret.txt")}" denied by sandbox profile "restricted"')
-- a link outside that leads into the grant is inside
local f = assert(io.open(${q(join(outside, "link-in"))})) assert(f:read("l") == "allowed data") f:close()
-- link/.. is the parent of the link's target, as the kernel sees it
has(err(io.open, ${q(`${allowed}/link-out/../outside/secret.txt`)}), "denied")`);
  // A grant given through a symlink means the directory it points to.
  pass(["--sandbox=restricted", `--allow-read=${join(allowed, "link-out")}`], `
local f = assert(io.open(${q(join(outside, "secret.txt"))})) assert(f:read("l") == "secret") f:close()`);
});

test("--allow-write: new files are judged by their nearest existing parent", () => {
  const { allowed, outside } = tree();
  pass(["--sandbox=restricted", `--allow-write=${allowed}`, `--allow-read=${allowed}`], `${ERR}
local f = assert(io.open(${q(join(allowed, "new.txt"))}, "w")) f:write("made") f:close()
f = assert(io.open(${q(join(allowed, "new.txt"))})) assert(f:read("a") == "made") f:close()
assert(os.rename(${q(join(allowed, "new.txt"))}, ${q(join(allowed, "renamed.txt"))}))
assert(os.remove(${q(join(allowed, "renamed.txt"))}))
-- through a link that leads outside: denied even though the file does not exist yet
has(err(io.open, ${q(join(allowed, "link-out", "planted.txt"))}, "w"), 'write access to "${join(allowed, "link-out", "planted.txt")}" denied')
-- a missing directory inside the grant: an ordinary open failure
local g, msg = io.open(${q(join(allowed, "no", "such", "dir.txt"))}, "w")
assert(g == nil and msg:find("No such file or directory", 1, true), msg)`);
  const planted = lua(["--sandbox=full"], `local f = io.open(${q(join(outside, "planted.txt"))}) assert(f == nil)`);
  assert.equal(planted.code, 0, "nothing was written outside the grant");
});

test("deny wins over the profile and over allow", () => {
  const { allowed } = tree();
  pass([`--deny-read=${allowed}`], `${ERR}
has(err(io.open, ${q(join(allowed, "data.txt"))}), 'io.open: read access to "${join(allowed, "data.txt")}" denied by --deny-read=${allowed}')
local f = assert(io.open("/etc/passwd")) f:close()`);
  pass(["--sandbox=restricted", `--allow-read=${allowed}`, `--deny-read=${join(allowed, "data.txt")}`], `${ERR}
has(err(io.open, ${q(join(allowed, "data.txt"))}), "denied by --deny-read")`);
  pass(["--deny-write"], `${ERR}
has(err(io.open, "/tmp/assay-deny-write-test", "w"), 'write access to "/tmp/assay-deny-write-test" denied by --deny-write')
local f = assert(io.open("/etc/passwd")) f:close()`);
});

// ---- modules ----------------------------------------------------------------------------

test("restricted require reaches the script's own directory but not the current one", () => {
  const scriptDir = tempDir();
  const cwd = tempDir();
  writeFileSync(join(scriptDir, "helper.lua"), "return { value = 42 }");
  writeFileSync(join(cwd, "elsewhere.lua"), "return { value = 1 }");
  writeFileSync(join(scriptDir, "t.lua"), `assert(require("helper").value == 42)
local ok, e = pcall(require, "elsewhere")
assert(not ok, "a module from the working directory must not load in restricted")
print("ok")`);
  const r = runAssay(["--sandbox=restricted", join(scriptDir, "t.lua")], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "ok\n");
  const full = runAssay([join(scriptDir, "t.lua")], { cwd });
  assert.equal(full.code, 1, "in full, ./elsewhere.lua is found");
});

// ---- environment ------------------------------------------------------------------------

test("restricted reads the environment but may not change it", () => {
  pass(["--sandbox=restricted"], `${ERR}
assert(os.getenv("ASSAY_SANDBOX_T") == "visible")
assert(env.get("ASSAY_SANDBOX_T") == "visible")
assert(type(env.list()) == "table")
has(err(env.set, "ASSAY_SANDBOX_T", "x"), 'env.set: env write access to "ASSAY_SANDBOX_T" denied by sandbox profile "restricted" (grant with --allow-env=ASSAY_SANDBOX_T)')`, { env: { ASSAY_SANDBOX_T: "visible" } });
  pass(["--sandbox=restricted", "--allow-env=ASSAY_SANDBOX_T"], `env.set("ASSAY_SANDBOX_T", "changed") assert(env.get("ASSAY_SANDBOX_T") == "changed")`);
});

test("--deny-env hides variables from os.getenv and env.get with a denial", () => {
  pass(["--deny-env=ASSAY_SECRET_T"], `${ERR}
has(err(os.getenv, "ASSAY_SECRET_T"), 'os.getenv: env access to "ASSAY_SECRET_T" denied by --deny-env=ASSAY_SECRET_T')
has(err(env.get, "ASSAY_SECRET_T"), 'env access to "ASSAY_SECRET_T" denied by --deny-env')
assert(os.getenv("ASSAY_OTHER_T") == "fine")`, { env: { ASSAY_SECRET_T: "s", ASSAY_OTHER_T: "fine" } });
});

test("--allow-env on pure installs env for the granted names only", () => {
  pass(["--sandbox=pure", "--allow-env=ASSAY_GRANTED_T"], `${ERR}
assert(env, "env is installed by the flag")
assert(env.get("ASSAY_GRANTED_T") == "yes")
has(err(env.get, "HOME"), 'env access to "HOME" denied by sandbox profile "pure" (grant with --allow-env=HOME)')`, { env: { ASSAY_GRANTED_T: "yes" } });
});

// ---- processes --------------------------------------------------------------------------

test("restricted denies commands; --allow-run=CMD admits that first word", () => {
  pass(["--sandbox=restricted"], `${ERR}
has(err(os.execute, "echo hi"), 'os.execute: run access to "echo hi" denied by sandbox profile "restricted" (grant with --allow-run=echo)')
has(err(io.popen, "echo hi"), 'io.popen: run access to "echo hi" denied by sandbox profile "restricted" (grant with --allow-run=echo)')`);
  const out = pass(["--sandbox=restricted", "--allow-run=echo"], `${ERR}
assert(os.execute("echo from-execute") == true)
local p = assert(io.popen("echo from-popen")) assert(p:read("l") == "from-popen") p:close()
has(err(os.execute, "printf x"), "(grant with --allow-run=printf)")`);
  assert.equal(out, "from-execute\n");
});

test("shell metacharacters also need --allow-run=sh", () => {
  pass(["--sandbox=restricted", "--allow-run=echo"], `${ERR}
for _, cmd in ipairs({ "echo a; echo b", "echo a | cat", "echo a && echo b", "echo $HOME", "echo \`id\`", "echo a > /dev/null", "echo a\\necho b" }) do
  has(err(os.execute, cmd), "(grant with --allow-run=sh)")
end`);
  const out = pass(["--sandbox=restricted", "--allow-run=echo,sh"], `assert(os.execute("echo a; echo b"))`);
  assert.equal(out, "a\nb\n");
});

test("--deny-run holds against shells and wrappers in full", () => {
  pass(["--deny-run=rm"], `${ERR}
has(err(os.execute, "rm -f /tmp/assay-nothing"), 'run access to "rm -f /tmp/assay-nothing" denied by --deny-run=rm')
has(err(os.execute, "true; rm -f /tmp/assay-nothing"), "denied by --deny-run=rm")
has(err(io.popen, "env rm -f /tmp/assay-nothing"), "denied by --deny-run=rm")
assert(os.execute("true"))`);
});
