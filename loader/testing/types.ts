/**
 * The shapes `assay test` passes between its parts: one test's result, one file's, and the
 * whole run's report that the formats print. A test's result has the fields of a check's
 * (name, passed, duration_ms, message), so check mode's JUnit, TAP and text formatters print
 * both.
 *
 * @example
 * ```ts
 * const report: TestReport = {
 *   passed: false,
 *   files: [{ file: "math_test.lua", wholeFile: false, filtered: 0, duration_ms: 9,
 *     tests: [{ name: "add > carries", passed: false, duration_ms: 1, message: "math_test.lua:4: boom" }] }],
 *   filtered: 0,
 *   duration_ms: 12,
 * };
 * ```
 */
import type { CheckResult } from "../checks/types.ts";

/** One test: `name` is its full name (`describe > it`), or the file's path for a whole-file result. */
export type TestResult = Omit<CheckResult, "skipped">;

export interface FileReport {
  /** The path as discovered (relative to the working directory when found under it). */
  file: string;
  /**
   * True when the file's one result stands for the whole file: it registered no tests, or
   * failed before any test ran (a syntax error, an error at its top level).
   */
  wholeFile: boolean;
  tests: TestResult[];
  /** Tests the `--filter` left out. */
  filtered: number;
  duration_ms: number;
}

export interface TestReport {
  passed: boolean;
  files: FileReport[];
  /** Tests the `--filter` left out, over all files. */
  filtered: number;
  duration_ms: number;
}
