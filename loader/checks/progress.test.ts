/** Run progress: the plain log lines of checks.md §7 and the live terminal view. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySink } from "../log-sink.ts";
import { logLines, shouldShowProgress, TerminalProgress } from "./progress.ts";
import type { CheckSpec } from "./types.ts";

function spec(index: number, name: string): CheckSpec {
  return {
    index, name, type: "http", url: "http://127.0.0.1:1/", follow_redirects: true, env: {}, method: "GET",
    headers: {}, retries: 2, backoff: 1500, needs: [],
  };
}

const API = spec(0, "api-health");
const PROM = spec(1, "prometheus-targets");
const DASH = spec(2, "dashboards");

test("logLines: retry, completion and timeout lines with their fields; attempts write nothing", () => {
  const sink = memorySink();
  const events = logLines(sink);
  events.attempt(API, 1, 3);
  events.retrying(API, 1, 3, 1500, "expected status 200, got 503");
  events.attempt(API, 2, 3);
  events.completed(API, { name: "api-health", passed: true, duration_ms: 12, message: null });
  events.completed(PROM, { name: "prometheus-targets", passed: false, duration_ms: 8, message: "expected min 3, got 2" });
  events.completed(DASH, { name: "dashboards", passed: false, skipped: true, duration_ms: 0, message: "needs x" });
  events.globalTimeout(90_999);
  assert.deepEqual(sink.records, [
    {
      level: "INFO", target: "assay", message: "check failed, retrying",
      fields: { check: "api-health", attempt: 1, max_attempts: 3, backoff_secs: 1.5, message: "expected status 200, got 503" },
    },
    { level: "INFO", target: "assay", message: "check completed", fields: { check: "api-health", result: "PASS", duration_ms: 12 } },
    { level: "INFO", target: "assay", message: "check completed", fields: { check: "prometheus-targets", result: "FAIL", duration_ms: 8 } },
    { level: "INFO", target: "assay", message: "check completed", fields: { check: "dashboards", result: "SKIP", duration_ms: 0 } },
    { level: "ERROR", target: "assay", message: "global timeout exceeded", fields: { timeout_secs: 90 } },
  ]);
});

test("shouldShowProgress: a terminal, NO_COLOR unset or empty, TERM not dumb", () => {
  assert.equal(shouldShowProgress(true, { TERM: "xterm-256color" }), true);
  assert.equal(shouldShowProgress(true, {}), true);
  assert.equal(shouldShowProgress(true, { NO_COLOR: "" }), true);
  assert.equal(shouldShowProgress(false, { TERM: "xterm" }), false);
  assert.equal(shouldShowProgress(true, { NO_COLOR: "1" }), false);
  assert.equal(shouldShowProgress(true, { TERM: "dumb" }), false);
});

/** A fake terminal: collects writes and replays the cursor moves onto a screen of lines. */
function terminal(columns?: number, rows?: number) {
  const writes: string[] = [];
  return {
    writes,
    out: { write: (s: string) => void writes.push(s), columns, rows },
    /** The screen after every write, without colour codes. */
    screen(): string[] {
      const screen: string[] = [];
      let row = 0;
      let col = 0;
      const text = writes.join("");
      // deno-lint-ignore no-control-regex
      const tokens = text.match(/\x1b\[\d*[A-Za-z]|\r|\n|[^\x1b\r\n]/gu) ?? [];
      for (const t of tokens) {
        const line = screen[row] ?? "";
        if (t === "\n") [row, col] = [row + 1, 0];
        else if (t === "\r") col = 0;
        else if (t.endsWith("A")) row = Math.max(0, row - Number(t.slice(2, -1) || 1));
        else if (t === "\x1b[2K") screen[row] = "";
        else if (t === "\x1b[J") {
          screen.length = row + 1;
          screen[row] = line.slice(0, col);
        }
        else if (t.startsWith("\x1b[")) continue; // colour
        else {
          screen[row] = line.padEnd(col).slice(0, col) + t + line.slice(col + 1);
          col++;
        }
      }
      while (screen.length <= row) screen.push("");
      return [...screen].map((l) => l ?? "");
    },
  };
}

// deno-lint-ignore no-control-regex
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

test("progress: waiting, running, retrying and finished rows; ✓/✗/- with durations", () => {
  let now = 0;
  const term = terminal(100);
  const view = new TerminalProgress([API, PROM, DASH], term.out, { now: () => now, intervalMs: 60_000 });
  try {
    assert.deepEqual(term.screen(), ["  api-health", "  prometheus-targets", "  dashboards", ""]);
    view.attempt(API, 1, 3);
    now = 1200;
    view.retrying(API, 1, 3, 5000, "expected status 200, got 503\nsecond line");
    now = 2200;
    view.globalTimeout(0); // any event redraws
    const screen = term.screen();
    assert.match(screen[0], /^. api-health {10}attempt 1\/3 {2}retry in 4\.0s {2}expected status 200, got 503$/);
    assert.ok(!screen[0].includes("second line"));
    view.attempt(API, 2, 3);
    now = 3500;
    view.attempt(PROM, 1, 3); // redraw with the clock moved on
    assert.match(term.screen()[0], /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] api-health {10}attempt 2\/3 {2}1\.3s {2}expected status 200, got 503$/);
    view.completed(API, { name: "api-health", passed: true, duration_ms: 12, message: null });
    view.completed(PROM, { name: "prometheus-targets", passed: false, duration_ms: 8, message: "expected min 3, got 2" });
    view.completed(DASH, { name: "dashboards", passed: false, skipped: true, duration_ms: 0, message: "needs prometheus-targets" });
    view.finish();
    assert.deepEqual(term.screen(), [
      "✓ api-health          12 ms",
      "✗ prometheus-targets  8 ms  expected min 3, got 2",
      "- dashboards          needs prometheus-targets",
      "",
    ]);
  } finally {
    view.finish();
  }
});

