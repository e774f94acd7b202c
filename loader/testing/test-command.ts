/**
 * `assay test [--filter TEXT] [--format text|junit|tap] [paths...]`: finds the test files, runs
 * each in a fresh VM under the run's sandbox, memory limit and per-file `--timeout`, one after
 * the other, and prints the report on stdout (text: each file as it finishes, then a summary).
 * What tests print goes to stderr, so stdout holds the report alone. Exit 0 when every test
 * passed, 1 when one failed, when no test file was found (`assay: test: no test files found
 * in ...`), when a path does not exist, or when `--filter` left no test to run.
 *
 * @example
 * ```ts
 * const code = await runTestCommand({ paths: ["tests"], format: "text", ...cliOptions });
 * ```
 */
import { writeStd } from "../std-write.ts";
import { shouldShowProgress } from "../checks/progress.ts";
import { parseFilter, stderrSink, writeFailure } from "../log-sink.ts";
import type { Policy } from "../sandbox/policy.ts";
import { effectiveTimeout } from "../limits.ts";
import { DiscoveryError, discoverTests, TEST_PATTERNS } from "./discover.ts";
import { formatTestReport, type TestFormat, textFileBlock, textSummary } from "./formats.ts";
import { type FileSetup, runTestFile } from "./run-file.ts";
import type { FileReport, TestReport } from "./types.ts";

export interface TestCommandOptions {
  /** Files and directories; the working directory when empty. */
  paths: string[];
  filter?: string;
  format: TestFormat;
  logFormat: "text" | "json";
  verbose: boolean;
  policy: Policy;
  memoryLimit?: number;
  /** `--timeout`: seconds for each file (the profile's default otherwise). */
  timeout?: number;
  runtime: FileSetup["runtime"];
}

export async function runTestCommand(options: TestCommandOptions): Promise<number> {
  const fail = (message: string) => {
    writeFailure(options.logFormat, `test: ${message}`);
    return 1;
  };
  const paths = options.paths.length ? options.paths : ["."];
  let files: string[];
  try {
    files = discoverTests(paths);
  } catch (e) {
    if (e instanceof DiscoveryError) return fail(e.message);
    throw e;
  }
  if (files.length === 0) {
    return fail(`no test files found in ${paths.join(", ")} (looked for ${TEST_PATTERNS.join(" and ")})`);
  }
  const log = stderrSink({ format: options.logFormat, filter: parseFilter(options.verbose ? "debug" : process.env.RUST_LOG) });
  log.write("DEBUG", "assay", "starting assay (test mode)", { files: files.length });
  const setup: FileSetup = {
    policy: options.policy,
    log,
    logFormat: options.logFormat,
    runtime: options.runtime,
    memoryLimit: options.memoryLimit,
    timeout: effectiveTimeout(options.policy.profile, options.timeout),
    filter: options.filter,
    output: (bytes) => writeStd(2, bytes),
  };
  const color = options.format === "text" && shouldShowProgress(process.stdout.isTTY === true, process.env);
  const started = performance.now();
  const reports: FileReport[] = [];
  for (const file of files) {
    const report = await runTestFile(setup, file);
    reports.push(report);
    if (options.format === "text") writeStd(1, textFileBlock(report, { color }));
  }
  const report: TestReport = {
    passed: reports.every((f) => f.tests.every((t) => t.passed)),
    files: reports,
    filtered: reports.reduce((n, f) => n + f.filtered, 0),
    duration_ms: performance.now() - started,
  };
  writeStd(1, options.format === "text" ? textSummary(report) : formatTestReport(options.format, report));
  if (options.filter !== undefined && reports.every((f) => f.tests.length === 0)) {
    return fail(`no test matches --filter ${JSON.stringify(options.filter)} (${report.filtered} left out)`);
  }
  return report.passed ? 0 : 1;
}


