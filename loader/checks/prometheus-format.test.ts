/**
 * How prometheus check messages write numbers (checks.md §3): `query returned: 1`,
 * `expected min 3, got 2.5`. The spec asks for the shortest form without a trailing `.0`
 * and names `1e-7` as an example, so small and large magnitudes use an exponent as in JS.
 * (Rust's f64 Display, which the spec also cites, writes 1e-7 as `0.0000001`: the spec's own
 * example is followed here.) Infinities and NaN read as Rust writes them, and so does -0:
 * a Prometheus value "-0" is reported as `-0`, not `0`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFloat } from "./prometheus-check.ts";
import { parseFloat64 } from "./json-expect.ts";

test("the spec's examples: 1, 0.5, 1e-7", () => {
  assert.equal(formatFloat(1), "1");
  assert.equal(formatFloat(0.5), "0.5");
  assert.equal(formatFloat(1e-7), "1e-7");
});

test("whole numbers have no .0; fractions are the shortest that reads back", () => {
  assert.equal(formatFloat(3), "3");
  assert.equal(formatFloat(-2), "-2");
  assert.equal(formatFloat(0), "0");
  assert.equal(formatFloat(1234567), "1234567");
  assert.equal(formatFloat(0.1 + 0.2), "0.30000000000000004");
  assert.equal(formatFloat(2.5), "2.5");
  assert.equal(formatFloat(1.5e-7), "1.5e-7");
  for (const x of [0.1, 1 / 3, 123.456, 1e-7, 2 ** 53, 1e300]) assert.equal(Number(formatFloat(x)), x);
});

test("inf, -inf and NaN as Rust writes them", () => {
  assert.equal(formatFloat(Infinity), "inf");
  assert.equal(formatFloat(-Infinity), "-inf");
  assert.equal(formatFloat(NaN), "NaN");
});

test("-0 keeps its sign, as in Rust", () => {
  assert.equal(formatFloat(-0), "-0");
  assert.equal(formatFloat(parseFloat64("-0")!), "-0");
  assert.equal(formatFloat(parseFloat64("-0.0")!), "-0");
});

test("Prometheus's own value strings read and write back", () => {
  const shown = (text: string) => formatFloat(parseFloat64(text)!);
  assert.equal(shown("1"), "1");
  assert.equal(shown("42.000"), "42");
  assert.equal(shown("+Inf"), "inf");
  assert.equal(shown("-Inf"), "-inf");
  assert.equal(shown("NaN"), "NaN");
  assert.equal(shown("1e-07"), "1e-7");
});
