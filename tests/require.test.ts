/**
 * `require` through the binary: where modules are found (script directory, cwd, ./modules,
 * ASSAY_LIB_PATH, ASSAY_MODULES_PATH or ~/.assay/modules, the embedded stdlib), LUA_PATH,
 * the "not found" message, and what the sandbox profiles let require read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type RunOptions, runAssay, tempDir } from "./helpers.ts";

/** Writes files (path -> text) under a fresh directory and returns it. */
function tree(files: Record<string, string>): string {
  const root = tempDir("assay-require-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/**
 * An environment where only what a test sets can change the search. Empty values, because
 * Deno's spawnSync keeps inherited variables a test leaves out (assay treats empty as unset).
 */
function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ASSAY_LIB_PATH: "",
    ASSAY_MODULES_PATH: "",
    LUA_PATH: undefined,
    LUA_PATH_5_4: undefined,
    LUA_CPATH: undefined,
    LUA_CPATH_5_4: undefined,
    HOME: tempDir("assay-home-"),
    ...extra,
  };
}

function run(args: string[], options: RunOptions = {}) {
  const r = runAssay(args, { ...options, env: cleanEnv(options.env) });
  return r;
}

function ok(r: ReturnType<typeof runAssay>): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
}

test("package.path: the script's directory first, then the current directory", () => {
  const root = tree({
    "scripts/main.lua": 'print(package.path)\nprint((require("helper")), (require("both")), (require("cwdonly")), (require("pkg")))',
    "scripts/helper.lua": 'return "helper from script dir"',
    "scripts/both.lua": 'return "both from script dir"',
    "scripts/pkg/init.lua": 'return "pkg/init.lua"',
    "both.lua": 'return "both from cwd"',
    "cwdonly.lua": 'return "cwdonly from cwd"',
  });
  const out = ok(run(["scripts/main.lua"], { cwd: root }));
  assert.equal(
    out,
    "scripts/?.lua;scripts/?/init.lua;./?.lua;./?/init.lua\n" +
      "helper from script dir\tboth from script dir\tcwdonly from cwd\tpkg/init.lua\n",
  );
  // An absolute script path gives absolute entries; inline code has only ./.
  assert.match(ok(run([join(root, "scripts/main.lua")], { cwd: root })), new RegExp(`^${root}/scripts/\\?\\.lua;`));
  assert.equal(ok(run(["exec", "-e", "print(package.path)"], { cwd: root })), "./?.lua;./?/init.lua\n");
});

test("LUA_PATH_5_4 and LUA_PATH: ;; stands for the default, as in lua5.4", () => {
  const root = tree({ "s/main.lua": "print(package.path)" });
  const dflt = "s/?.lua;s/?/init.lua;./?.lua;./?/init.lua";
  const path = (env: Record<string, string>) => ok(run(["s/main.lua"], { cwd: root, env })).trimEnd();
  assert.equal(path({ LUA_PATH: "/x/?.lua;;" }), `/x/?.lua;${dflt}`);
  assert.equal(path({ LUA_PATH: ";;/y/?.lua" }), `${dflt};/y/?.lua`);
  assert.equal(path({ LUA_PATH: "/x/?.lua;;/y/?.lua" }), `/x/?.lua;${dflt};/y/?.lua`);
  assert.equal(path({ LUA_PATH: "/only/?.lua" }), "/only/?.lua");
  assert.equal(path({ LUA_PATH: "/x/?.lua;;", LUA_PATH_5_4: "/v54/?.lua" }), "/v54/?.lua");
  // And the path is used.
  const lib = tree({ "m.lua": 'return "from LUA_PATH"' });
  const r = run(["exec", "-e", 'print((require("m")))'], { cwd: root, env: { LUA_PATH: `${lib}/?.lua` } });
  assert.equal(ok(r), "from LUA_PATH\n");
});

