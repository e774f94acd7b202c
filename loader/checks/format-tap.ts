/**
 * The check report as TAP version 13, for harnesses and CI steps that read the Test Anything
 * Protocol: a plan, one test point per check in report order, a YAML diagnostic block under
 * each failed check (and under a passed one that has a message), and the `# SKIP` directive
 * for checks that did not run. `tapDocument` takes any list of results: `assay test` prints its
 * tests with it.
 *
 * @example
 * ```ts
 * formatTap(report);
 * // TAP version 13
 * // 1..2
 * // ok 1 - api
 * // not ok 2 - targets
 * //   ---
 * //   message: "expected min 3, got 2"
 * //   duration_ms: 8
 * //   ...
 * ```
 */
import { firstLine, oneLine } from "./plain-text.ts";
import type { CheckReport, CheckResult } from "./types.ts";

// In a description `#` would start a directive; TAP reads `\#` as a literal one, and `\\` as
// a literal backslash so a name ending in `\` cannot swallow the escape.
const description = (name: string) => oneLine(name).replace(/[\\#]/g, (c) => `\\${c}`);

function point(c: CheckResult, n: number): string[] {
  const name = description(c.name);
  if (c.skipped) {
    const reason = firstLine(c.message);
    return [`not ok ${n} - ${name} # SKIP${reason === "" ? "" : ` ${reason}`}`];
  }
  const line = `${c.passed ? "ok" : "not ok"} ${n} - ${name}`;
  if (c.passed && c.message === null) return [line];
  // A JSON string is a valid YAML double-quoted scalar, and keeps a multi-line message on
  // one line of the block.
  return [line, "  ---", `  message: ${JSON.stringify(c.message)}`, `  duration_ms: ${Math.round(c.duration_ms)}`, "  ..."];
}

/** A TAP 13 document of the given results, one test point each, in order. */
export function tapDocument(cases: CheckResult[]): string {
  const lines = ["TAP version 13", `1..${cases.length}`, ...cases.flatMap((c, i) => point(c, i + 1))];
  return lines.join("\n") + "\n";
}

export function formatTap(report: CheckReport): string {
  return tapDocument(report.checks);
}
