/**
 * `expect.json` (checks.md §2.1), rule by rule: the split, the path, the literal, equality
 * without numeric coercion, and what an invalid body reports. Also parseFloat64, which reads
 * literals and Prometheus values as Rust's `f64::from_str` does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonExpectation, parseFloat64 } from "./json-expect.ts";

/** Asserts the expression holds for the body. */
const holds = (body: string, expr: string) => assert.equal(jsonExpectation(body, expr), null, `${expr} on ${body}`);
/** Asserts the expression is evaluated and is false. */
const fails = (body: string, expr: string) => assert.equal(jsonExpectation(body, expr), `JSON expression failed: ${expr}`, `${expr} on ${body}`);

test("split on the first ==, both sides trimmed; a literal may itself contain ==", () => {
  holds('{"a":"x==y"}', ".a == x==y");
  holds('{"a":"x==y"}', '.a=="x==y"');
  holds('{"a":"==="}', ".a ====="); // path ".a", literal "==="
  holds('{"a":1}', "   .a   ==   1   ");
  holds('{"a":"two words"}', ".a == two words");
  // The failure message repeats the expression as written.
  assert.equal(jsonExpectation('{"a":2}', " .a == 1 "), "JSON expression failed:  .a == 1 ");
});

test("any other form is a syntax error naming the expression", () => {
  for (const expr of [".a", ".a = 1", ".a != 1", ""]) {
    assert.equal(jsonExpectation("{}", expr), `unsupported JSON expression syntax: ${JSON.stringify(expr)} (expected '.path == value')`);
  }
});

test("path: leading dots stripped, empty segments skipped, `.` or nothing is the root", () => {
  holds('{"a":{"b":{"c":true}}}', ".a.b.c == true");
  holds('{"a":{"b":{"c":true}}}', "a.b.c == true");
  holds('{"a":{"b":{"c":true}}}', "...a..b.c. == true");
  holds('"x"', '. == "x"');
  holds('"x"', '== "x"');
  holds('"x"', '.... == "x"');
  holds("42", ". == 42");
  holds("null", ". == null");
  // Segments are trimmed as in the reference.
  holds('{"a":{"b":1}}', ". a . b == 1");
  // Keys are compared exactly: case and inner characters count.
  holds('{"A b":{"é":1}}', ".A b.é == 1");
  assert.equal(jsonExpectation('{"A":1}', ".a == 1"), "JSON path '.a' not found in response");
});

test("no array indexing: a number is an object key, which an array does not have", () => {
  assert.equal(jsonExpectation('{"items":[1,2]}', ".items.0 == 1"), "JSON path '.0' not found in response");
  assert.equal(jsonExpectation("[1]", ".0 == 1"), "JSON path '.0' not found in response");
  holds('{"items":{"0":1}}', ".items.0 == 1");
});

test("a missing key names the segment that was missing, not the whole path", () => {
  assert.equal(jsonExpectation('{"a":{}}', ".a.b.c == 1"), "JSON path '.b' not found in response");
  assert.equal(jsonExpectation('{"a":1}', ".a.b == 1"), "JSON path '.b' not found in response", "a scalar has no keys");
  assert.equal(jsonExpectation('{"a":null}', ".a.b == 1"), "JSON path '.b' not found in response");
  assert.equal(jsonExpectation('"text"', ".length == 4"), "JSON path '.length' not found in response");
  // A key whose value is null is present.
  holds('{"a":null}', ".a == null");
});

test("literal: double-quoted is a string taken without escape processing", () => {
  holds('{"a":"stable"}', '.a == "stable"');
  holds('{"a":"true"}', '.a == "true"');
  holds('{"a":"1"}', '.a == "1"');
  holds('{"a":"null"}', '.a == "null"');
  holds('{"a":""}', '.a == ""');
  holds('{"a":" padded "}', '.a == " padded "');
  // The literal's backslash stays a backslash: it matches a body string holding one.
  holds('{"a":"a\\\\nb"}', '.a == "a\\nb"');
  fails('{"a":"a\\nb"}', '.a == "a\\nb"');
  // Inner quotes are kept; a lone quote is too short to be quoted, so it is a bare string.
  holds('{"a":"say \\"hi\\""}', '.a == "say "hi""');
  holds('{"a":"\\""}', '.a == "');
  fails('{"a":1}', '.a == "1"');
});