test("not found: lua5.4's message shape plus the assay searchers' lines", () => {
  const home = tempDir("assay-home-");
  const root = tree({
    "s/main.lua": 'print(select(2, pcall(require, "nope")))\nprint(select(2, pcall(require, "assay.nope.deep")))\n' +
      'require("nope")',
  });
  const r = run(["s/main.lua"], { cwd: root, env: { HOME: home } });
  const cpath = (n: string) =>
    `\tno file '/usr/local/lib/lua/5.4/${n}.so'\n\tno file '/usr/local/lib/lua/5.4/loadall.so'\n\tno file './${n}.so'\n`;
  assert.equal(
    r.stdout,
    "module 'nope' not found:\n" +
      "\tno field package.preload['nope']\n" +
      "\tno file 's/nope.lua'\n\tno file 's/nope/init.lua'\n\tno file './nope.lua'\n\tno file './nope/init.lua'\n" +
      cpath("nope") +
      "module 'assay.nope.deep' not found:\n" +
      "\tno field package.preload['assay.nope.deep']\n" +
      "\tno file 's/assay/nope/deep.lua'\n\tno file 's/assay/nope/deep/init.lua'\n" +
      "\tno file './assay/nope/deep.lua'\n\tno file './assay/nope/deep/init.lua'\n" +
      cpath("assay/nope/deep") + cpath("assay") +
      "\tno file './modules/nope/deep.lua'\n\tno file './modules/nope/deep/init.lua'\n" +
      `\tno file '${home}/.assay/modules/nope/deep.lua'\n\tno file '${home}/.assay/modules/nope/deep/init.lua'\n` +
      "\tno embedded stdlib file: nope/deep.lua\n",
  );
  // Uncaught: exit 1, the ERROR line carries the caller's position.
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR s\/main\.lua:3: module 'nope' not found:\n\tno field package\.preload\['nope'\]\n/);
  // With no HOME and no ASSAY_MODULES_PATH the global directory is skipped.
  const r2 = run(["s/main.lua"], { cwd: root, env: { HOME: "" } });
  assert.doesNotMatch(r2.stdout, /\.assay\/modules/);
  assert.match(r2.stdout, /no file '\.\/modules\/nope\/deep\/init\.lua'\n\tno embedded stdlib file: nope\/deep\.lua\n$/);
});

test("assay.* search order: package.path, ./modules, ASSAY_LIB_PATH, ASSAY_MODULES_PATH, embedded", () => {
  const which = (name: string) => `return { from = ${JSON.stringify(name)} }`;
  const home = tree({ ".assay/modules/m1.lua": which("home"), ".assay/modules/m6.lua": which("home") });
  const global = tree({ "m1.lua": which("global"), "m2.lua": which("global"), "m3.lua": which("global") });
  const lib1 = tree({ "m1.lua": which("lib1"), "m2.lua": which("lib1"), "m4/init.lua": which("lib1 init") });
  const lib2 = tree({ "m1.lua": which("lib2"), "m2.lua": which("lib2"), "m5.lua": which("lib2") });
  const root = tree({
    "assay/m0.lua": which("package.path"),
    "modules/m0.lua": which("modules"),
    "modules/m1.lua": which("modules"),
    "main.lua": [
      "for _, n in ipairs({ 'm0', 'm1', 'm2', 'm3', 'm4', 'm5' }) do",
      "  local m, path = require('assay.' .. n)",
      "  print(n, m.from, path)",
      "end",
      "print(select(2, pcall(require, 'assay.m6')))",
    ].join("\n"),
  });
  const env = { HOME: home, ASSAY_MODULES_PATH: global, ASSAY_LIB_PATH: `${lib1}/:${lib2}` };
  const out = ok(run(["main.lua"], { cwd: root, env }));
  assert.equal(
    out.split("module 'assay.m6'")[0],
    [
      "m0\tpackage.path\t./assay/m0.lua",
      "m1\tmodules\t./modules/m1.lua",
      `m2\tlib1\t${lib1}/m2.lua`,
      `m3\tglobal\t${global}/m3.lua`,
      `m4\tlib1 init\t${lib1}/m4/init.lua`,
      `m5\tlib2\t${lib2}/m5.lua`,
      "",
    ].join("\n"),
  );
  // ASSAY_MODULES_PATH replaces ~/.assay/modules; every directory tried is listed.
  assert.ok(
    out.endsWith(
      "\tno file './modules/m6.lua'\n\tno file './modules/m6/init.lua'\n" +
        `\tno file '${lib1}/m6.lua'\n\tno file '${lib1}/m6/init.lua'\n` +
        `\tno file '${lib2}/m6.lua'\n\tno file '${lib2}/m6/init.lua'\n` +
        `\tno file '${global}/m6.lua'\n\tno file '${global}/m6/init.lua'\n` +
        "\tno embedded stdlib file: m6.lua\n",
    ),
    out,
  );
});

