/**
 * `assay checks.yaml`: loads the config (a config error is `assay: loading config from
 * <path>: <detail>`, exit 1, nothing on stdout), runs the checks, writes the report on stdout
 * in the chosen format (the spec's JSON by default) and exits 0 when every check passed, 1
 * otherwise. On a terminal, stderr shows a live progress view instead of the INFO lines.
 *
 * @example
 * ```ts
 * const code = await runCheckMode({ file: "checks.yaml", format: "junit", ...cliOptions });
 * ```
 */
import { writeSync } from "node:fs";
import { type LogSink, parseFilter, stderrSink, writeFailure } from "../log-sink.ts";
import { Policy } from "../sandbox/policy.ts";
import { policyHost } from "../host-facade.ts";
import { processVariables } from "../variables.ts";
import { delay } from "../timers.ts";
import { startWatchdog } from "../watchdog.ts";
import { TIMEOUT_EXIT_CODE, WATCHDOG_GRACE_MS } from "../limits.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { formatReport, type ReportFormat } from "./formats.ts";
import { logLines, shouldShowProgress, TerminalProgress } from "./progress.ts";
import { type AttemptRunner, runChecks } from "./runner.ts";
import { httpCheck } from "./http-check.ts";
import { prometheusCheck } from "./prometheus-check.ts";
import { scriptCheck, type ScriptSetup } from "./script-check.ts";
import type { CheckConfig, CheckReport, RunEvents } from "./types.ts";
import { LineBuffer } from "./line-buffer.ts";

export interface CheckModeOptions {
  file: string;
  format: ReportFormat;
  logFormat: "text" | "json";
  verbose: boolean;
  /** The sandbox of script checks (`--sandbox` and the capability flags). */
  policy: Policy;
  memoryLimit?: number;
  /** `--timeout`: the whole process's limit, on top of the config's own `timeout`. */
  timeout?: number;
  runtime: ScriptSetup["runtime"];
}

/** Runs check mode; resolves with the exit code. */
export async function runCheckMode(options: CheckModeOptions): Promise<number> {
  const progress = options.logFormat === "text" && shouldShowProgress(process.stderr.isTTY === true, process.env);
  let view: TerminalProgress | undefined;
  // While the progress view is drawn, log lines and what scripts print pass through it, whole
  // lines at a time, so they scroll above it instead of garbling it.
  const lines = new LineBuffer((line) => view ? view.log(line) : void writeSync(2, line));
  const log = stderrSink({
    format: options.logFormat,
    filter: parseFilter(options.verbose ? "debug" : process.env.RUST_LOG),
    out: (line) => lines.write(line),
  });
  log.write("DEBUG", "assay", "starting assay (check mode)", { config: options.file });
  const config = loadCheckConfig(options.file, options.logFormat);
  if (!config) return 1;
  log.write("INFO", "assay", "configuration loaded", {
    checks: config.checks.length,
    timeout_secs: Math.floor(config.timeout / 1000),
    retries: config.retries,
  });
  const disarm = options.timeout === undefined ? () => {} : armProcessTimeout(options.timeout, options.logFormat);
  let events: RunEvents = logLines(log);
  if (progress) {
    view = new TerminalProgress(config.checks, {
      write: (s) => void writeSync(2, s),
      get columns() {
        return process.stderr.columns;
      },
    });
    events = view;
  }
  let report: CheckReport;
  try {
    report = await runChecks(config, { attempt: attemptRunner(options, log, (bytes) => lines.write(bytes)), events });
  } finally {
    lines.flush();
    view?.finish();
    view = undefined;
    disarm();
  }
  writeAll(formatReport(options.format, report, { color: options.format === "text" && colorStdout() }));
  return report.passed ? 0 : 1;
}

/** The config, or undefined after reporting why it cannot be used. */
export function loadCheckConfig(file: string, logFormat: "text" | "json"): CheckConfig | undefined {
  try {
    return loadConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    writeFailure(logFormat, `loading config from ${file}: ${e.message}`);
    return undefined;
  }
}

/** Runs an attempt of any check type: native http and prometheus, scripts in a fresh VM. */
export function attemptRunner(
  options: Pick<CheckModeOptions, "policy" | "memoryLimit" | "runtime">,
  log: LogSink,
  output: (bytes: Uint8Array) => void = (bytes) => void writeSync(2, bytes),
): AttemptRunner {
  // Native checks are the operator's own config, not sandboxed code: only script checks get the profile.
  const host = policyHost(new Policy({ profile: "full" }), processVariables());
  const setup: ScriptSetup = { policy: options.policy, log, runtime: options.runtime, memoryLimit: options.memoryLimit, output };
  return (check, signal, deadline) => {
    switch (check.type) {
      case "http":
        return httpCheck(host, check, signal);
      case "prometheus":
        return prometheusCheck(host, check, signal);
      case "script":
        return scriptCheck(setup, check, signal, deadline);
    }
  };
}

/** `--timeout` in check mode: the same line and exit code as for scripts. */
function armProcessTimeout(seconds: number, logFormat: "text" | "json"): () => void {
  const message = `timeout: run exceeded ${seconds} s`;
  const timer = delay(seconds * 1000, { unref: true });
  timer.promise.then((elapsed) => {
    if (!elapsed) return;
    writeFailure(logFormat, message);
    process.exit(TIMEOUT_EXIT_CODE);
  });
  let line = "";
  writeFailure(logFormat, message, (l) => (line = l));
  const stopWatchdog = startWatchdog(Date.now() + seconds * 1000 + WATCHDOG_GRACE_MS, line, TIMEOUT_EXIT_CODE);
  return () => {
    timer.cancel();
    stopWatchdog();
  };
}

/** Colour in the text report only for a person at a terminal. */
function colorStdout(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

/** Writes all of `text` to stdout (writeSync may write less than asked to a pipe). */
function writeAll(text: string): void {
  const bytes = new TextEncoder().encode(text);
  for (let off = 0; off < bytes.length;) off += writeSync(1, bytes, off);
}
