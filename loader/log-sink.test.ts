/** Log sinks: text and JSON line formats, RUST_LOG-style filters, the memory sink. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySink, parseFilter, stderrSink, timestamp } from "./log-sink.ts";

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function collect(format: "text" | "json", spec?: string) {
  const lines: string[] = [];
  const sink = stderrSink({ format, filter: parseFilter(spec), out: (l) => lines.push(l) });
  return { sink, lines };
}

test("timestamps are RFC 3339 UTC with microseconds", () => {
  assert.match(timestamp(), STAMP);
  assert.equal(timestamp(Date.UTC(2026, 3, 12, 10, 0, 0, 123), 456), "2026-04-12T10:00:00.123456Z");
  assert.equal(timestamp(Date.UTC(2026, 0, 1), 7), "2026-01-01T00:00:00.000007Z");
});

test("text lines: timestamp, level right-aligned to 5, message, key=value fields", () => {
  const { sink, lines } = collect("text");
  sink.write("INFO", "lua", "hello", { check: "api", n: 3, ok: true, text: "two words", empty: "" });
  sink.write("ERROR", "assay", "failed");
  assert.equal(lines.length, 2);
  const [stamp, rest] = [lines[0].slice(0, 27), lines[0].slice(27)];
  assert.match(stamp, STAMP);
  assert.equal(rest, '  INFO hello check=api n=3 ok=true text="two words" empty=""\n');
  assert.equal(lines[1].slice(27), " ERROR failed\n");
});

test("a traceback follows the text line as it is, not as a field", () => {
  const { sink, lines } = collect("text");
  sink.write("ERROR", "lua", "x.lua:1: boom", { traceback: "stack traceback:\n\t[C]: in ?" });
  assert.equal(lines[0].slice(27), " ERROR x.lua:1: boom\nstack traceback:\n\t[C]: in ?\n");
});

test("JSON lines: time, level, target, message and the fields", () => {
  const { sink, lines } = collect("json");
  sink.write("WARN", "lua", "careful", { key: "v", n: 1 });
  assert.equal(lines.length, 1);
  assert.ok(lines[0].endsWith("\n") && !lines[0].slice(0, -1).includes("\n"));
  const record = JSON.parse(lines[0]);
  assert.match(record.time, STAMP);
  assert.deepEqual({ ...record, time: 0 }, { time: 0, level: "WARN", target: "lua", message: "careful", key: "v", n: 1 });
  sink.write("ERROR", "lua", "multi\nline", { traceback: "stack traceback:\n\tx" });
  assert.equal(JSON.parse(lines[1]).traceback, "stack traceback:\n\tx");
  assert.equal(lines[1].split("\n").length, 2, "one line per record even with newlines inside");
});

test("the default filter is info; a bare level and per-target directives work", () => {
  const def = collect("text");
  def.sink.write("DEBUG", "assay", "hidden");
  def.sink.write("INFO", "lua", "shown");
  assert.equal(def.lines.length, 1);
  assert.equal(def.sink.enabled("DEBUG", "lua"), false);
  assert.equal(def.sink.enabled("INFO", "lua"), true);

  const warn = collect("text", "warn");
  warn.sink.write("INFO", "assay", "starting assay (script mode)");
  warn.sink.write("INFO", "lua", "info line");
  warn.sink.write("WARN", "lua", "warned");
  assert.deepEqual(warn.lines.map((l) => l.slice(27)), ["  WARN warned\n"]);

  const per = parseFilter("info,lua=debug,assay=error");
  assert.equal(per("lua"), 4);
  assert.equal(per("assay"), 1);
  const upper = parseFilter("DEBUG");
  assert.equal(upper("assay"), 4);
  assert.equal(parseFilter("trace")("lua"), 5);
  assert.equal(parseFilter("off")("lua"), 0);
  // Unknown words are ignored rather than silencing everything.
  assert.equal(parseFilter("verbose")("lua"), 3);
  assert.equal(parseFilter(undefined)("lua"), 3);
  assert.equal(parseFilter("", "DEBUG")("lua"), 4);
});

test("the memory sink records everything, for tests", () => {
  const sink = memorySink();
  sink.write("TRACE", "lua", "m", { a: 1 });
  sink.write("ERROR", "assay", "e");
  assert.equal(sink.enabled("TRACE", "lua"), true);
  assert.deepEqual(sink.records, [
    { level: "TRACE", target: "lua", message: "m", fields: { a: 1 } },
    { level: "ERROR", target: "assay", message: "e", fields: {} },
  ]);
});
