/** Value rendering and number equality of assert.* messages (builtins.md §16). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeBytes, renderFloat } from "./render.ts";
import { FLOAT_TOLERANCE, numbersEqual } from "./equal.ts";

test("renderFloat prints like Rust's Display for f64", () => {
  const cases: [number, string][] = [
    [1, "1"],
    [-2, "-2"],
    [0.1, "0.1"],
    [1.5, "1.5"],
    [0.30000000000000004, "0.30000000000000004"],
    [1e20, "100000000000000000000"],
    [1.5e300, "15" + "0".repeat(299)],
    [1e-7, "0.0000001"],
    [1.25e-10, "0.000000000125"],
    [123456.789, "123456.789"],
    [0, "0"],
    [-0, "-0"],
    [NaN, "NaN"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [2 ** 53, "9007199254740992"],
  ];
  for (const [x, want] of cases) assert.equal(renderFloat(x), want, String(x));
});

test("escapeBytes escapes quotes, backslashes, controls and invalid UTF-8", () => {
  const enc = new TextEncoder();
  assert.equal(escapeBytes(enc.encode('a"b\\c')), 'a\\"b\\\\c');
  assert.equal(escapeBytes(enc.encode("\n\r\t\0\x1b\x7f")), "\\n\\r\\t\\0\\u{1b}\\u{7f}");
  assert.equal(escapeBytes(enc.encode("é ✓ 😀")), "é ✓ 😀");
  assert.equal(escapeBytes(new Uint8Array([0x61, 0xff, 0xc3, 0xa9, 0xc3, 0x0a])), "a\\xffé\\xc3\\n");
  assert.equal(escapeBytes(new Uint8Array([0xed, 0xa0, 0x80])), "\\xed\\xa0\\x80", "surrogates are not UTF-8");
  assert.equal(escapeBytes(new Uint8Array([])), "");
});

test("numbersEqual: integers exactly, floats within f64 epsilon", () => {
  assert.ok(numbersEqual(1n, 1n));
  assert.ok(!numbersEqual(9007199254740993n, 9007199254740992n), "integers compare exactly");
  assert.ok(numbersEqual(1n, 1.0));
  assert.ok(numbersEqual(0.1 + 0.2, 0.3));
  assert.ok(!numbersEqual(1, 1 + 2 ** -52), "1 ulp at 1.0 is not below the tolerance");
  assert.ok(numbersEqual(0, FLOAT_TOLERANCE / 2));
  assert.ok(numbersEqual(Infinity, Infinity));
  assert.ok(!numbersEqual(NaN, NaN));
});
