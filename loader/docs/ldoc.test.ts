/**
 * The LDoc header and function names as module-loading.md §5.1 defines them: where parsing
 * stops, how each tag splits, which quickref lines are dropped, and the function names found
 * anywhere in the file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLdoc, parseQuickref } from "./ldoc.ts";

test("the header's tags: module, description, keywords and env lists, quickref lines", () => {
  const meta = parseLdoc(`--- @module assay.widgets
--- @description Widget service client. Health, widgets, bulk import.
--- @keywords widgets, inventory , , import
---   @env WIDGETS_URL, WIDGETS_TOKEN
--- @quickref c.health:check() -> {status} | Check service health
--- @quickref c.widgets:list(opts?) -> [widget] | List widgets
--- @quickref no arrow here | ignored
--- @quickref f() -> x but no bar
---@other ignored
local M = {}
`);
  assert.equal(meta.module, "assay.widgets");
  assert.equal(meta.description, "Widget service client. Health, widgets, bulk import.");
  assert.deepEqual(meta.keywords, ["widgets", "inventory", "import"]);
  assert.deepEqual(meta.env, ["WIDGETS_URL", "WIDGETS_TOKEN"]);
  assert.deepEqual(meta.quickref, [
    { signature: "c.health:check()", returns: "{status}", description: "Check service health" },
    { signature: "c.widgets:list(opts?)", returns: "[widget]", description: "List widgets" },
  ]);
});

test("parsing stops at the first line that does not start with ---", () => {
  const meta = parseLdoc("--- @description First.\n-- @keywords not, header\n--- @description Later.\n");
  assert.equal(meta.description, "First.");
  assert.deepEqual(meta.keywords, []);
  assert.equal(parseLdoc("\n--- @description after a blank line\n").description, "");
});

test("a quickref splits on the first ' -> ' and then the first ' | '", () => {
  assert.deepEqual(parseQuickref("f(a) -> x -> y | d | e"), { signature: "f(a)", returns: "x -> y", description: "d | e" });
  assert.equal(parseQuickref("f(a)->x | d"), undefined);
});

test("function names: every function <ident><.|:><name>( line of the file, nested names kept", () => {
  const meta = parseLdoc(`local M = {}
function M.client(url)
  local c = {}
  function c:health() end
  function c.queries:instant(q) end
  local function hidden() end
end
function standalone() end
function M.client(again) end
`);
  assert.deepEqual(meta.functions, ["client", "health", "queries:instant"]);
});
