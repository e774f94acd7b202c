/**
 * The command line as a user meets it (cli.md, README section 0 items 3 and 15), through the
 * built binary: invocation forms, arguments, help and version, usage errors, error reports,
 * logging, timeouts and the memory limit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { assayCommand, ROOT, runAssay, tempDir } from "./helpers.ts";
import "../builtins/index.ts";
import { builtins as registered } from "../loader/plugin.ts";
import { builtinsTable } from "../loader/docs/readme-table.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const FROM_SOURCE = process.env.ASSAY_FROM_SOURCE === "deno";
const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z`;

/** A scratch directory holding the given files; scripts run with it as the working directory. */
function project(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function run(args: string[], files: Record<string, string | Uint8Array> = {}, env: Record<string, string> = {}, input?: string) {
  return runAssay(args, { cwd: project(files), env: { RUST_LOG: undefined, NO_COLOR: "1", ...env }, input });
}

// ---- invocation forms and arguments -------------------------------------------------------

const SHOW_ARGS = `print(select("#", ...), ...)
print(arg[0], #arg, table.concat(arg, ",", 1, #arg))`;

test("assay file.lua a b: arg and ... as in lua", () => {
  const r = run(["show.lua", "a", "b c"], { "show.lua": SHOW_ARGS });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "2\ta\tb c\nshow.lua\t2\ta,b c\n");
  assert.equal(r.stderr, "", "a plain successful run writes nothing of the runtime's own to stderr");
});

test("arg[-1] is the binary's own path", { skip: FROM_SOURCE }, () => {
  const r = run(["exe.lua"], { "exe.lua": "print(arg[-1])" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(realpathSync(r.stdout.trim()), realpathSync(resolve(ROOT, assayCommand()[0])));
});

test("assay run file.lua -- a b passes everything after -- (dashes included)", () => {
  const r = run(["run", "show.lua", "--", "-v", "--x", "b"], { "show.lua": SHOW_ARGS });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "3\t-v\t--x\tb\nshow.lua\t3\t-v,--x,b\n");
  const bare = run(["run", "show.lua", "a"], { "show.lua": SHOW_ARGS });
  assert.equal(bare.stdout, "1\ta\nshow.lua\t1\ta\n");
});

test("flags count only before the script: assay -v x.lua -v passes -v to the script", () => {
  const r = run(["-v", "show.lua", "-v", "--sandbox=nope", "--bogus"], { "show.lua": SHOW_ARGS });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "3\t-v\t--sandbox=nope\t--bogus\nshow.lua\t3\t-v,--sandbox=nope,--bogus\n");
  assert.match(r.stderr, /DEBUG starting assay \(script mode\) script=show\.lua/);
});

test("global flags may also stand between run/exec and the file; -- ends the flags", () => {
  const r = run(["run", "-v", "show.lua", "x"], { "show.lua": SHOW_ARGS });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "1\tx\nshow.lua\t1\tx\n");
  assert.match(r.stderr, /DEBUG starting assay \(script mode\)/);
  const dash = run(["--", "-odd.lua", "y"], { "-odd.lua": SHOW_ARGS });
  assert.equal(dash.code, 0, dash.stderr);
  assert.equal(dash.stdout, "1\ty\n-odd.lua\t1\ty\n");
});

test("exec -e CODE a b: inline code with arguments, chunk name <eval>", () => {
  const r = run(["exec", "-e", SHOW_ARGS, "a", "b"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "2\ta\tb\n<eval>\t2\ta,b\n");
  const long = run(["exec", "--eval", "print(...)", "z"]);
  assert.equal(long.stdout, "z\n");
  const inline = run(["exec", "--eval=print('inline')"]);
  assert.equal(inline.stdout, "inline\n");
  const err = run(["exec", "-e", "local x = 1\nerror('bad eval')"]);
  assert.equal(err.code, 1);
  assert.match(err.stderr, new RegExp(`^${STAMP} ERROR <eval>:2: bad eval$`, "m"));
  const verbose = run(["-v", "exec", "-e", "print(1)"]);
  assert.match(verbose.stderr, /DEBUG starting assay \(inline eval mode\) script=<eval>/);
});

test("exec FILE runs any extension as Lua", () => {
  const r = run(["exec", "job.txt", "q"], { "job.txt": SHOW_ARGS });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "1\tq\njob.txt\t1\tq\n");
  const noext = run(["exec", "job"], { job: "print('no extension')" });
  assert.equal(noext.stdout, "no extension\n");
});

