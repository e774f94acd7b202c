import { test } from "node:test";
import assert from "node:assert/strict";
import { Base64Error, decodeBase64, encodeBase64 } from "./codec.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("encode matches the platform's standard base64 for every length and byte", () => {
  let seed = 7;
  for (let len = 0; len < 300; len++) {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const expected = Buffer.from(b).toString("base64");
    assert.equal(text(encodeBase64(b)), expected);
    assert.deepEqual(decodeBase64(bytes(expected)), b);
  }
});

test("decode rejects what the strict standard engine rejects", () => {
  const bad: [string, RegExp][] = [
    ["Zg", /^invalid length 2/],
    ["Zg=", /^invalid padding at offset 2/],
    ["Z===", /^invalid padding at offset 1/],
    ["Zg==Zg==", /^invalid padding at offset 2/],
    ["Zm9v\n", /^invalid byte 0x0a at offset 4/],
    ["Zm9-", /^invalid '-' \(0x2d\) at offset 3/],
    ["Zm9_", /^invalid '_' \(0x5f\) at offset 3/],
    ["Zh==", /^invalid last symbol 'h' \(0x68\) at offset 1/],
    ["Zm9=", /^invalid last symbol '9' \(0x39\) at offset 2/],
  ];
  for (const [input, message] of bad) {
    assert.throws(() => decodeBase64(bytes(input)), (e: unknown) => e instanceof Base64Error && message.test(e.message), input);
  }
});

test("decode of the empty string is empty", () => {
  assert.equal(decodeBase64(new Uint8Array(0)).length, 0);
  assert.equal(encodeBase64(new Uint8Array(0)).length, 0);
});
