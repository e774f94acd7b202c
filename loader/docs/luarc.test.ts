/**
 * `.luarc.json` merging: a new file, an existing one in either form, a second run that changes
 * nothing, and files that are refused rather than rewritten.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LuarcError, mergeLuarc } from "./luarc.ts";

test("a new file lists the directory and Lua 5.4", () => {
  const r = mergeLuarc(undefined, ".assay/types");
  assert.equal(r.changed, true);
  const json = JSON.parse(r.text);
  assert.deepEqual(json["workspace.library"], [".assay/types"]);
  assert.equal(json["runtime.version"], "Lua 5.4");
  assert.ok(r.text.endsWith("}\n"));
});

test("an existing file keeps its settings; the directory is added once", () => {
  const existing = JSON.stringify({ "diagnostics.globals": ["vim"], "workspace.library": ["lib"], "runtime.version": "Lua 5.1" });
  const r = mergeLuarc(existing, "types");
  const json = JSON.parse(r.text);
  assert.deepEqual(json["workspace.library"], ["lib", "types"]);
  assert.deepEqual(json["diagnostics.globals"], ["vim"]);
  assert.equal(json["runtime.version"], "Lua 5.1", "a version the user chose stays");
  assert.equal(mergeLuarc(r.text, "types").changed, false);
});

test("the nested form is merged into as nested", () => {
  const r = mergeLuarc(JSON.stringify({ workspace: { checkThirdParty: false }, runtime: { path: ["?.lua"] } }), "t");
  const json = JSON.parse(r.text);
  assert.deepEqual(json.workspace, { checkThirdParty: false, library: ["t"] });
  assert.deepEqual(json.runtime, { path: ["?.lua"], version: "Lua 5.4" });
  assert.equal(json["workspace.library"], undefined);
});

test("a file that is not a plain JSON object, or whose library is not a list, is refused", () => {
  assert.throws(() => mergeLuarc("{ // comment\n}", "t"), (e) => e instanceof LuarcError && /not plain JSON.*add "t" to its "workspace.library" yourself/.test(e.message));
  assert.throws(() => mergeLuarc("[]", "t"), /not a JSON object/);
  assert.throws(() => mergeLuarc('{"workspace.library": "lib"}', "t"), /not a list of paths/);
});
