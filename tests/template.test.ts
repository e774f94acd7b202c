/**
 * The `template` global through the binary: which functions each sandbox profile installs and
 * what `template.render` may read, that no template reaches the host (JS globals, prototype
 * chains, Python-style escapes, JS methods) under `--sandbox pure` and `full`, and that
 * `--timeout` ends a template that runs without end. Rendering itself is covered by
 * tests/lua/template_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";

/** Runs Lua code as `t.lua` in a fresh directory (or `dir`); returns the run. */
function lua(flags: string[], code: string, dir = tempDir()) {
  writeFileSync(join(dir, "t.lua"), code);
  return runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
}

function pass(flags: string[], code: string, dir?: string): string {
  const r = lua(flags, code, dir);
  assert.equal(r.code, 0, `assay ${flags.join(" ")} exited ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** A directory holding page.j2, and its canonical path. */
function pageDir(): string {
  const dir = realpathSync(tempDir());
  writeFileSync(join(dir, "page.j2"), "Hi {{ name }}!\n");
  return dir;
}

const PROBE = `
print(type(template), type(template.render_string), type(template.render))
print(template.render_string("{{ 1 + 1 }}"))
local ok, err = pcall(template.render, "page.j2", { name = "x" })
print(ok, err)
`;

test("pure: render_string only; render appears with a read grant and reads what it grants", () => {
  const dir = pageDir();
  assert.equal(pass(["--sandbox", "pure"], `print(type(template.render_string), type(template.render), template.render_string("{{ 2 * 3 }}"))`), "function\tnil\t6\n");
  assert.equal(pass(["--sandbox", "pure", `--allow-read=${dir}`], PROBE, dir), "table\tfunction\tfunction\n2\ntrue\tHi x!\n");
});

test("restricted: render exists and is denied until --allow-read grants the file", () => {
  const dir = pageDir();
  assert.equal(
    pass(["--sandbox", "restricted"], PROBE, dir),
    // Called by pcall directly, so no position (level 1 is pcall, a C function, as in lua5.4).
    "table\tfunction\tfunction\n2\nfalse\ttemplate.render: read access to " +
      `"page.j2" denied by sandbox profile "restricted" (grant with --allow-read=page.j2)\n`,
  );
  assert.equal(pass(["--sandbox", "restricted", `--allow-read=${dir}`], PROBE, dir), "table\tfunction\tfunction\n2\ntrue\tHi x!\n");
  const denied = pass(["--sandbox", "restricted", `--allow-read=${dir}`, `--deny-read=${join(dir, "page.j2")}`], PROBE, dir);
  assert.match(denied, /false\ttemplate\.render: read access to "page\.j2" denied by --deny-read=/);
});

test("full: both functions, render reads any file", () => {
  const dir = pageDir();
  assert.equal(pass([], PROBE, dir), "table\tfunction\tfunction\n2\ntrue\tHi x!\n");
});

/**
 * Templates that try to reach the host: each renders empty (an undefined name, a lookup that
 * finds nothing) or fails with a template error; none reaches a JS object, function or global.
 */
const ESCAPES: [string, string | RegExp][] = [
  ["{{ constructor }}{{ __proto__ }}{{ prototype }}{{ globalThis }}{{ process }}{{ Bun }}{{ Deno }}", ""],
  ["{{ import }}{{ require }}{{ this }}{{ self }}{{ window }}{{ global }}{{ module }}{{ eval }}{{ Function }}", ""],
  ["{{ ''.constructor }}{{ [].constructor }}{{ {}.constructor }}{{ x.constructor }}{{ l.constructor }}", ""],
  ["{{ x.__proto__ }}{{ x['__proto__'] }}{{ x.prototype }}{{ (1).constructor }}{{ true.constructor }}", ""],
  ["{{ range.constructor }}{{ namespace.constructor }}{{ dict.call }}{{ range.apply }}{{ range.bind }}", ""],
  ["{{ x.value }}{{ x.builtins }}{{ x.type }}{{ x.__bool__ }}{{ ''.builtins }}{{ range.value }}", ""],
  ["{{ 'abc'.length }}{{ l.length }}{{ l.map }}{{ x.__class__ }}{{ config }}{{ loop }}", ""],
  ["{% set y = x.constructor %}[{{ y }}]{% for k in x.__proto__ %}{{ k }}{% endfor %}{{ {}.polluted }}", "[]"],
  // JS functions print as a placeholder, never as their source
  ["{{ range }} {{ namespace }} {% macro m() %}{% endmacro %}{{ m }}", "<function> <function> <function>"],
  // keys named like JS internals are ordinary entries
  ["{{ {'__proto__': 1}.__proto__ }} {% set ns = namespace() %}{% set ns.__proto__ = 2 %}{{ ns.__proto__ }}", "1 2"],
  [`{{ ''.constructor.constructor('return process')() }}`, `"".constructor is undefined (looking up "constructor")`],
  [`{{ ''['constructor']['constructor']('return process')() }}`, `""["constructor"] is undefined (looking up "constructor")`],
  [`{{ range.constructor('return process')() }}`, "range.constructor is not callable (it is undefined)"],
  [`{{ x.__class__.__mro__ }}`, `x.__class__ is undefined (looking up "__mro__")`],
  [`{{ ''.__class__.__mro__[1].__subclasses__() }}`, `"".__class__ is undefined (looking up "__mro__")`],
  [`{{ cycler.__init__.__globals__.os.popen('id').read() }}`, `cycler is undefined (looking up "__init__")`],
  [`{{ lipsum.__globals__ }}`, `lipsum is undefined (looking up "__globals__")`],
  [`{{ self.__init__.__globals__ }}`, `self is undefined (looking up "__init__")`],
  [`{{ 'abc'.toUpperCase() }}`, `"abc".toUpperCase is not callable (it is undefined)`],
  [`{{ 'a'.concat('b') }}`, `"a".concat is not callable (it is undefined)`],
  [`{{ 'abc'.at(0) }}`, `"abc".at is not callable (it is undefined)`],
  [`{{ l.push(3) }}`, "l.push is not callable (it is undefined)"],
  [`{{ x.toString() }}`, "x.toString is not callable (it is undefined)"],
  [`{{ x.valueOf() }}`, "x.valueOf is not callable (it is undefined)"],
  [`{{ x.hasOwnProperty('a') }}`, "x.hasOwnProperty is not callable (it is undefined)"],
  [`{{ '{0.__class__}'.format(x) }}`, `"{0.__class__}".format is not callable (it is undefined)`],
  [`{{ strftime_now('%Y') }}`, "strftime_now is not callable (it is undefined)"],
  [`{{ raise_exception('boom') }}`, "raise_exception is not callable (it is undefined)"],
  [`{{ x|attr('constructor') }}`, `unknown filter "attr"`],
];

const ESCAPE_SCRIPT = `
local cases = require("cases")
for i, c in ipairs(cases) do
  local ok, out = pcall(template.render_string, c[1], { x = { a = 1 }, l = { 1, 2 } })
  print(i, ok, out)
end
`;

for (const profile of ["pure", "full"]) {
  test(`no template reaches the host (--sandbox ${profile})`, () => {
    const dir = tempDir();
    const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    writeFileSync(join(dir, "cases.lua"), `return {\n${ESCAPES.map(([t]) => `  { ${quote(t)} },`).join("\n")}\n}\n`);
    const lines = pass(["--sandbox", profile], ESCAPE_SCRIPT, dir).split("\n").filter(Boolean);
    assert.equal(lines.length, ESCAPES.length);
    ESCAPES.forEach(([tmpl, expected], i) => {
      const [index, ok, ...rest] = lines[i].split("\t");
      const out = rest.join("\t");
      assert.equal(index, String(i + 1));
      if (typeof expected === "string" && ok === "true") {
        assert.equal(out, expected, tmpl);
      } else {
        assert.equal(ok, "false", `${tmpl} rendered ${JSON.stringify(out)}`);
        assert.equal(out, `template.render_string: render error on line 1: ${expected}`, tmpl);
      }
    });
  });
}

test("--timeout ends a template that loops without end: exit 124", () => {
  const started = performance.now();
  const r = lua(["--timeout=1"], `
print("before")
io.stdout:flush()
template.render_string("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}")
print("after")
`);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(r.code, 124, r.stderr);
  assert.equal(r.stdout, "before\n");
  assert.match(r.stderr, /assay: timeout: run exceeded 1 s/);
  assert.ok(seconds < 5, `took ${seconds} s`);
});

test("a template cannot outgrow the memory limit: output, strings and lists are bounded", () => {
  const out = pass(["--memory-limit=8M"], `
for _, t in ipairs({
  "{% for i in range(100000) %}{% for j in range(100000) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}{% endfor %}",
  "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
  "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
}) do
  print(select(2, pcall(template.render_string, t)))
end
`);
  assert.equal(
    out,
    [
      "template.render_string: render error on line 1: template output too large (over 7 Mi characters)",
      "template.render_string: render error on line 1: string too large (over 7 Mi characters)",
      "template.render_string: render error on line 1: list too large (over 458752 items)",
      "",
    ].join("\n"),
  );
});
