/**
 * `regex` and `markdown` through the binary: present and working in every profile (they are
 * pure computation), a pattern that sends a backtracking engine into exponential time
 * finishing at once, so a script cannot stall the runtime with one, and results too large for
 * `--memory-limit` refused. Behaviour inside Lua is covered by tests/lua/regex_test.lua and
 * tests/lua/markdown_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";

function runLua(source: string, args: string[] = []) {
  const dir = tempDir();
  writeFileSync(join(dir, "script.lua"), source);
  const started = performance.now();
  const r = runAssay([...args, "script.lua"], { cwd: dir, env: { RUST_LOG: undefined, NO_COLOR: "1" } });
  return { ...r, ms: performance.now() - started };
}

const USE_BOTH = `print(regex.match("a1", "\\\\d"), regex.find("k=v", "(\\\\w)=(\\\\w)").groups[2],
  regex.replace("a-b", "-", "+"), #regex.find_all("x y z", "\\\\w"))
io.write(markdown.to_html("# T\\n\\n~~x~~"))`;

test("regex and markdown: installed and working in full, restricted and pure", () => {
  for (const profile of ["full", "restricted", "pure"]) {
    const r = runLua(USE_BOTH, [`--sandbox=${profile}`]);
    assert.equal(r.code, 0, `${profile}: ${r.stderr}`);
    assert.equal(r.stdout, "true\tv\ta+b\t3\n<h1>T</h1>\n<p><del>x</del></p>\n", profile);
  }
});

test("regex: catastrophic backtracking patterns finish at once (linear-time matching)", () => {
  // (a+)+$ on "aaa…!" takes a backtracking engine 2^n steps: years for these lengths.
  const r = runLua(`local started = os.clock()
assert(regex.match(string.rep("a", 30) .. "!", "(a+)+$") == false)
local spent = os.clock() - started -- engine load included
assert(spent < 1, ("(a+)+$ on 30 a's and a ! took %.3f s"):format(spent))
local n = 0
for _, len in ipairs({30, 1000, 50000}) do
  local s = string.rep("a", len) .. "!"
  assert(regex.match(s, "(a+)+$") == false)
  assert(regex.find(s, "(a|aa)+$") == nil)
  assert(regex.replace(s, "(a*)*b", "x") == s)
  n = n + 1
end
print(n)`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "3\n");
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
});

test("regex: a find_all or replace result too large for the heap limit fails with 'not enough memory'", () => {
  const r = runLua(`local s = string.rep("a", 1000000)
print(pcall(regex.replace, s, "", string.rep("x", 100)))
print(pcall(regex.find_all, s, ""))
print(#regex.replace(s, "a", "bb"), #regex.find_all(string.rep("ab", 1000), "b"))`, ["--memory-limit=8M"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "false\tregex.replace: not enough memory\nfalse\tregex.find_all: not enough memory\n2000000\t1000\n",
  );
});
