/**
 * The event-stream parser against the HTML standard's examples and rules, fed whole and split
 * at every byte (a CRLF or a UTF-8 sequence cut between two chunks must not change anything).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type SseEvent, SseParser } from "./sse-reader.ts";

function parse(text: string, split?: number): SseEvent[] {
  const bytes = new TextEncoder().encode(text);
  const parser = new SseParser();
  if (split === undefined) return parser.push(bytes);
  return [...parser.push(bytes.subarray(0, split)), ...parser.push(bytes.subarray(split))];
}

const STREAM = ": comment\r\nretry: 2000\r\nid: 7\r\nevent: update\r\ndata: first\r\ndata:second\r\n\r\n" +
  "data: é ünïcode\n\n" +
  "id\ndata\ndata\n\n" +
  "retry: soon\revent: x\rdata: cr only\r\r" +
  "data: unfinished";

const EXPECTED: SseEvent[] = [
  { event: "update", data: "first\nsecond", id: "7", retry: 2000 },
  { event: "message", data: "é ünïcode", id: "7" },
  // `id` with no value resets the last id; two empty data lines make one newline.
  { event: "message", data: "\n" },
  { event: "x", data: "cr only" },
];

test("fields, comments, line endings, id persistence and reset, retry digits only", () => {
  assert.deepEqual(parse(STREAM), EXPECTED);
});

test("the same events whatever the chunk boundaries", () => {
  const length = new TextEncoder().encode(STREAM).length;
  for (let split = 0; split <= length; split++) assert.deepEqual(parse(STREAM, split), EXPECTED, `split at ${split}`);
});

test("a block without data dispatches nothing and resets the event type", () => {
  assert.deepEqual(parse("event: lonely\n\ndata: x\n\n"), [{ event: "message", data: "x" }]);
});
