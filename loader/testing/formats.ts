/**
 * `assay test`'s report formats, on top of check mode's formatters (a test's result has a
 * check's shape): `text` for people, written a file at a time as files finish, then a summary;
 * `junit` with one `<testsuite>` per file (classname: the file's path); `tap` with one test
 * point per test, named `<file> > <describe> > <it>`. A file whose one result stands for the
 * whole file (no tests registered, or a load error) is one line, one testcase or one point
 * named after the file.
 *
 * @example
 * ```ts
 * process.stdout.write(formatTestReport("junit", report));
 * // text, as files finish:
 * process.stdout.write(textFileBlock(fileReport, { color: false }));
 * // tests/math_test.lua
 * //   PASS  add > carries    1 ms
 * //   FAIL  add > overflows  0 ms  tests/math_test.lua:9: boom
 * process.stdout.write(textSummary(report));
 * // 1 passed, 1 failed in 0.1s (1 file)
 * ```
 */
import { junitDocument } from "../checks/format-junit.ts";
import { tapDocument } from "../checks/format-tap.ts";
import { resultLines } from "../checks/format-text.ts";
import { oneLine } from "../checks/plain-text.ts";
import type { FileReport, TestReport, TestResult } from "./types.ts";

export type TestFormat = "text" | "junit" | "tap";

export const TEST_FORMATS: readonly TestFormat[] = ["text", "junit", "tap"];

const ROOT_NAME = "assay test";

/** A file's lines in the text report: one line for a whole-file result, else its name and its tests indented. */
export function textFileBlock(file: FileReport, options: { color?: boolean } = {}): string {
  if (file.tests.length === 0) return "";
  const lines = file.wholeFile
    ? resultLines(file.tests, options)
    : [oneLine(file.file), ...resultLines(file.tests, { ...options, indent: "  " })];
  return lines.join("\n") + "\n";
}

/** The last line of the text report. */
export function textSummary(report: TestReport): string {
  const tests = report.files.flatMap((f) => f.tests);
  const passed = tests.filter((t) => t.passed).length;
  const filtered = report.filtered === 0 ? "" : `, ${report.filtered} filtered out`;
  const files = report.files.length === 1 ? "1 file" : `${report.files.length} files`;
  return `${passed} passed, ${tests.length - passed} failed${filtered} in ${(report.duration_ms / 1000).toFixed(1)}s (${files})\n`;
}

/** The whole report in `format`, ending in a newline. */
export function formatTestReport(format: TestFormat, report: TestReport, options: { color?: boolean } = {}): string {
  switch (format) {
    case "text":
      return report.files.map((f) => textFileBlock(f, options)).join("") + textSummary(report);
    case "junit":
      return junitDocument(
        ROOT_NAME,
        report.files.filter((f) => f.tests.length > 0).map((f) => ({ name: f.file, classname: f.file, cases: f.tests, duration_ms: f.duration_ms })),
        report.duration_ms,
      );
    case "tap":
      return tapDocument(report.files.flatMap((f) => f.tests.map((t) => tapResult(f, t))));
  }
}

/** A test's point is named after its file too; a result for the file itself is named after the file alone. */
function tapResult(file: FileReport, t: TestResult): TestResult {
  return t.name === file.file ? t : { ...t, name: `${file.file} > ${t.name}` };
}
