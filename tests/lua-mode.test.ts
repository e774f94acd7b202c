/**
 * `lua` mode: assay started through a link named `lua` has lua.c's command line. Each case
 * runs the same command line through `lua` found on PATH twice, once a link to assay and once
 * a link to the real lua5.4, and compares stdout, stderr and the exit code (the program name
 * in messages is `lua` for both). Cases where the two must differ (default paths, addresses)
 * are checked on their own. Also here: assay's own command line keeps its flags, and
 * `assay -e CODE` is `assay exec -e CODE`.
 * Needs lua5.4 on PATH (.ci/run installs it); without it the comparisons fail, saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";
import { luaLink, realLua, realLuaLink } from "./lua-link.ts";

const LUA = realLua();
const NO_LUA = "lua5.4 is not on PATH: install it (apt-get install lua5.4, or run .ci/run) to compare lua mode with it";

const oursDir = tempDir("assay-lua-ours-");
luaLink(oursDir);
const realDir = tempDir("assay-lua-real-");
if (LUA) realLuaLink(realDir, LUA);
/** Scripts and modules the cases use; the working directory of every run. */
const work = tempDir("assay-lua-work-");
writeFileSync(join(work, "err.lua"), `local function f() error("boom") end\nf()\n`);
writeFileSync(join(work, "tostr.lua"), `error(setmetatable({}, {__tostring = function() return "custom" end}))\n`);
writeFileSync(join(work, "args.lua"), `print(...)\nprint(#arg, arg[-3], arg[-2], arg[-1], arg[0], arg[1])\n`);
writeFileSync(join(work, "mymod.lua"), `print("loading", ...)\nreturn { x = 15 }\n`);
writeFileSync(join(work, "init.lua"), `x = (x or 10) + 1; print("init", x)\n`);
writeFileSync(join(work, "exit.lua"), `io.write("out") os.exit(7)\n`);
writeFileSync(join(work, "syntax.lua"), `x = = 1\n`);
writeFileSync(join(work, "session.txt"), `(6*2-6) -- ===\na =\n10\nprint(a)\nfunction f()\nreturn 1\nend\nf()\nerror("x")\n= 1, 2\n`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lua args...` with `dir` first on PATH, from the work directory. */
function runIn(dir: string, args: string[], env: Record<string, string | undefined> = {}, input = ""): Run {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, LUA_INIT: undefined, LUA_INIT_5_4: undefined, LUA_PATH: undefined, LUA_PATH_5_4: undefined, ...env, PATH: `${dir}:${process.env.PATH}` })) {
    if (v !== undefined) merged[k] = v;
  }
  // Through sh's exec so that argv[0] is "lua" as typed (a runtime may pass the resolved path).
  const r = spawnSync("sh", ["-c", 'exec lua "$@"', "sh", ...args], { cwd: work, env: merged, input, timeout: 30_000 });
  // A wrapper script (from source) sees its full path as $0, not the name typed: shown as typed.
  const typed = (text: string) => text.replaceAll(join(dir, "lua"), "lua");
  return { code: r.status, stdout: typed(r.stdout.toString()), stderr: typed(r.stderr.toString()) };
}

const ours = (args: string[], env?: Record<string, string | undefined>, input?: string) => runIn(oursDir, args, env, input);

/** Runs the command line with both and asserts the same output and exit code; returns ours. */
function same(args: string[], env: Record<string, string | undefined> = {}, input = ""): Run {
  assert.ok(LUA, NO_LUA);
  const theirs = runIn(realDir, args, env, input);
  const mine = ours(args, env, input);
  assert.deepEqual(mine, theirs, `lua ${args.join(" ")}`);
  return mine;
}

test("-v prints the version line; -v with -e runs the code after it", () => {
  assert.match(same(["-v"]).stdout, /^Lua 5\.4\.\d {2}Copyright \(C\) 1994-20\d\d Lua\.org, PUC-Rio\n$/);
  assert.match(same(["-v", "-e", "print'hello'"]).stdout, /PUC-Rio\nhello\n$/);
});

test("bad options print lua.c's usage on stderr with exit 1", () => {
  for (const args of [["-h"], ["---"], ["-Ex"], ["-vv"], ["-iv"], ["-x", "a.lua"], ["-e"], ["-l"], ["-e", "-v"]]) {
    const r = same(args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^lua: (unrecognized option|'-[el]' needs argument)/);
    assert.match(r.stderr, /usage: lua \[options\] \[script \[args\]\]/);
  }
});

test("-e runs each statement in order; -W turns warnings on", () => {
  assert.equal(same(["-eprint(1)", "-ea=3", "-e", "print(a)"]).stdout, "1\n3\n");
  assert.equal(same(["-e", "warn('hidden')"]).stderr, "");
  assert.equal(same(["-W", "-e", "warn('shown', '!')"]).stderr, "Lua warning: shown!\n");
});

test("errors: lua: <message> with the traceback, exit 1", () => {
  for (const args of [["-e", "error('x')"], ["-e", "error()"], ["-e", "error({})"], ["-e", "error(12)"], ["-e", "a"], ["err.lua"], ["tostr.lua"], ["syntax.lua"], ["missing.lua"]]) {
    const r = same(args);
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.stderr, /^lua: /);
  }
  assert.equal(ours(["err.lua"]).stderr.split("\n")[0], "lua: err.lua:1: boom");
});

test("a script gets its arguments as ... and arg, with the options at negative indices", () => {
  const r = same(["-e", "", "--", "args.lua", "a", "b"]);
  assert.equal(r.stdout, "a\tb\n2\t-e\t\t--\targs.lua\ta\n");
  same(["args.lua"]);
  same(["-e", "print(arg[0], arg[1], arg[2], #arg)"]);
  // `-` runs standard input; the words after it are its arguments.
  assert.equal(same(["-", "-h", "x"], {}, "print(...) print(arg[0])").stdout, "-h\tx\n-\n");
  // Changing `arg` changes what the script receives.
  assert.equal(same(["-e", "arg[1] = 100", "-"], {}, "print(...)").stdout, "100\n");
  assert.match(same(["-e", "arg = 1", "-"], {}, "").stderr, /'arg' is not a table/);
});

test("without a script: standard input runs when it is not a terminal", () => {
  assert.equal(same([], {}, "print(10)\nprint(2)\n").stdout, "10\n2\n");
  assert.equal(same(["--"], {}, "print(arg[0])").stdout, "lua\n");
  // -e alone does not read standard input.
  assert.equal(same(["-e", "x=1"], {}, "print('not run')").stdout, "");
});

test("-l mod and -l g=mod require the module into a global, in order with -e", () => {
  const env = { LUA_PATH: "./?.lua" };
  assert.equal(same(["-l", "mymod", "-e", "print(mymod.x)"], env).stdout, "loading\tmymod\t./mymod.lua\n15\n");
  assert.equal(same(["-lm=mymod", "-l", "str=string", "-e", "print(m.x, str.upper('a'))"], env).stdout, "loading\tmymod\t./mymod.lua\n15\tA\n");
  const miss = ours(["-l", "nomod"], env);
  assert.equal(miss.code, 1);
  assert.match(miss.stderr, /^lua: module 'nomod' not found:/);
});

test("LUA_INIT_5_4 or LUA_INIT (code or @file) runs first and sees arg; -E ignores it and LUA_PATH", () => {
  assert.equal(same(["args.lua", "3.2"], { LUA_INIT: "X=tonumber(arg[1]) print('X', X)" }).stdout.split("\n")[0], "X\t3.2");
  assert.equal(same(["-e", "print(X)"], { LUA_INIT_5_4: "X=10", LUA_INIT: "X=3" }).stdout, "10\n");
  assert.equal(same(["init.lua"], { LUA_INIT: "@init.lua" }).stdout, "init\t11\ninit\t12\n");
  const failed = same([], { LUA_INIT: "error('msg')" });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^lua: LUA_INIT:1: msg\n/);
  assert.equal(same(["-E", "-e", "print(X)"], { LUA_INIT: "X=3" }).stdout, "nil\n");
  const paths = ours(["-E", "-e", "print(package.path) print(package.cpath)"], { LUA_INIT: "error(10)", LUA_PATH: "xxx", LUA_CPATH: "xxx" });
  assert.equal(paths.code, 0, paths.stderr);
  assert.doesNotMatch(paths.stdout, /xxx/);
  assert.match(paths.stdout, /\?\.lua.*\n.*\?\.so/);
});

test("LUA_PATH, LUA_PATH_5_4, LUA_CPATH and ;; set package.path and cpath as in lua5.4", () => {
  assert.equal(same(["-e", "print(package.path)"], { LUA_PATH: "x" }).stdout, "x\n");
  assert.equal(same(["-e", "print(package.path)"], { LUA_PATH_5_4: "y", LUA_PATH: "x" }).stdout, "y\n");
  assert.equal(same(["-e", "print(package.cpath)"], { LUA_CPATH: "xuxu" }).stdout, "xuxu\n");
  const def = ours(["-e", "print(package.path)"]).stdout.trim();
  assert.equal(ours(["-e", "print(package.path)"], { LUA_PATH: "a;;b" }).stdout.trim(), `a;${def};b`);
});

test("os.exit's code is the exit code, output flushed", () => {
  const r = same(["exit.lua"]);
  assert.equal(r.code, 7);
  assert.equal(r.stdout, "out");
  assert.equal(same(["-e", "os.exit(false)"]).code, 1);
  assert.equal(same(["-e", "os.exit(true, true)"]).code, 0);
});

test("-i after the rest: a REPL on standard input, echoing lines as lua5.4 (readline) does", () => {
  const r = same(["-i"], {}, "print(1+1)\n");
  assert.match(r.stdout, /^Lua 5\.4\.\d {2}Copyright.*\n> print\(1\+1\)\n2\n> \n$/);
  const session = same(["-e", "_PROMPT='P1 ' _PROMPT2='P2 '", "-i", "args.lua", "q"], {}, `(6*2-6) -- ===\na =\n10\nprint(a)\nfunction f()\nreturn 1\nend\nf()\nerror("x")\n= 1, 2\n`);
  assert.match(session.stdout, /P1 a =\nP2 10\nP1 print\(a\)\n10\n/);
  assert.match(session.stderr, /^stdin:1: x\nstack traceback:/);
  // An error in print is reported, and the session goes on.
  assert.match(same(["-e", "print=nil", "-i"], {}, "10\n").stderr, /error calling 'print' \(attempt to call a nil value\)/);
});

test("every assay builtin is installed in lua mode", () => {
  const r = ours(["-e", "print(type(json.encode), type(http.get), type(fs.read), type(sleep), type(assert.eq), os.platform())"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `function\tfunction\tfunction\tfunction\tfunction\t${process.platform}\n`);
  // Async builtins work at the top of every chunk.
  assert.equal(ours(["-e", "sleep(0.01) print('slept')"]).stdout, "slept\n");
});

/** Starts `lua args` (ours) in the background; resolves once it printed `ready`. */
function startOurs(args: string[]) {
  const env = { ...process.env, PATH: `${oursDir}:${process.env.PATH}` };
  const child = spawn("sh", ["-c", 'exec lua "$@"', "sh", ...args], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<[number | null, string | null]>((resolve) => child.on("close", (code, signal) => resolve([code, signal])));
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(out)}`)), 15_000);
      const look = () => {
        if (!out.includes(text)) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout.on("data", look);
      look();
    });
  // process.kill, not child.kill: Deno's child.kill("SIGINT") does not send one signal only.
  const interrupt = () => process.kill(child.pid!, "SIGINT");
  return { child, exited, printed, interrupt, out: () => out };
}