test("literal: true, false and null", () => {
  holds('{"a":true}', ".a == true");
  holds('{"a":false}', ".a == false");
  holds('{"a":null}', ".a == null");
  fails('{"a":"true"}', ".a == true");
  fails('{"a":false}', ".a == null");
  fails('{"a":0}', ".a == false");
  // Only the lower-case words: the others are bare strings.
  holds('{"a":"True"}', ".a == True");
  holds('{"a":"NULL"}', ".a == NULL");
});

test("literal: an i64 is an integer, negatives and both bounds included", () => {
  holds('{"a":42}', ".a == 42");
  holds('{"a":-7}', ".a == -7");
  holds('{"a":7}', ".a == +7");
  holds('{"a":0}', ".a == 0");
  holds('{"a":0}', ".a == -0");
  holds('{"a":9223372036854775807}', ".a == 9223372036854775807");
  holds('{"a":-9223372036854775808}', ".a == -9223372036854775808");
  fails('{"a":9223372036854775806}', ".a == 9223372036854775807");
  // One past i64: the literal is a float, and a (u64) body integer is never equal to a float.
  fails('{"a":9223372036854775808}', ".a == 9223372036854775808");
  // Below i64 the body value is a float too (serde_json), so the two floats are equal.
  holds('{"a":-9223372036854775809}', ".a == -9223372036854775809");
});

test("literal: an f64 is a float, exponent forms included; a non-finite one is JSON null", () => {
  holds('{"a":1.5}', ".a == 1.5");
  holds('{"a":-0.25}', ".a == -0.25");
  holds('{"a":1e3}', ".a == 1000.0");
  holds('{"a":1000.0}', ".a == 1e3");
  holds('{"a":1.5E-7}', ".a == 0.00000015");
  holds('{"a":0.5}', ".a == .5");
  holds('{"a":5.0}', ".a == 5.");
  holds('{"a":100.0}', ".a == +1e+2");
  // 1e3 is a float literal (it does not parse as an i64): it never equals the integer 1000.
  fails('{"a":1000}', ".a == 1e3");
  // A float that is not finite has no JSON form: the reference's serde_json makes it null.
  holds('{"a":null}', ".a == inf");
  holds('{"a":null}', ".a == NaN");
  holds('{"a":null}', ".a == -Infinity");
  fails('{"a":"inf"}', ".a == inf");
});

test("literal: anything else is a bare string", () => {
  holds('{"status":"ok"}', ".status == ok");
  holds('{"a":"0x10"}', ".a == 0x10");
  holds('{"a":"1_000"}', ".a == 1_000");
  holds('{"a":"[1,2]"}', ".a == [1,2]");
  holds('{"a":"\\"half"}', '.a == "half');
  fails('{"a":16}', ".a == 0x10");
});

test("no numeric coercion between integer and float, either way", () => {
  fails('{"n":1.0}', ".n == 1");
  fails('{"n":1}', ".n == 1.0");
  fails('{"n":1e0}', ".n == 1");
  fails('{"n":100}', ".n == 1e2");
  holds('{"n":1.0}', ".n == 1.0");
  holds('{"n":1.0}', ".n == 1.00");
  holds('{"n":10E-1}', ".n == 1.0");
  holds('{"n":1}', ".n == 1");
  // Floats compare by value: -0.0 equals 0.0.
  holds('{"n":-0.0}', ".n == 0.0");
  holds('{"n":0.0}', ".n == -0.0");
});

test("body numbers keep serde_json's kinds: -0 and integers past 64 bits are floats", () => {
  // serde_json reads `-0` as the float -0.0, so it is not the integer 0.
  fails('{"n":-0}', ".n == 0");
  holds('{"n":-0}', ".n == 0.0");
  // u64 integers are integers; a literal can only be an i64, so past i64 nothing equals them.
  fails('{"n":18446744073709551615}', ".n == 18446744073709551615");
  // Past u64 the body value is a float, equal to the float the literal becomes.
  holds('{"n":18446744073709551616}', ".n == 18446744073709551616");
  holds('{"n":123456789012345678901234567890}', ".n == 1.2345678901234568e29");
  holds('{"n":-9223372036854775809}', ".n == -9223372036854775809.0");
});

test("objects and arrays never equal a literal (a literal cannot be one); their members can", () => {
  fails('{"a":[1,2]}', ".a == [1,2]");
  fails('{"a":{}}', ".a == {}");
  fails('{"a":[]}', ".a == null");
  fails("[]", ". == []");
  holds('{"a":{"b":[1,{"c":"d"}],"e":"f"}}', ".a.e == f");
});

