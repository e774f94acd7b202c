/**
 * A real Prometheus for the prometheus check tests: started on 127.0.0.1 at a free port, with
 * its config and data in a temp directory, scraping itself (job `prometheus`) and the test's
 * targets (job `target`) every second; stopped by its pid, and killed on process exit if a
 * test file forgets (the db servers' ManagedServer does both). Plus serveMetrics: a scrape
 * target inside the test process, answering with gauges the test sets.
 *
 * Prometheus 2.42 hands discovered targets to its scrapers every 5 s, so the first samples
 * arrive some 5 to 6 s after it is ready: waitFor polls a query until its result is what the
 * test needs, rather than sleeping for a guessed time.
 *
 * @example
 * ```ts
 * const target = await serveMetrics();
 * target.set("queue_depth", 3);
 * const prom = await startPrometheus({ targets: [target.hostPort] });
 * after(() => Promise.all([prom.stop(), target.close()]));
 * await prom.waitFor('queue_depth{job="target"}', (result) => firstValue(result) === 3);
 * // prom.url + "/api/v1/query?query=queue_depth" now answers 3
 * ```
 */
import { accessSync, constants, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManagedServer } from "./db-servers/process.ts";

export interface PrometheusOptions {
  /** host:port of the targets scraped as job `target` (e.g. serveMetrics().hostPort). */
  targets?: string[];
  /** How often every job is scraped; 1000 unless given. */
  scrapeIntervalMs?: number;
}