test("~/.assay/modules when ASSAY_MODULES_PATH is unset; chunk names are @<dir>/<file>", () => {
  const home = tree({
    ".assay/modules/util.lua": 'return { from = "home" }',
    ".assay/modules/broken.lua": "local x = 1\nerror('broken module')",
  });
  const root = tree({
    "main.lua": "print(require('assay.util').from)\nprint(select(2, pcall(require, 'assay.broken')))\n" +
      "print(select(2, pcall(require, 'util')))",
  });
  const out = ok(run(["main.lua"], { cwd: root, env: { HOME: home } }));
  const lines = out.split("\n");
  assert.equal(lines[0], "home");
  assert.equal(lines[1], `${home}/.assay/modules/broken.lua:2: broken module`);
  // Names without assay. never look in the global directory.
  assert.doesNotMatch(out.split("module 'util' not found")[1], /\.assay\/modules/);
});

test("ASSAY_LIB_PATH serves other names too (x.y -> x/y.lua, x/y/init.lua), after package.path", () => {
  const lib = tree({
    "util/str.lua": 'return { from = "util/str.lua", name = ... }',
    "util/tbl/init.lua": 'return "util/tbl/init.lua"',
    "local.lua": 'return "lib"',
  });
  const root = tree({
    "local.lua": 'return "cwd"',
    "main.lua": "local s, p = require('util.str')\nprint(s.from, s.name, p)\nprint((require('util.tbl')))\n" +
      "print((require('local')))\nprint(select(2, pcall(require, 'missing')))",
  });
  const out = ok(run(["main.lua"], { cwd: root, env: { ASSAY_LIB_PATH: `/nonexistent:${lib}` } }));
  const lines = out.split("\n");
  assert.equal(lines[0], `util/str.lua\tutil.str\t${lib}/util/str.lua`);
  assert.equal(lines[1], "util/tbl/init.lua");
  assert.equal(lines[2], "cwd");
  assert.match(
    out,
    new RegExp(
      `no file '/nonexistent/missing.lua'\n\tno file '/nonexistent/missing/init.lua'\n` +
        `\tno file '${lib}/missing.lua'\n\tno file '${lib}/missing/init.lua'\n$`,
    ),
  );
});

test("ASSAY_LIB_PATH overrides the embedded assay.inspect end to end", () => {
  const embedded = ok(run(["exec", "-e", "local i, p = require('assay.inspect') print(p, i({ b = 1, a = { 1.0 } }))"]));
  assert.equal(embedded, ":embedded:assay/inspect.lua\t{ a = { 1.0 }, b = 1 }\n");
  const lib = tree({
    "inspect.lua": "return setmetatable({ overridden = true }, { __call = function(_, v) return 'custom:' .. tostring(v) end })",
  });
  const out = ok(run(["exec", "-e", "local i, p = require('assay.inspect') print(i.overridden, i(5), p)"], {
    env: { ASSAY_LIB_PATH: lib },
  }));
  assert.equal(out, `true\tcustom:5\t${lib}/inspect.lua\n`);
});

test("a module's top level can sleep, in the built binary too", () => {
  const root = tree({
    "slow.lua": "sleep(0.02)\nreturn { slept = true }",
    "main.lua": "local t = os.time()\nlocal m = require('slow')\nprint(m.slept, require('slow') == m)",
  });
  assert.equal(ok(run(["main.lua"], { cwd: root })), "true\ttrue\n");
});