test("strings in the body are unescaped before comparing; duplicate keys keep the last", () => {
  holds('{"a":"\\u00e9\\t\\/"}', '.a == "é\t/"');
  holds('{"a":"\\ud83d\\ude00"}', '.a == "😀"');
  holds('{"a":1,"a":2}', ".a == 2");
  holds(' \n\t{ "a" : [ ] , "b" : "x" } \r\n', ".b == x");
});

test("a body that is not JSON: `response body is not valid JSON: <detail>`", () => {
  const invalid = /^response body is not valid JSON: .+/;
  for (
    const body of [
      '{"a":1} x', // trailing garbage
      '{"a":1}{}',
      '{"a":"x', // unterminated string
      '{"a":"\u0001"}', // a raw control character in a string
      '{"a":"\n"}',
      "-", // a lone minus
      "",
      "   ",
      "ok",
      "{'a':1}",
      '{"a":1,}',
      "[1,]",
      "01",
      "1.",
      ".5",
      "+1",
      "NaN",
      "Infinity",
      '{"a":tru}',
      '{"a" 1}',
      '{a:1}',
      '"\\x"',
      '"\\u12"',
      "[1e400]", // serde_json holds only finite floats
      "\ufeff{}", // a byte order mark is not whitespace
    ]
  ) {
    assert.match(jsonExpectation(body, ". == 1") ?? "passed", invalid, JSON.stringify(body));
  }
  assert.equal(jsonExpectation('{"a":1} x', ".a == 1"), "response body is not valid JSON: trailing characters at offset 8");
  assert.equal(jsonExpectation("-", ". == 1"), "response body is not valid JSON: expected a value at offset 0");
  assert.equal(jsonExpectation('{"a":1e400}', ".a == 1"), "response body is not valid JSON: number out of range at offset 5");
});

test("a large body evaluates in linear time (a 5 MB array, a 5 MB string)", () => {
  const started = performance.now();
  const array = `[${Array.from({ length: 800_000 }, (_, i) => (i % 2 ? i : i + 0.5)).join(",")},{"last":"here"}]`;
  assert.ok(array.length > 5_000_000);
  assert.equal(jsonExpectation(array, ". == 1"), "JSON expression failed: . == 1");
  const object = JSON.stringify({ pad: "x".repeat(5_000_000), deep: { end: true } });
  holds(object, ".deep.end == true");
  const spaced = `{${" ".repeat(5_000_000)}"a":1}`;
  holds(spaced, ".a == 1");
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 10_000, `took ${Math.round(elapsed)} ms`);
});

test("nesting deeper than the stack is an invalid body, not a crash", () => {
  assert.match(jsonExpectation("[".repeat(200_000), ". == 1")!, /^response body is not valid JSON: /);
});

test("parseFloat64 reads what Rust's f64::from_str reads", () => {
  assert.equal(parseFloat64("inf"), Infinity);
  assert.equal(parseFloat64("+inf"), Infinity);
  assert.equal(parseFloat64("-Infinity"), -Infinity);
  assert.equal(parseFloat64("+Inf"), Infinity, "Prometheus writes +Inf");
  assert.equal(parseFloat64("INFINITY"), Infinity);
  assert.ok(Number.isNaN(parseFloat64("NaN")));
  assert.ok(Number.isNaN(parseFloat64("nan")));
  assert.ok(Number.isNaN(parseFloat64("-NaN")));
  assert.equal(parseFloat64("+1.5"), 1.5);
  assert.equal(parseFloat64(".5"), 0.5);
  assert.equal(parseFloat64("5."), 5);
  assert.equal(parseFloat64("-.5e1"), -5);
  assert.equal(parseFloat64("1E+3"), 1000);
  assert.equal(parseFloat64("007"), 7);
  assert.ok(Object.is(parseFloat64("-0"), -0));
  assert.equal(parseFloat64("1e400"), Infinity, "overflow is infinity, not an error");
  assert.equal(parseFloat64("1e-400"), 0);
});

test("parseFloat64 refuses what Rust refuses", () => {
  for (const text of ["0x10", "", " 1", "1 ", "1_000", ".", "e5", "1e", "1e+", "+", "-", "in", "infinit", "nana", "1,5", "--1", "Infinity1"]) {
    assert.equal(parseFloat64(text), undefined, JSON.stringify(text));
  }
});