const fromSource = process.env.ASSAY_FROM_SOURCE === "deno";

test("SIGINT interrupts running Lua code with 'interrupted!', which pcall catches (main.lua's Ctrl-C test)", { skip: fromSource && "needs the binary's native signal handler" }, async () => {
  const run = startOurs(["-e", "pcall(function () print(12); while true do end end); print(42)"]);
  await run.printed("12\n");
  run.interrupt();
  assert.deepEqual(await run.exited, [0, null]);
  assert.equal(run.out(), "12\n42\n");
  // Uncaught, it is the chunk's error.
  const bare = startOurs(["-e", "print('go') local function f() while true do end end f()"]);
  await bare.printed("go\n");
  bare.interrupt();
  assert.deepEqual(await bare.exited, [1, null]);
});

test("a second SIGINT ends a run stuck in one long C call, as in lua.c", { skip: fromSource && "needs the binary's native signal handler" }, async () => {
  const run = startOurs(["-e", "print(15); string.find(string.rep('a', 100000), '.*b')"]);
  await run.printed("15\n");
  await new Promise((r) => setTimeout(r, 200));
  run.interrupt();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(run.child.exitCode, null, "the first SIGINT must not end it");
  run.interrupt();
  assert.deepEqual(await run.exited, [null, "SIGINT"]);
});

