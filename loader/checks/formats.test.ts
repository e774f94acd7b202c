/** Report formats: the spec's JSON, JUnit XML read by a real XML parser, TAP 13, text. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { formatReport, isReportFormat, REPORT_FORMATS } from "./formats.ts";
import type { CheckReport } from "./types.ts";

const REPORT: CheckReport = {
  passed: false,
  checks: [
    { name: "grafana-healthy", passed: true, duration_ms: 12, message: null },
    { name: "prometheus-targets", passed: false, duration_ms: 8, message: "expected min 3, got 2" },
    { name: "dashboards", passed: false, skipped: true, duration_ms: 0, message: "needs prometheus-targets" },
  ],
  duration_ms: 15034,
};

test("the formats by name", () => {
  assert.deepEqual([...REPORT_FORMATS], ["json", "junit", "tap", "text"]);
  assert.ok(isReportFormat("junit"));
  assert.ok(!isReportFormat("xml"));
});

test("json: the spec's document, key order, null written, skipped only on skipped checks", () => {
  const report: CheckReport = {
    passed: false,
    // Keys deliberately out of order, as a result built elsewhere might be.
    checks: [
      { message: null, duration_ms: 12, passed: true, name: "a" } as CheckReport["checks"][0],
      { name: "b", passed: false, skipped: true, duration_ms: 0, message: "needs c" },
      { name: "c", passed: false, skipped: undefined, duration_ms: 8, message: "boom" },
    ],
    duration_ms: 20,
  };
  const expected = `{
  "passed": false,
  "checks": [
    {
      "name": "a",
      "passed": true,
      "duration_ms": 12,
      "message": null
    },
    {
      "name": "b",
      "passed": false,
      "skipped": true,
      "duration_ms": 0,
      "message": "needs c"
    },
    {
      "name": "c",
      "passed": false,
      "duration_ms": 8,
      "message": "boom"
    }
  ],
  "duration_ms": 20
}
`;
  assert.equal(formatReport("json", report), expected);
  assert.equal(formatReport("json", { passed: true, checks: [], duration_ms: 3 }), `{\n  "passed": true,\n  "checks": [],\n  "duration_ms": 3\n}\n`);
});

const PARSE_JUNIT = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
suite = root.find("testsuite")
def case(c):
    out = dict(c.attrib)
    f = c.find("failure")
    if f is not None: out["failure"] = {**f.attrib, "text": f.text or ""}
    s = c.find("skipped")
    if s is not None: out["skipped"] = dict(s.attrib)
    return out
print(json.dumps({"tag": root.tag, "root": root.attrib, "suite": suite.attrib, "cases": [case(c) for c in suite.findall("testcase")]}))
`;

function parseJunit(xml: string) {
  const run = spawnSync("python3", ["-c", PARSE_JUNIT], { input: xml, encoding: "utf8" });
  assert.equal(run.status, 0, `python3 could not parse the XML: ${run.stderr}\n${xml}`);
  return JSON.parse(run.stdout);
}

test("junit: a real XML parser reads suites, cases, failures and skips", () => {
  const xml = formatReport("junit", REPORT);
  assert.ok(xml.startsWith(`<?xml version="1.0" encoding="UTF-8"?>\n`));
  assert.ok(xml.endsWith("</testsuites>\n"));
  const doc = parseJunit(xml);
  const counts = { tests: "3", failures: "1", errors: "0", skipped: "1", time: "15.034" };
  assert.equal(doc.tag, "testsuites");
  assert.deepEqual(doc.root, { name: "assay checks", ...counts });
  assert.deepEqual(doc.suite, { name: "assay checks", ...counts });
  assert.deepEqual(doc.cases, [
    { name: "grafana-healthy", classname: "assay.checks", time: "0.012" },
    {
      name: "prometheus-targets",
      classname: "assay.checks",
      time: "0.008",
      failure: { message: "expected min 3, got 2", type: "failure", text: "expected min 3, got 2" },
    },
    { name: "dashboards", classname: "assay.checks", time: "0.000", skipped: { message: "needs prometheus-targets" } },
  ]);
});

test("junit: markup characters, control bytes, ANSI escapes and several lines survive parsing", () => {
  const message = `x.lua:3: assert.eq failed: "<a & b>" != 'c'\x01\x1b[31m red\x1b[0m\r\nstack traceback:\n\t[C]: in ?`;
  const report: CheckReport = {
    passed: false,
    checks: [
      { name: `odd <name> & "quotes" 'too'\x07`, passed: false, duration_ms: 1234, message },
      { name: "bare failure", passed: false, duration_ms: 5, message: null },
      { name: "\ud800lone surrogate \uffff", passed: true, duration_ms: 1, message: null },
    ],
    duration_ms: 1300,
  };
  const doc = parseJunit(formatReport("junit", report));
  const [odd, bare, lone] = doc.cases;
  assert.equal(odd.name, `odd <name> & "quotes" 'too'`);
  assert.equal(odd.time, "1.234");
  assert.deepEqual(odd.failure, {
    message: `x.lua:3: assert.eq failed: "<a & b>" != 'c' red`,
    type: "failure",
    text: `x.lua:3: assert.eq failed: "<a & b>" != 'c' red\r\nstack traceback:\n\t[C]: in ?`,
  });
  assert.equal(bare.failure.type, "failure");
  assert.equal(lone.name, "lone surrogate ");
  assert.equal(doc.suite.failures, "2");
});

test("junit: an empty report is a valid empty suite", () => {
  const doc = parseJunit(formatReport("junit", { passed: true, checks: [], duration_ms: 0 }));
  assert.deepEqual(doc.cases, []);
  assert.equal(doc.suite.tests, "0");
});

test("tap: version, plan, numbered points, diagnostics, SKIP directive", () => {
  assert.equal(
    formatReport("tap", REPORT),
    [
      "TAP version 13",
      "1..3",
      "ok 1 - grafana-healthy",
      "not ok 2 - prometheus-targets",
      "  ---",
      `  message: "expected min 3, got 2"`,
      "  duration_ms: 8",
      "  ...",
      "not ok 3 - dashboards # SKIP needs prometheus-targets",
      "",
    ].join("\n"),
  );
});

test("tap: # and \\ in names are escaped, multi-line messages stay in one quoted scalar", () => {
  const out = formatReport("tap", {
    passed: false,
    checks: [
      { name: "issue #42 \\ fixed", passed: true, duration_ms: 1, message: null },
      { name: "two\nlines", passed: false, duration_ms: 2, message: `line "1"\nline 2` },
      { name: "prom", passed: true, duration_ms: 3, message: "query returned: 1" },
    ],
    duration_ms: 6,
  });
  const lines = out.split("\n");
  assert.equal(lines[2], "ok 1 - issue \\#42 \\\\ fixed");
  assert.equal(lines[3], "not ok 2 - two lines");
  assert.equal(lines[5], `  message: "line \\"1\\"\\nline 2"`);
  assert.equal(lines[6], "  duration_ms: 2");
  assert.equal(lines[8], "ok 3 - prom");
  assert.equal(lines[10], `  message: "query returned: 1"`);
  assert.equal(formatReport("tap", { passed: true, checks: [], duration_ms: 0 }), "TAP version 13\n1..0\n");
});

test("text: aligned lines, indented message continuation, summary", () => {
  const report: CheckReport = {
    ...REPORT,
    checks: [
      ...REPORT.checks,
      { name: "script", passed: false, duration_ms: 1500, message: "x.lua:1: boom\nstack traceback:\n\t[C]: in ?\n" },
    ],
  };
  assert.equal(
    formatReport("text", report),
    [
      "PASS  grafana-healthy       12 ms",
      "FAIL  prometheus-targets     8 ms  expected min 3, got 2",
      "SKIP  dashboards          needs prometheus-targets",
      "FAIL  script              1500 ms  x.lua:1: boom",
      "      stack traceback:",
      "       [C]: in ?",
      "1 passed, 2 failed, 1 skipped in 15.0s",
      "",
    ].join("\n"),
  );
  const noSkips = { passed: true, checks: [REPORT.checks[0]], duration_ms: 12 };
  assert.equal(formatReport("text", noSkips), "PASS  grafana-healthy  12 ms\n1 passed, 0 failed in 0.0s\n");
});

test("text: colour only when asked, and then no escapes from messages either way", () => {
  const report: CheckReport = {
    ...REPORT,
    checks: [...REPORT.checks, { name: "ansi", passed: false, duration_ms: 1, message: "\x1b[31mred\x1b[0m text" }],
  };
  const plain = formatReport("text", report);
  assert.ok(!plain.includes("\x1b"), JSON.stringify(plain));
  assert.match(plain, /^FAIL {2}ansi +1 ms {2}red text$/m);
  const color = formatReport("text", report, { color: true });
  assert.ok(color.includes("\x1b[32mPASS\x1b[0m  grafana-healthy"));
  assert.ok(color.includes("\x1b[31mFAIL\x1b[0m  prometheus-targets"));
  assert.ok(color.includes("\x1b[33mSKIP\x1b[0m  dashboards"));
  assert.ok(color.includes("red text") && !color.includes("\x1b[31mred"));
  // deno-lint-ignore no-control-regex
  assert.equal(color.replace(/\x1b\[\d+m/g, ""), plain);
});