/** The miss-list line of a candidate the sandbox refuses (README, Decisions > Modules). */
function deniedLine(path: string, profile: string): string {
  return `\tdenied '${path}' (read access denied by sandbox profile "${profile}"; grant with --allow-read=${path})`;
}

test("restricted and pure: require reads the script's directory and the embedded stdlib only", () => {
  const outside = tree({ "secret.lua": 'return "secret"' });
  const root = tree({
    "s/main.lua": [
      "print((require('beside')), (require('nested.deep')), type(require('assay.inspect')))",
      "for _, n in ipairs({ 'cwdmod', 'link', 'assay.over' }) do",
      "  print((select(2, pcall(require, n))))",
      "end",
      "require('cwdmod')",
    ].join("\n"),
    "s/beside.lua": 'return "beside"',
    "s/nested/deep.lua": 'return "deep"',
    "cwdmod.lua": 'return "cwd"',
    "modules/over.lua": 'return "over"',
  });
  symlinkSync(join(outside, "secret.lua"), join(root, "s/link.lua"));
  for (const profile of ["restricted", "pure"]) {
    const r = run(["--sandbox", profile, "s/main.lua"], { cwd: root });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "beside\tdeep\ttable");
    // Refused candidates are listed as denied (existing or not), and the search goes on.
    for (const path of ["./cwdmod.lua", "./cwdmod/init.lua", "s/link.lua", "./modules/over.lua"]) {
      assert.ok(lines.includes(deniedLine(path, profile)), `${path} in\n${r.stdout}`);
    }
    assert.match(r.stdout, /module 'assay\.over' not found:[^]*\tno embedded stdlib file: over\.lua\n/);
    // Uncaught, the miss carries the position of the require call.
    assert.match(r.stderr, /ERROR s\/main\.lua:5: module 'cwdmod' not found:\n/);
  }
  // --allow-read widens, and --deny-read narrows even the script's directory.
  const widened = run(["--sandbox", "restricted", `--allow-read=${root},${outside}`, "exec", "-e",
    `package.path = '${root}/s/?.lua;' .. package.path print((require('link')), (require('cwdmod')), (require('assay.over')))`], {
    cwd: root,
  });
  assert.equal(ok(widened), "secret\tcwd\tover\n");
  const narrowed = run(["--sandbox", "restricted", `--deny-read=${root}/s`, "s/main.lua"], { cwd: root });
  assert.equal(narrowed.code, 1);
  assert.match(narrowed.stderr, new RegExp(`ERROR s/main\\.lua:1: module 'beside' not found:[^]*\n\tdenied 's/beside\\.lua' \\(read access denied by --deny-read=${root}/s\\)\n`));
  // In full, the policy is still asked.
  const full = run([`--deny-read=${root}/s/beside.lua`, "s/main.lua"], { cwd: root });
  assert.equal(full.code, 1);
  assert.match(full.stderr, /ERROR s\/main\.lua:1: module 'beside' not found:[^]*\n\tdenied 's\/beside\.lua' \(read access denied by --deny-read=/);
});