test("SIGINT that interrupts a wait is catchable too", async () => {
  const run = startOurs(["-e", "print(pcall(function() print('waiting') sleep(20) end))"]);
  await run.printed("waiting\n");
  run.interrupt();
  assert.deepEqual(await run.exited, [0, null]);
  assert.match(run.out(), /^waiting\nfalse\t\(command line\):1: interrupted!\n$/);
});

test("a server in lua mode serves until SIGTERM or SIGINT shuts it down gracefully (exit 0), as in script mode", async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const run = startOurs(["-e", `async.spawn(function() while not _SERVER_PORT do sleep(0.01) end print("PORT " .. _SERVER_PORT) io.stdout:flush() end)
      http.serve(0, { GET = { ["/"] = function() return { body = "hi" } end } }, { host = "127.0.0.1" })`]);
    try {
      await run.printed("\n");
      const port = /PORT (\d+)/.exec(run.out())![1];
      const res = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await res.text(), "hi");
      process.kill(run.child.pid!, signal);
      assert.deepEqual(await run.exited, [0, null], signal);
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }
});

// ---- assay's own command line -----------------------------------------------------------------

test("as assay, -v is verbose and -h the help; -e CODE [args] is exec -e", () => {
  const help = runAssay(["-h"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^assay .*\n\nUsage:/);
  const verbose = runAssay(["-v", "-e", "print(...)", "a", "b"]);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.equal(verbose.stdout, "a\tb\n");
  assert.match(verbose.stderr, /DEBUG starting assay \(inline eval mode\)/);
  const failed = runAssay(["-e", "error('x')"]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /ERROR <eval>:1: x/);
  assert.equal(runAssay(["--sandbox", "pure", "-e", "print(os.execute == nil, json ~= nil)"]).stdout, "true\ttrue\n");
});

test("a reader that leaves early (lua -v | head -0) is a broken pipe, not a crash", () => {
  const r = spawnSync("bash", ["-c", 'lua -v | head -0; echo "${PIPESTATUS[0]}"'], {
    cwd: work,
    env: { ...process.env, PATH: `${oursDir}:${process.env.PATH}` },
    encoding: "utf8",
  });
  assert.match(r.stdout.trim(), /^(0|141)$/);
  assert.doesNotMatch(r.stderr, /EPIPE|writeSync/);
});
