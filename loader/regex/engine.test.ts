/**
 * The parts of the regex engine a script cannot observe directly: the pattern cache stays
 * bounded and keeps the patterns in use, and successive empty matches step over whole UTF-8
 * characters but over each byte that is not part of one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as re2js from "re2js";
import { findAll, PatternCache } from "./engine.ts";

test("the pattern cache holds at most its capacity and drops the least recently used", () => {
  const cache = new PatternCache(re2js, 3);
  const a = cache.get("a");
  const b = cache.get("b");
  const c = cache.get("c");
  assert.equal(cache.get("a"), a, "a hit returns the compiled pattern (and makes it the most recent)");
  cache.get("d"); // evicts b, the least recently used
  assert.equal(cache.size, 3);
  assert.equal(cache.get("a"), a);
  assert.equal(cache.get("c"), c);
  assert.notEqual(cache.get("b"), b, "b was dropped and compiled again");
  assert.equal(cache.size, 3);
});

test("invalid patterns are not cached and fail every time", () => {
  const cache = new PatternCache(re2js, 3);
  assert.throws(() => cache.get("(a"), /found open group without closing/);
  assert.throws(() => cache.get("(a"), /found open group without closing/);
  assert.equal(cache.size, 0);
});

test("empty matches step over whole characters, and over invalid bytes one at a time", () => {
  const cache = new PatternCache(re2js);
  const spans = (text: Uint8Array) => findAll(cache.get(""), text).map((m) => m.byteOffset);
  assert.deepEqual(spans(new TextEncoder().encode("a€💩")), [0, 1, 4, 8]);
  assert.deepEqual(spans(new Uint8Array([0xe2, 0x82, 0x61])), [0, 1, 2, 3]);
});