test("a refused candidate is never probed: present or absent, it reads the same and is skipped", () => {
  const root = tree({
    "s/main.lua": [
      "local _, present = pcall(require, 'present')",
      "local _, absent = pcall(require, 'absent')",
      "print(present:gsub('present', 'X') == absent:gsub('absent', 'X'))",
      "print(present)",
      "print(package.searchpath('present', './?.lua'))",
      "print(type(require('assay.inspect')))",
    ].join("\n"),
    "present.lua": 'return "found"',
    "modules/inspect.lua": 'return "the project copy"',
  });
  for (const flags of [["--sandbox", "pure"], [`--deny-read=${root}/present.lua,${root}/absent.lua,${root}/modules`]]) {
    const lines = ok(run([...flags, "s/main.lua"], { cwd: root })).split("\n");
    assert.equal(lines[0], "true", `${flags}: the same text whether the file exists or not`);
    assert.ok(lines.some((l) => /^\tdenied '\.\/present\.lua' \(read access denied by /.test(l)), lines.join("\n"));
    assert.match(lines.find((l) => l.startsWith("nil\t"))!, /^nil\tdenied '\.\/present\.lua' \(read access denied by /);
    // ./modules/inspect.lua exists but is refused: the embedded stdlib still loads.
    assert.equal(lines.at(-2), "table");
  }
});

test("package.searchpath obeys the sandbox too: refused candidates are listed, not raised", () => {
  const root = tree({ "s/main.lua": "print(package.searchpath('passwd', '/nope/?;/etc/?'))" });
  const r = run(["--sandbox", "restricted", "s/main.lua"], { cwd: root });
  assert.equal(ok(r), `nil\t${deniedLine("/nope/passwd", "restricted").slice(1)}\n${deniedLine("/etc/passwd", "restricted")}\n`);
  assert.equal(ok(run(["s/main.lua"], { cwd: root })), "/etc/passwd\n");
  const r2 = run(["--sandbox", "restricted", "exec", "-e", "print(package.searchpath('main', 's/?.lua'))"], { cwd: root });
  assert.equal(ok(r2), "s/main.lua\n");
});

test("a failed require's traceback shows the caller's lines, none of the loader's own", () => {
  const root = tree({
    "s/main.lua": "local x = 1\nlocal function load() return require('missing.mod') end\nload()\n",
    "s/broken.lua": "x = = 1\n",
    "s/syntax.lua": "require('broken')\n",
  });
  const r = run(["s/main.lua"], { cwd: root });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR s\/main\.lua:2: module 'missing\.mod' not found:/);
  const traceback = r.stderr.slice(r.stderr.indexOf("stack traceback:"));
  assert.doesNotMatch(traceback, /require\.lua|\[assay loader/);
  assert.match(traceback, /\n\t\[C\]: in function 'require'\n\ts\/main\.lua:2: in /);
  assert.match(traceback, /\n\ts\/main\.lua:3: in main chunk/);
  // A module that fails to compile: the same, as lua5.4 shows it.
  const syntax = run(["s/syntax.lua"], { cwd: root });
  assert.match(syntax.stderr, /ERROR error loading module 'broken' from file 's\/broken\.lua':\n\ts\/broken\.lua:1: /);
  assert.doesNotMatch(syntax.stderr, /require\.lua|\[assay loader/);
  assert.match(syntax.stderr, /\t\[C\]: in function 'require'\n\ts\/syntax\.lua:1: in main chunk/);
});

test("C searchers list package.cpath but never load native code", () => {
  const root = tree({ "native.so": "not really ELF", "main.lua": "print(select(2, pcall(require, 'native')))" });
  const out = ok(run(["main.lua"], { cwd: root, env: { LUA_CPATH: "/c/?.so;./?.so" } }));
  assert.equal(
    out,
    "module 'native' not found:\n\tno field package.preload['native']\n" +
      "\tno file './native.lua'\n\tno file './native/init.lua'\n" +
      "\t'./native.so' is a native module; assay does not load native code\n",
  );
  // Outside full nothing outside the script's directory is probed: the candidates are listed.
  const restricted = ok(run(["--sandbox", "restricted", "main.lua"], { cwd: root, env: { LUA_CPATH: "/c/?.so;./?.so" } }));
  assert.match(restricted, /\tno file '\/c\/native\.so'\n\tno file '\.\/native\.so'\n/);
});

test("binary chunks load only in full", () => {
  const root = tree({ "s/main.lua": "print((require('bin')))" });
  ok(run(["exec", "-e", `local f = io.open('s/bin.lua', 'wb') f:write(string.dump(function() return 'bytecode' end)) f:close()`], {
    cwd: root,
  }));
  assert.equal(ok(run(["s/main.lua"], { cwd: root })), "bytecode\n");
  const r = run(["--sandbox", "restricted", "s/main.lua"], { cwd: root });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR error loading module 'bin' from file 's\/bin\.lua':\n\t.*attempt to load a binary chunk \(mode is 't'\)/);
});