export interface PrometheusServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The prometheus process, started by us. */
  pid: number;
  /** The temp directory holding prometheus.yml, prometheus.log and data/; removed by stop(). */
  dir: string;
  /** GET /api/v1/query?query=promql, decoded: {status, data: {resultType, result}} or {status, errorType, error}. */
  query(promql: string): Promise<unknown>;
  /**
   * Runs the query until `predicate` holds for its `data.result` (an array for instant vectors),
   * and returns that result. Throws at once when the query fails (bad PromQL), and after
   * `timeoutMs` (20000 unless given) with the last result and the targets' health.
   */
  waitFor(promql: string, predicate: (result: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /** Ends the process by pid, waits for it, removes dir; idempotent. */
  stop(): Promise<void>;
}

/** A scrape target served by the test process. */
export interface MetricsTarget {
  /** 127.0.0.1:PORT, for startPrometheus's targets. */
  hostPort: string;
  /** Sets a gauge: `name` is a metric name, optionally with labels (`jobs{queue="a"}`). */
  set(name: string, value: number): void;
  close(): Promise<void>;
}

const WAIT_TIMEOUT_MS = 20_000;
const POLL_MS = 200;

/** The prometheus program on PATH (or where Debian puts it), if installed. */
export function prometheusBin(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/local/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      accessSync(join(dir, "prometheus"), constants.X_OK);
      return join(dir, "prometheus");
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * False when Prometheus can be started here, else why not (for node:test's `skip`). Under CI
 * (`CI` set), never a reason: .ci/run installs it, so a missing binary must fail the tests
 * rather than pass them unseen.
 */
export function prometheusSkip(): string | false {
  if (prometheusBin()) return false;
  const ci = process.env.CI;
  if (ci && ci !== "false" && ci !== "0") return false;
  return "Prometheus is not installed (apt-get install prometheus)";
}

/** The first sample's value of an instant-vector result as a number, else undefined. */
export function firstValue(result: unknown): number | undefined {
  const value = Array.isArray(result) ? (result[0] as { value?: unknown } | undefined)?.value : undefined;
  return Array.isArray(value) && typeof value[1] === "string" ? Number(value[1]) : undefined;
}

/** The config: every job on the same interval, the self-scrape at the port it is started on. */
function config(port: number, targets: string[], intervalMs: number): string {
  const list = (hosts: string[]) => `[${hosts.map((h) => JSON.stringify(h)).join(", ")}]`;
  const lines = [
    "global:",
    `  scrape_interval: ${intervalMs}ms`,
    `  evaluation_interval: ${intervalMs}ms`,
    "scrape_configs:",
    "  - job_name: prometheus",
    "    static_configs:",
    `      - targets: ${list([`127.0.0.1:${port}`])}`,
  ];
  if (targets.length > 0) {
    lines.push("  - job_name: target", "    static_configs:", `      - targets: ${list(targets)}`);
  }
  return lines.join("\n") + "\n";
}

/** GET a URL; the status and the body, read to the end. */
async function get(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const bin = prometheusBin();
  if (!bin) throw new Error("Prometheus is not installed (apt-get install prometheus)");
  const targets = options.targets ?? [];
  const intervalMs = options.scrapeIntervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new Error(`scrapeIntervalMs must be a positive integer, got ${intervalMs}`);
  const dir = mkdtempSync(join(tmpdir(), "assay-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  let port = 0;
  const managed = new ManagedServer({
    name: "prometheus",
    // Ourselves: Prometheus runs as root without complaint (this is only used when we are root).
    user: "root",
    argv: [],
    cwd: dir,
    logFile: join(dir, "prometheus.log"),
    stopSignal: "SIGTERM", // it flushes and exits within milliseconds
    killSignal: "SIGKILL", // its data is thrown away anyway
    probe: async () => {
      try {
        return (await get(`http://127.0.0.1:${port}/-/ready`, 2_000)).status === 200;
      } catch {
        return false;
      }
    },
  }, dir);
  try {
    await managed.startOnFreePort((p) => {
      port = p;
      writeFileSync(configFile, config(p, targets, intervalMs));
      managed.launch.argv = [
        bin,
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${p}`,
        // Errors only: a failed bind stays the log's last line, which startOnFreePort looks for.
        "--log.level=warn",
      ];
    });
  } catch (err) {
    await managed.stop();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;

  const query = async (promql: string): Promise<unknown> => {
    const { status, body } = await get(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    try {
      return JSON.parse(body);
    } catch {
      throw new Error(`prometheus answered ${promql} with HTTP ${status} and no JSON: ${body.slice(0, 200)}`);
    }
  };

  /** job=... health=... lastError=... for each target, to say why a wait ran out. */
  const targetHealth = async (): Promise<string> => {
    try {
      const { body } = await get(`${url}/api/v1/targets`);
      const active = (JSON.parse(body).data?.activeTargets ?? []) as { labels?: { job?: string; instance?: string }; health?: string; lastError?: string }[];
      return active.map((t) => `${t.labels?.job}/${t.labels?.instance}: ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`).join("; ") || "none";
    } catch (err) {
      return `unknown (${(err as Error).message})`;
    }
  };

  const waitFor = async (promql: string, predicate: (result: unknown) => boolean, timeoutMs = WAIT_TIMEOUT_MS): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await query(promql) as { status?: string; error?: string; data?: { result?: unknown } };
      if (answer.status !== "success") throw new Error(`prometheus query ${promql} failed: ${answer.error ?? JSON.stringify(answer)}`);
      const result = answer.data?.result;
      if (predicate(result)) return result;
      if (Date.now() >= deadline) {
        throw new Error(`prometheus query ${promql} did not give the expected result within ${timeoutMs} ms; ` +
          `last result: ${JSON.stringify(result)}; targets: ${await targetHealth()}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };

  return { url, port, pid: managed.pid, dir, query, waitFor, stop: () => managed.stop() };
}

/** A number as the text format writes it. */
function sampleText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

const SERIES = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?$/;

/** Serves /metrics on 127.0.0.1 at a free port: one gauge per name set, in the text format. */
export function serveMetrics(): Promise<MetricsTarget> {
  const gauges = new Map<string, number>();
  const sockets = new Set<Socket>();
  const exposition = () => {
    const byName = new Map<string, string[]>();
    for (const [series, value] of gauges) {
      const name = SERIES.exec(series)![1];
      byName.set(name, [...byName.get(name) ?? [], `${series} ${sampleText(value)}`]);
    }
    return [...byName].map(([name, samples]) => `# TYPE ${name} gauge\n${samples.join("\n")}\n`).join("");
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(exposition());
  });
  // Prometheus keeps its scrape connection open: close() ends it rather than wait for it.
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        hostPort: `127.0.0.1:${port}`,
        set(name, value) {
          if (!SERIES.test(name)) throw new Error(`not a metric name (with optional {labels}): ${name}`);
          gauges.set(name, value);
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            sockets.clear();
            if (!server.listening) return done();
            server.close(() => done());
          }),
      });
    });
  });
}
