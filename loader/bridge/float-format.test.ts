import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFloat, nonFiniteName } from "./float-format.ts";

test("integral floats keep .0 in the fixed range", () => {
  assert.equal(formatFloat(5), "5.0");
  assert.equal(formatFloat(-5), "-5.0");
  assert.equal(formatFloat(1e15), "1000000000000000.0");
  assert.equal(formatFloat(9007199254740993), "9007199254740992.0");
  assert.equal(formatFloat(1234567890123456), "1234567890123456.0");
});

test("zero and negative zero", () => {
  assert.equal(formatFloat(0), "0.0");
  assert.equal(formatFloat(-0), "-0.0");
});

test("fractions in the fixed range use the shortest digits", () => {
  assert.equal(formatFloat(12.34), "12.34");
  assert.equal(formatFloat(0.1), "0.1");
  assert.equal(formatFloat(0.1 + 0.2), "0.30000000000000004");
  assert.equal(formatFloat(1e-5), "0.00001");
  assert.equal(formatFloat(1.5e-5), "0.000015");
  assert.equal(formatFloat(-0.00012), "-0.00012");
  assert.equal(formatFloat(123456.789), "123456.789");
  assert.equal(formatFloat(1234567890123456.7), "1234567890123456.8");
});

test("scientific outside [1e-5, 1e16)", () => {
  assert.equal(formatFloat(1e16), "1e16");
  assert.equal(formatFloat(-1e16), "-1e16");
  assert.equal(formatFloat(1.5e-7), "1.5e-7");
  assert.equal(formatFloat(9.9e-6), "9.9e-6");
  assert.equal(formatFloat(1.2345678901234568e17), "1.2345678901234568e17");
  assert.equal(formatFloat(2 ** 63), "9.223372036854776e18");
  assert.equal(formatFloat(1e300), "1e300");
  assert.equal(formatFloat(Number.MAX_VALUE), "1.7976931348623157e308");
  assert.equal(formatFloat(5e-324), "5e-324");
  assert.equal(formatFloat(2.2250738585072014e-308), "2.2250738585072014e-308");
});

test("every formatted float reads back as the same double", () => {
  let seed = 12345;
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 20000; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    view.setUint32(0, seed);
    seed = (seed * 1103515245 + 12345) >>> 0;
    view.setUint32(4, seed);
    const x = view.getFloat64(0);
    if (!Number.isFinite(x)) continue;
    assert.equal(Number(formatFloat(x)), x, `${x} -> ${formatFloat(x)}`);
  }
});

test("non-finite names as Rust prints them", () => {
  assert.equal(nonFiniteName(NaN), "NaN");
  assert.equal(nonFiniteName(Infinity), "inf");
  assert.equal(nonFiniteName(-Infinity), "-inf");
});
