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
import { type LogSink, parseFilter, stderrSink, writeFailure } from "../log-sink.ts";
import { Policy } from "../sandbox/policy.ts";
import { policyHost } from "../host-facade.ts";
import { processVariables } from "../variables.ts";
import { armProcessTimeout } from "../limits.ts";
import { writeStd } from "../std-write.ts";
import { signalNumber } from "../luastd/signals.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { formatReport, type ReportFormat } from "./formats.ts";
import { logLines, shouldShowProgress, TerminalProgress } from "./progress.ts";
import { type AttemptRunner, runChecks } from "./runner.ts";
import { httpCheck } from "./http-check.ts";
import { prometheusCheck } from "./prometheus-check.ts";
import { scriptCheck, type ScriptOutput, type ScriptSetup } from "./script-check.ts";
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
  // While the progress view is drawn, log lines pass through it so they scroll above it.
  const log = stderrSink({
    format: options.logFormat,
    filter: parseFilter(options.verbose ? "debug" : process.env.RUST_LOG),
    out: (line) => view ? view.log(line) : writeStd(2, line),
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
      write: (s) => writeStd(2, s),
      get columns() {
        return process.stderr.columns;
      },
      get rows() {
        return process.stderr.rows;
      },
    });
    events = view;
  }
  // Script output: through the view a whole line at a time (one buffer per VM, so parallel
  // scripts' half-lines do not mix), else to stderr byte for byte.
  const openOutput = (): ScriptOutput => {
    const drawn = view;
    if (!drawn) return { write: (bytes) => writeStd(2, bytes), close: () => {} };
    const lines = new LineBuffer((line) => drawn.log(line));
    return { write: (bytes) => lines.write(bytes), close: () => lines.flush() };
  };
  const stopOnSignal = interruptible(() => view?.finish());
  let report: CheckReport;
  try {
    report = await runChecks(config, { attempt: attemptRunner(options, log, openOutput), events });
  } finally {
    stopOnSignal();
    view?.finish();
    view = undefined;
    disarm();
  }
  writeStd(1, formatReport(options.format, report, { color: options.format === "text" && shouldShowProgress(process.stdout.isTTY === true, process.env) }));
  return report.passed ? 0 : 1;
}

/**
 * SIGINT and SIGTERM during a run end it at once with the signal's conventional exit code,
 * after `cleanup` (the progress view leaves the terminal tidy). Installed by check mode itself,
 * so the per-VM handlers of luastd/signals.ts step aside and never exit through a check's VM.
 */
function interruptible(cleanup: () => void): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      cleanup();
      process.exit(128 + signalNumber(signal));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
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
  openOutput: () => ScriptOutput = () => ({ write: (bytes) => writeStd(2, bytes), close: () => {} }),
): AttemptRunner {
  // Native checks are the operator's own config, not sandboxed code: only script checks get the profile.
  const host = policyHost(new Policy({ profile: "full" }), processVariables());
  const setup: ScriptSetup = { policy: options.policy, log, runtime: options.runtime, memoryLimit: options.memoryLimit, openOutput };
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
