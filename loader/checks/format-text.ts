/**
 * The check report for people: one aligned line per check (`PASS`, `FAIL` with the first line
 * of the reason and the rest indented below, `SKIP` with why), then a summary line. Colour only
 * when asked for; without it the output holds no escape codes at all, not even ones that came
 * inside a script's message, so it can be piped into files and mail. `resultLines` is the list
 * without the summary, optionally indented: `assay test` prints a file's tests with it.
 *
 * @example
 * ```ts
 * formatText(report, { color: false });
 * // PASS  api-health  12 ms
 * // FAIL  targets      8 ms  expected min 3, got 2
 * // SKIP  dashboards  needs targets
 * // 1 passed, 1 failed, 1 skipped in 15.0s
 * ```
 */
import { oneLine, padColumns, textLines, widthOf } from "./plain-text.ts";
import type { CheckReport, CheckResult } from "./types.ts";

const GREEN = 32;
const RED = 31;
const YELLOW = 33;
/** Where continuation lines of a message start: under the check's name. */
const INDENT = "      ";

export interface TextOptions {
  color?: boolean;
  /** Put before every line (`assay test` indents a file's tests under its name). */
  indent?: string;
}

/** One aligned line per result (and a message's further lines below it), without a summary. */
export function resultLines(results: CheckResult[], options: TextOptions = {}): string[] {
  const paint = (code: number, s: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const indent = options.indent ?? "";
  const names = results.map((c) => oneLine(c.name));
  const nameWidth = Math.max(0, ...names.map(widthOf));
  const ms = results.map((c) => String(Math.round(c.duration_ms)));
  const msWidth = Math.max(0, ...ms.filter((_, i) => !results[i].skipped).map((s) => s.length));
  const out: string[] = [];
  results.forEach((c, i) => {
    const [first = "", ...rest] = c.message === null ? [] : textLines(c.message);
    const name = padColumns(names[i], nameWidth);
    const line = c.skipped
      ? `${paint(YELLOW, "SKIP")}  ${name}  ${first}`
      : `${c.passed ? paint(GREEN, "PASS") : paint(RED, "FAIL")}  ${name}  ${ms[i].padStart(msWidth)} ms  ${first}`;
    out.push(`${indent}${line}`.trimEnd(), ...rest.map((l) => `${indent}${INDENT}${l}`.trimEnd()));
  });
  return out;
}

export function formatText(report: CheckReport, options: { color?: boolean } = {}): string {
  const out = resultLines(report.checks, options);
  const passed = report.checks.filter((c) => c.passed).length;
  const skipped = report.checks.filter((c) => c.skipped).length;
  const failed = report.checks.length - passed - skipped;
  const skippedPart = skipped === 0 ? "" : `, ${skipped} skipped`;
  out.push(`${passed} passed, ${failed} failed${skippedPart} in ${(report.duration_ms / 1000).toFixed(1)}s`);
  return out.join("\n") + "\n";
}
