/** Check-mode durations (checks.md §1): the forms a config may use and the message for the rest. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "./duration.ts";

const unsupported = (text: string) => new Error(`unsupported duration format: ${JSON.stringify(text)} (use e.g. '120s', '5m', '500ms')`);

test("the spec's forms: an integer and ms, s or m, surrounding whitespace allowed", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("120s"), 120_000);
  assert.equal(parseDuration(" 500ms "), 500);
  assert.equal(parseDuration("\t30s\n"), 30_000);
  assert.equal(parseDuration("0s"), 0);
  assert.equal(parseDuration("0ms"), 0);
  assert.equal(parseDuration("007s"), 7_000, "leading zeros are still an integer");
});

test("refused: fractions, other units, no unit, a YAML number, a sign, no number, nothing", () => {
  assert.throws(() => parseDuration("30"), unsupported("30"));
  // A YAML integer reaches the parser as a number: the message quotes it like the text.
  assert.throws(() => parseDuration(30), unsupported("30"));
  assert.throws(() => parseDuration("1.5s"), unsupported("1.5s"));
  assert.throws(() => parseDuration("1h"), unsupported("1h"));
  assert.throws(() => parseDuration("-1s"), unsupported("-1s"));
  assert.throws(() => parseDuration("s"), unsupported("s"));
  assert.throws(() => parseDuration("ms"), unsupported("ms"));
  assert.throws(() => parseDuration(""), unsupported(""));
  assert.throws(() => parseDuration("   "), unsupported("   "));
  assert.throws(() => parseDuration("1 s"), unsupported("1 s"), "no space between number and unit");
  assert.throws(() => parseDuration("5M"), unsupported("5M"), "units are lower case");
  assert.throws(() => parseDuration("1m30s"), unsupported("1m30s"));
  assert.throws(() => parseDuration(true), unsupported("true"));
  assert.throws(() => parseDuration(null), unsupported("null"));
});

test("a number too large is a parse error of the number, not a wrapped-around duration", () => {
  assert.throws(() => parseDuration("99999999999999999999s"), /^Error: invalid duration number "99999999999999999999": number too large$/);
  // Safe in the text, unsafe once made milliseconds.
  assert.throws(() => parseDuration("9007199254740991m"), /number too large/);
  assert.equal(parseDuration("9007199254740991ms"), Number.MAX_SAFE_INTEGER);
});

test("formatDuration: the largest whole unit, and it reads back to the same milliseconds", () => {
  assert.equal(formatDuration(500), "500ms");
  assert.equal(formatDuration(1_000), "1s");
  assert.equal(formatDuration(1_500), "1500ms");
  assert.equal(formatDuration(30_000), "30s");
  assert.equal(formatDuration(60_000), "1m");
  assert.equal(formatDuration(90_000), "90s");
  assert.equal(formatDuration(300_000), "5m");
  assert.equal(formatDuration(0), "0ms");
  for (const ms of [0, 1, 999, 1_000, 1_001, 59_000, 60_000, 61_000, 3_600_000, 86_400_123]) {
    assert.equal(parseDuration(formatDuration(ms)), ms, `${ms} -> ${formatDuration(ms)}`);
  }
  for (const text of ["500ms", "30s", "5m"]) assert.equal(formatDuration(parseDuration(text)), text);
});