test("exec with neither -e nor a file: exit 1", () => {
  const r = run(["exec"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exec requires either -e <code> or a file path/);
});

test("assay - reads the script from standard input", () => {
  const r = run(["-", "a"], {}, {}, "print('from stdin', ...)\n");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "from stdin\ta\n");
});

test("source loading: BOM skipped, a first # line skipped with its line counted", () => {
  const bom = run(["bom.lua"], { "bom.lua": new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("print('bom ok')")]) });
  assert.equal(bom.stdout, "bom ok\n", bom.stderr);
  const hash = run(["hash.lua"], { "hash.lua": "# not lua at all\nprint('x')\nerror('line three')\n" });
  assert.equal(hash.stdout, "x\n");
  assert.match(hash.stderr, /ERROR hash\.lua:3: line three/);
  const only = run(["only.lua"], { "only.lua": "#!/usr/bin/env assay" });
  assert.equal(only.code, 0, only.stderr);
  assert.equal(only.stdout, "");
});

test("shebang scripts run directly from PATH; error lines count the shebang line", { skip: FROM_SOURCE }, () => {
  const bin = tempDir();
  symlinkSync(resolve(ROOT, assayCommand()[0]), join(bin, "assay"));
  const dir = project({});
  const script = join(dir, "tool");
  writeFileSync(script, "#!/usr/bin/env assay\nprint('tool', ...)\nif ... == 'fail' then error('failed here') end\n");
  chmodSync(script, 0o755);
  const env = { PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1", RUST_LOG: undefined };
  const spawn = (args: string[]) => {
    // Run the script itself, not assay: the kernel reads the shebang.
    const r = spawnSync(script, args, { cwd: dir, env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const ok = spawn(["x"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "tool\tx\n");
  assert.equal(ok.stderr, "", "shebang tools stay quiet");
  const bad = spawn(["fail"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`^${STAMP} ERROR ${script.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: failed here$`, "m"));
});

test("the binary does not read .env or bunfig.toml from the working directory", () => {
  const r = run(["env.lua"], {
    "env.lua": "print(os.getenv('ASSAY_DOTENV_PROBE'))",
    ".env": "ASSAY_DOTENV_PROBE=leaked\n",
    "bunfig.toml": "preload = [\"./nonexistent-preload.ts\"]\n",
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "nil\n");
});

// ---- help, version, usage errors ---------------------------------------------------------

// A binary built from a git checkout adds the commit as semver build metadata (loader/version.ts):
// `assay 0.1.0+abc1234`, still `assay <version>`. Its exact commit is checked by
// tests/release.test.ts; the binary tested here may predate the last commit.
test("--version and -V print assay <package version>, plus +<commit> in a build from a git checkout", () => {
  const stamped = !FROM_SOURCE && spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT }).status === 0;
  const escaped = VERSION.replace(/\./g, "\\.");
  for (const flag of ["--version", "-V"]) {
    const r = run([flag]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^assay ${escaped}${stamped ? String.raw`\+[0-9a-f]{7,}(\.dirty)?` : ""}\n$`));
  }
});

test("--help and -h list the subcommands and exit 0; each subcommand takes --help", () => {
  for (const args of [["--help"], ["-h"], ["run", "--help"], ["exec", "--help"], ["modules", "--help"], ["context", "--help"], ["types", "--help"]]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(" "));
    for (const sub of ["context", "exec", "modules", "run"]) assert.match(r.stdout, new RegExp(`\\b${sub}\\b`), `${args}: ${sub}`);
    assert.equal(r.stderr, "");
  }
});

/** Lua 5.4's own globals (and `arg`): everything else a full run has is a builtin of assay. */
const LUA_GLOBALS = `_G _VERSION arg assert collectgarbage coroutine debug dofile error getmetatable io ipairs load
  loadfile math next os package pairs pcall print rawequal rawget rawlen rawset require select setmetatable string
  table tonumber tostring type utf8 warn xpcall`.split(/\s+/);

test("--help, README and docs/sandbox.md name exactly the builtins there are; the README's table is the generated one", () => {
  const globals = run(["exec", "-e", "for k in pairs(_G) do print(k) end"]).stdout.split("\n").filter(Boolean);
  const builtins = [...globals.filter((g) => !LUA_GLOBALS.includes(g)), "assert"].sort();
  const names = (text: string) => [...text.matchAll(/[a-z0-9_]+/g)].map((m) => m[0]).sort();
  const help = run(["--help"]).stdout;
  assert.deepEqual(names(/^Builtin globals: ([^(]*)\(/ms.exec(help)![1]), builtins, help);
  assert.doesNotMatch(help, /not yet available/);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const table = readme.split("\n## Builtins\n")[1].split("\n## ")[0];
  // Generated from the declarations (run scripts/readme-builtins.ts after changing one).
  assert.ok(table.includes(builtinsTable(registered())), "README's builtins table differs from the declarations: run scripts/readme-builtins.ts");
  const rows = table.split("\n").filter((l) => l.startsWith("| `")).map((l) => l.split("|")[1]);
  // Its rows: every global, and os, whose additions to Lua's table have a row of their own.
  assert.deepEqual(names(rows.join(" ")), [...builtins, "os"].sort());
  const sandbox = readFileSync(join(ROOT, "docs", "sandbox.md"), "utf8");
  assert.deepEqual(names(/^\| builtins \| all: ([^|]*)\|/m.exec(sandbox)![1]), builtins);
});

test("no arguments: the help on stdout followed by a blank line, exit 1", () => {
  const help = run(["--help"]).stdout;
  const r = run([]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, help + "\n");
  assert.ok(r.stdout.endsWith("\n\n"));
});

test("unsupported extension: exit 1 naming the quoted extension and assay exec as the way out", () => {
  const txt = run(["notes.txt"], { "notes.txt": "print(1)" });
  assert.equal(txt.code, 1);
  assert.equal(txt.stderr, 'assay: unsupported file extension "txt" (expected .yaml, .yml, or .lua; to run it as Lua anyway: assay exec notes.txt)\n');
  assert.equal(txt.stdout, "");
  // An extensionless tool without an assay shebang: the suggested command does run it.
  const none = run(["deploy"], { deploy: "print('deployed')" });
  assert.equal(none.code, 1);
  assert.equal(none.stderr, 'assay: unsupported file extension "" (expected .yaml, .yml, or .lua; to run it as Lua anyway: assay exec deploy)\n');
  assert.equal(run(["exec", "deploy"], { deploy: "print('deployed')" }).stdout, "deployed\n");
  // The suggestion is a command that can be pasted: quoted for the shell, no leading dash.
  assert.match(run(["my tool"], { "my tool": "" }).stderr, /; to run it as Lua anyway: assay exec 'my tool'\)$/m);
  assert.match(run(["--", "-x"], { "-x": "" }).stderr, /; to run it as Lua anyway: assay exec \.\/-x\)$/m);
  const viaRun = run(["run", "x.sh"]);
  assert.equal(viaRun.code, 1);
  assert.match(viaRun.stderr, /unsupported file extension "sh"/);
});

test("usage errors exit 2 with a message on stderr", () => {
  const cases: [string[], RegExp][] = [
    [["--bogus", "x.lua"], /unknown flag --bogus/],
    [["--allow-everything", "x.lua"], /unknown flag --allow-everything/],
    [["--sandbox=nope", "x.lua"], /unknown sandbox profile "nope"/],
    [["--sandbox", "x.lua"], /unknown sandbox profile "x\.lua"/],
    [["--sandbox"], /--sandbox needs a value/],
    [["--memory-limit=abc", "x.lua"], /invalid --memory-limit "abc"/],
    [["--memory-limit=0", "x.lua"], /invalid --memory-limit "0"/],
    [["--memory-limit=12X", "x.lua"], /invalid --memory-limit "12X"/],
    [["--timeout=soon", "x.lua"], /invalid --timeout "soon"/],
    [["--timeout=0", "x.lua"], /invalid --timeout "0"/],
    [["--log-format=xml", "x.lua"], /invalid --log-format "xml"/],
    [["-v=1", "x.lua"], /-v takes no value/],
    [["run"], /run requires a file/],
    [["exec", "-e"], /-e needs a value/],
    [["modules", "extra"], /unexpected argument "extra" for modules/],
    [["context"], /context requires a query/],
    [["context", "--bogus", "http"], /unknown flag --bogus for context/],
    [["types", "a", "b"], /unexpected argument "b" for types/],
  ];
  for (const [args, message] of cases) {
    const r = run(args, { "x.lua": "print('must not run')" });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
});

test("an unreadable script: assay: reading <path>: <why>, exit 1", () => {
  const missing = run(["missing.lua"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "assay: reading missing.lua: No such file or directory\n");
  const dir = project({});
  mkdirSync(join(dir, "folder.lua"));
  const isDir = runAssay(["folder.lua"], { cwd: dir });
  assert.equal(isDir.code, 1);
  assert.equal(isDir.stderr, "assay: reading folder.lua: Is a directory\n");
  const viaExec = run(["exec", "gone.txt"]);
  assert.equal(viaExec.stderr, "assay: reading gone.txt: No such file or directory\n");
});

// ---- errors and exit codes ---------------------------------------------------------------

test("an uncaught error: one ERROR line file:line: msg, then the traceback, exit 1", () => {
  const r = run(["boom.lua"], { "boom.lua": "local function f()\n  error('boom')\nend\nprint('before')\nf()\n" });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "before\n", "stdout is flushed before the report");
  const lines = r.stderr.split("\n");
  assert.match(lines[0], new RegExp(`^${STAMP} ERROR boom\\.lua:2: boom$`));
  assert.equal(lines[1], "stack traceback:");
  assert.match(r.stderr, /boom\.lua:2: in (local|function) 'f'/);
  assert.match(r.stderr, /boom\.lua:5: in main chunk/);
  assert.equal(r.stderr.match(/ERROR/g)?.length, 1);
});

test("error objects that are tables", () => {
  const plain = run(["t.lua"], { "t.lua": "error({ code = 7 })" });
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, new RegExp(`^${STAMP} ERROR \\(error object is a table value\\)$`, "m"));
  const named = run(["t.lua"], { "t.lua": "error(setmetatable({}, { __tostring = function() return 'custom failure' end }))" });
  assert.equal(named.code, 1);
  assert.match(named.stderr, new RegExp(`^${STAMP} ERROR custom failure$`, "m"));
  const nilErr = run(["n.lua"], { "n.lua": "error()" });
  assert.equal(nilErr.code, 1);
  assert.match(nilErr.stderr, /ERROR \(error object is a nil value\)/);
});

test("a syntax error: the ERROR line with the parser's message, exit 1", () => {
  const r = run(["bad.lua"], { "bad.lua": "print('fine')\nlocal x = = 1\n" });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, new RegExp(`^${STAMP} ERROR bad\\.lua:2: unexpected symbol near '='$`, "m"));
});

test("os.exit(n) exits with n after flushing stdout", () => {
  const r = run(["x.lua"], { "x.lua": "io.write('partial line') os.exit(3)" });
  assert.equal(r.code, 3);
  assert.equal(r.stdout, "partial line");
  const t = run(["x.lua"], { "x.lua": "io.write('ok') os.exit(true)" });
  assert.equal(t.code, 0);
  const f = run(["x.lua"], { "x.lua": "os.exit(false)" });
  assert.equal(f.code, 1);
});

// ---- logging -----------------------------------------------------------------------------

test("-v shows the DEBUG start line; RUST_LOG=debug too; a plain run is quiet", () => {
  const files = { "q.lua": "print('quiet')" };
  const verbose = run(["-v", "q.lua"], files);
  assert.match(verbose.stderr, new RegExp(`^${STAMP} DEBUG starting assay \\(script mode\\) script=q\\.lua$`, "m"));
  assert.equal(verbose.stdout, "quiet\n");
  const viaEnv = run(["q.lua"], files, { RUST_LOG: "debug" });
  assert.match(viaEnv.stderr, /DEBUG starting assay \(script mode\)/);
  const plain = run(["q.lua"], files);
  assert.equal(plain.stderr, "");
  const errorsOnly = run(["-v", "q.lua"], files, { RUST_LOG: "error" });
  assert.match(errorsOnly.stderr, /DEBUG starting assay/, "-v wins over RUST_LOG");
});

test("--log-format json: one JSON object per line with time, level, target, message", () => {
  const r = run(["--log-format", "json", "-v", "e.lua"], { "e.lua": "error('as json')" });
  assert.equal(r.code, 1);
  const records = r.stderr.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(records.length, 2);
  assert.deepEqual({ ...records[0], time: undefined }, {
    time: undefined,
    level: "DEBUG",
    target: "assay",
    message: "starting assay (script mode)",
    script: "e.lua",
  });
  assert.match(records[0].time, new RegExp(`^${STAMP}$`));
  assert.equal(records[1].level, "ERROR");
  assert.equal(records[1].message, "e.lua:1: as json");
  assert.match(records[1].traceback, /^stack traceback:/);
  const eq = run(["--log-format=json", "e.lua"], { "e.lua": "error('x')" });
  assert.equal(JSON.parse(eq.stderr.trim()).message, "e.lua:1: x");
});

test("--log-format json also turns the runtime's own failures after the flags into JSON records", () => {
  const record = (args: string[], files: Record<string, string> = {}) => {
    const r = run(["--log-format=json", ...args], files);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split("\n").filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    const { time, ...rest } = JSON.parse(lines[0]);
    assert.match(time, new RegExp(`^${STAMP}$`));
    return rest;
  };
  const error = (message: string) => ({ level: "ERROR", target: "assay", message });
  assert.deepEqual(record(["missing.lua"]), error("reading missing.lua: No such file or directory"));
  assert.deepEqual(record(["exec", "gone.txt"]), error("reading gone.txt: No such file or directory"));
  assert.deepEqual(
    record(["notes.txt"], { "notes.txt": "" }),
    error('unsupported file extension "txt" (expected .yaml, .yml, or .lua; to run it as Lua anyway: assay exec notes.txt)'),
  );
  assert.deepEqual(
    record(["checks.yaml"]),
    error("loading config from checks.yaml: reading config file: No such file or directory (os error 2)"),
  );
  assert.deepEqual(
    record(["types"], { ".luarc.json": "[]" }),
    error('types: cannot merge into .luarc.json: it is not a JSON object; add ".assay/types" to its "workspace.library" yourself'),
  );
  // Filters do not hide the reason a run ended.
  assert.deepEqual(JSON.parse(run(["--log-format=json", "missing.lua"], {}, { RUST_LOG: "off" }).stderr).level, "ERROR");
  // Before the flags are parsed there is no format yet: usage errors stay plain text.
  const usage = run(["--log-format=json", "--bogus", "x.lua"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^assay: unknown flag --bogus\nRun 'assay --help' for usage\.\n$/);
});

// ---- limits ------------------------------------------------------------------------------

test("--timeout stops a busy loop: assay: timeout: run exceeded N s, exit 124", () => {
  const started = Date.now();
  const r = run(["--timeout=1", "busy.lua"], { "busy.lua": "print('before')\nlocal n = 0\nwhile true do n = n + 1 end" });
  assert.equal(r.code, 124, r.stderr);
  assert.equal(r.stderr, "assay: timeout: run exceeded 1 s\n");
  assert.equal(r.stdout, "before\n", "stdout is flushed on timeout");
  assert.ok(Date.now() - started < 10_000);
});

test("--timeout stops a sleeping script, a busy coroutine and a pcall-wrapped loop", () => {
  const scripts = {
    "sleeping.lua": "sleep(30)",
    "co.lua": "coroutine.wrap(function() while true do end end)()",
    "pcall.lua": "while true do pcall(function() while true do end end) end",
  };
  for (const name of Object.keys(scripts)) {
    const started = Date.now();
    const r = run(["--timeout", "0.5", name], scripts);
    assert.equal(r.code, 124, `${name}: ${r.stderr}`);
    assert.equal(r.stderr, "assay: timeout: run exceeded 0.5 s\n", name);
    assert.ok(Date.now() - started < 10_000, name);
  }
});

test("a run that ends before --timeout is unaffected", () => {
  const r = run(["--timeout=30", "fast.lua"], { "fast.lua": "sleep(0.01) print('done')" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "done\n");
});

const GROW = `
local ok, err = pcall(function()
  local t = {}
  for i = 1, math.huge do t[i] = string.rep("x", 1000) .. i end
end)
assert(not ok, "allocation should have failed")
assert(tostring(err):find("not enough memory", 1, true), tostring(err))
collectgarbage()
local ok2, err2 = pcall(function() local s = "x" while true do s = s .. s end end)
assert(not ok2 and tostring(err2):find("not enough memory", 1, true), tostring(err2))
collectgarbage()
print("survived", #string.rep("y", 1000))
`;

test("--memory-limit: a runaway allocation is a catchable 'not enough memory'; the script goes on", () => {
  for (const limit of ["8M", "8388608", "8192K", "8MiB"]) {
    const r = run([`--memory-limit=${limit}`, "grow.lua"], { "grow.lua": GROW });
    assert.equal(r.code, 0, `${limit}: ${r.stderr}`);
    assert.equal(r.stdout, "survived\t1000\n");
  }
});

test("an uncaught out-of-memory is a script failure (exit 1), not a crash", () => {
  const r = run(["--memory-limit=4M", "oom.lua"], { "oom.lua": "local t = {} for i = 1, math.huge do t[i] = ('z'):rep(100) .. i end" });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR .*not enough memory/);
});

test("the 64 MiB default heap limit applies in every profile; --memory-limit raises it", () => {
  const big = "local ok, err = pcall(string.rep, 'x', 80 * 1024 * 1024)\nprint(ok and 'allocated' or err)";
  for (const profile of ["full", "restricted", "pure"]) {
    const r = run([`--sandbox=${profile}`, "big.lua"], { "big.lua": big });
    assert.equal(r.code, 0, `${profile}: ${r.stderr}`);
    assert.equal(r.stdout, "not enough memory\n", profile);
  }
  const raised = run(["--memory-limit=256M", "big.lua"], { "big.lua": big });
  assert.equal(raised.stdout, "allocated\n", raised.stderr);
});

test("assay context with a blank query is a usage error, like no query; modules | head is not a crash", () => {
  const r = run(["context", "  "]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^assay: context requires a query/);
  const bin = assayCommand().map((a) => `'${a}'`).join(" ");
  const piped = spawnSync("bash", ["-c", `${bin} modules | head -0; echo "\${PIPESTATUS[0]}"`], { encoding: "utf8" });
  assert.match(piped.stdout.trim(), /^(0|141)$/);
  assert.doesNotMatch(piped.stderr, /EPIPE|writeSync/);
});