test("progress: every line is cut to columns - 1, wide characters counted as two", () => {
  const term = terminal(30);
  const long = { ...spec(0, "a-check-with-a-very-long-name-indeed"), index: 0 };
  const wide = spec(1, "監視チェック監視チェック監視チェック");
  const view = new TerminalProgress([long, wide], term.out, { intervalMs: 60_000 });
  try {
    view.attempt(long, 1, 4);
    view.retrying(long, 1, 4, 1000, "x".repeat(200));
  } finally {
    view.finish();
  }
  const widthOf = (s: string) => [...s].reduce((n, c) => n + (c.codePointAt(0)! >= 0x3000 ? 2 : 1), 0);
  for (const write of term.writes) {
    for (const line of write.split("\n").map(visible)) {
      // deno-lint-ignore no-control-regex
      const text = line.replace(/\x1b\[\d*[A-Z]|\r/g, "");
      assert.ok(widthOf(text) <= 29, `too wide (${widthOf(text)}): ${JSON.stringify(text)}`);
    }
  }
  const [first, second] = term.screen();
  assert.ok(first.endsWith("…") && second.endsWith("…"), JSON.stringify([first, second]));
});

test("progress: without a width it assumes 80 columns", () => {
  const term = terminal();
  const view = new TerminalProgress([spec(0, "n".repeat(300))], term.out, { intervalMs: 60_000 });
  view.finish();
  assert.equal(term.screen()[0].length, 79);
});

test("progress: log() writes the line above the block, which is redrawn below it", () => {
  const term = terminal(80);
  const view = new TerminalProgress([API, PROM], term.out, { intervalMs: 60_000 });
  try {
    view.attempt(API, 1, 1);
    view.log("2026-04-12T10:00:00.000000Z  INFO schema at version 42");
    view.completed(API, { name: "api-health", passed: true, duration_ms: 3, message: null });
    view.log("second line\n");
  } finally {
    view.finish();
  }
  assert.deepEqual(term.screen(), [
    "2026-04-12T10:00:00.000000Z  INFO schema at version 42",
    "second line",
    "✓ api-health          3 ms",
    "  prometheus-targets",
    "",
  ]);
  view.log("after finish");
  assert.equal(term.writes.at(-1), "after finish\n");
});

test("progress: redraws on the timer, and finish() stops it for good", async () => {
  const term = terminal(80);
  let now = 0;
  const view = new TerminalProgress([API], term.out, { intervalMs: 10, now: () => (now += 7) });
  try {
    view.attempt(API, 1, 1);
    const before = term.writes.length;
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(term.writes.length > before, "the running clock is redrawn without events");
  } finally {
    view.finish();
  }
  const after = term.writes.length;
  view.attempt(API, 1, 1);
  view.completed(API, { name: "api-health", passed: true, duration_ms: 1, message: null });
  view.finish();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(term.writes.length, after, "nothing is drawn after finish()");
});

test("progress: a block taller than the screen shows a window and a note, then everything at the end", () => {
  const checks = Array.from({ length: 12 }, (_, i) => spec(i, `check-${i}`));
  const term = terminal(80, 6);
  const view = new TerminalProgress(checks, term.out, { intervalMs: 60_000 });
  try {
    for (const c of checks.slice(0, 7)) view.completed(c, { name: c.name, passed: true, duration_ms: 1, message: null });
    view.attempt(checks[7], 1, 1);
    const screen = term.screen();
    assert.equal(screen.length - 1, 5, JSON.stringify(screen));
    assert.match(screen[0], /check-7 +attempt 1\/1/);
    assert.equal(screen[4], "  … 7 more above, 1 more below");
  } finally {
    view.finish();
  }
  const screen = term.screen();
  assert.equal(screen.length - 1, 12);
  assert.match(screen[11], /^ {2}check-11$/);
});

test("progress: no checks draws nothing", () => {
  const term = terminal(80);
  const view = new TerminalProgress([], term.out);
  view.finish();
  assert.deepEqual(term.writes, []);
});
