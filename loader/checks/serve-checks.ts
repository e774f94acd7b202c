/**
 * `assay serve-checks [--port N] [--host H] [--cache 5s] checks.yaml`: the check config as an
 * HTTP health endpoint, for a readiness probe or an uptime monitor. `GET /healthz` runs the
 * checks (or answers from the last run while it is younger than `--cache`) and answers 200
 * with the JSON report when all passed, 503 with it otherwise. Requests that arrive while a
 * run is going share that run. The config is read once, at start: a config error ends the
 * command before it listens. SIGTERM or SIGINT stops it (exit 0).
 *
 * @example
 * ```sh
 * assay serve-checks --port 8081 --cache 10s checks.yaml &
 * curl -f http://127.0.0.1:8081/healthz
 * ```
 */
import { BindError, serve } from "../runtime/serve.ts";
import { parseFilter, stderrSink, writeFailure } from "../log-sink.ts";
import { formatReport } from "./formats.ts";
import { logLines } from "./progress.ts";
import { runChecks } from "./runner.ts";
import { attemptRunner, type CheckModeOptions, loadCheckConfig } from "./check-mode.ts";
import type { CheckReport } from "./types.ts";

export interface ServeChecksOptions extends Omit<CheckModeOptions, "format" | "timeout"> {
  port: number;
  host: string;
  cacheMs: number;
}

/** Serves the checks until a signal stops it; resolves with the exit code. */
export async function serveChecks(options: ServeChecksOptions): Promise<number> {
  const log = stderrSink({ format: options.logFormat, filter: parseFilter(options.verbose ? "debug" : process.env.RUST_LOG) });
  const config = loadCheckConfig(options.file, options.logFormat);
  if (!config) return 1;
  const attempt = attemptRunner(options, log);
  const events = logLines(log);
  let last: { report: CheckReport; at: number } | undefined;
  let inFlight: Promise<CheckReport> | undefined;

  const current = (): Promise<CheckReport> => {
    if (last && performance.now() - last.at < options.cacheMs) return Promise.resolve(last.report);
    inFlight ??= runChecks(config, { attempt, events }).then((report) => {
      last = { report, at: performance.now() };
      return report;
    }).finally(() => (inFlight = undefined));
    return inFlight;
  };

  const answer = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path !== "/healthz") return new Response("not found: the checks are at /healthz\n", { status: 404 });
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const report = await current();
    return new Response(formatReport("json", report), {
      status: report.passed ? 200 : 503,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  };

  let listener;
  try {
    listener = serve({
      hostname: options.host,
      port: options.port,
      maxBody: 64 * 1024,
      fetch: (request, peer) => {
        // A run may take as long as the config's timeout: the idle timeout must not cut it.
        peer.untimed();
        return answer(request);
      },
      onError: (e) => log.write("ERROR", "assay", `serve-checks: ${(e as Error).message}`),
    });
  } catch (e) {
    if (!(e instanceof BindError)) throw e;
    writeFailure(options.logFormat, `serve-checks: ${e.message}`);
    return 1;
  }
  log.write("INFO", "assay", "serving checks", { url: `http://${displayHost(options.host)}:${listener.port}/healthz`, checks: config.checks.length });
  // The listeners stay until the process exits: a second signal must not find the default
  // action back and kill the process while it shuts down.
  await new Promise<void>((resolve) => {
    process.on("SIGTERM", () => resolve());
    process.on("SIGINT", () => resolve());
  });
  log.write("INFO", "assay", "serve-checks: shutting down");
  listener.close();
  return 0;
}

/** An IPv6 address in a URL takes brackets. */
function displayHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
