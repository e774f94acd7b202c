/**
 * The check report as checks.md §6 prints it on stdout: pretty JSON with 2-space indent and a
 * trailing newline, keys in the spec's order, `message` always written (null included), and
 * `skipped: true` only on checks that did not run. Tools parse this, so its shape is the
 * contract; the other formats are for CI systems and people.
 *
 * @example
 * ```ts
 * formatJson({ passed: true, checks: [{ name: "api", passed: true, duration_ms: 12, message: null }], duration_ms: 15 });
 * // '{\n  "passed": true,\n  "checks": [\n    {\n      "name": "api", ... "message": null\n    }\n  ],\n  "duration_ms": 15\n}\n'
 * ```
 */
import type { CheckReport, CheckResult } from "./types.ts";

// Objects are rebuilt rather than passed through: key order follows insertion order, and a
// result built elsewhere may carry its keys in another order or `skipped: undefined`.
function check(c: CheckResult): Record<string, unknown> {
  return {
    name: c.name,
    passed: c.passed,
    ...(c.skipped ? { skipped: true } : {}),
    duration_ms: Math.round(c.duration_ms),
    message: c.message ?? null,
  };
}

export function formatJson(report: CheckReport): string {
  const doc = { passed: report.passed, checks: report.checks.map(check), duration_ms: Math.round(report.duration_ms) };
  return JSON.stringify(doc, null, 2) + "\n";
}
