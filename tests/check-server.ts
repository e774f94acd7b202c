/**
 * The HTTP peer of the check-mode tests, served from the test process on 127.0.0.1 (run
 * assay with runAssayAsync so this loop stays free). It records every request with the time
 * it arrived and was answered, to tell how many were in flight at once.
 *
 * Routes: /ok (200 "ok", header x-check: yes), /flaky/<key>?fail=N (500 for the first N
 * requests of that key, then 200 "recovered"), /delay?ms=N (200 "slow ok" after N ms),
 * /status?code=N, /echo (method, headers and body as JSON), /json?doc=<text> (the text as an
 * application/json body), /redirect (302 to /ok), /health (200 or 503, as `healthy` says).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Arrival, in ms (performance.now of the test process). */
  at: number;
  /** When the answer was sent (Infinity until then). */
  done: number;
}

export interface CheckServer {
  url(path: string): string;
  /** host:port, for rewriting URLs in example configs. */
  hostPort: string;
  requests: Seen[];
  /** The most requests whose path contains `tag` that were in flight at the same time. */
  maxInFlight(tag: string): number;
  /** What /health answers: 200 when true, 503 when false. */
  healthy: boolean;
  close(): Promise<void>;
}

export async function startCheckServer(): Promise<CheckServer> {
  const counts = new Map<string, number>();
  const state: CheckServer = {
    url: () => "",
    hostPort: "",
    requests: [],
    maxInFlight(tag) {
      const seen = this.requests.filter((r) => r.path.includes(tag));
      const edges = seen.flatMap((r) => [[r.at, 1], [r.done, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let now = 0;
      let most = 0;
      for (const [, step] of edges) most = Math.max(most, (now += step));
      return most;
    },
    healthy: true,
    close: () => Promise.resolve(),
  };
  const server = createServer(async (req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://x");
    const body = Buffer.concat(chunks).toString("utf8");
    const seen: Seen = { method: req.method ?? "", path: url.pathname + url.search, headers: req.headers, body, at, done: Infinity };
    state.requests.push(seen);
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      seen.done = performance.now();
      res.writeHead(status, { "content-type": "text/plain", ...headers });
      res.end(text);
    };
    const param = (name: string) => url.searchParams.get(name) ?? "";
    if (url.pathname === "/ok") return send(200, "ok", { "x-check": "yes" });
    if (url.pathname.startsWith("/flaky/")) {
      const n = (counts.get(url.pathname) ?? 0) + 1;
      counts.set(url.pathname, n);
      return n <= Number(param("fail")) ? send(500, `failure ${n}`) : send(200, "recovered");
    }
    if (url.pathname === "/delay") return setTimeout(() => send(200, "slow ok"), Number(param("ms")));
    if (url.pathname === "/status") return send(Number(param("code")), `status ${param("code")}`);
    if (url.pathname === "/echo") return send(200, JSON.stringify({ method: req.method, headers: req.headers, body }));
    if (url.pathname === "/json") return send(200, param("doc"), { "content-type": "application/json" });
    if (url.pathname === "/redirect") return send(302, "", { location: "/ok" });
    if (url.pathname === "/health") return state.healthy ? send(200, "healthy") : send(503, "unhealthy");
    send(404, "no such route");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  state.hostPort = `127.0.0.1:${port}`;
  state.url = (path) => `http://127.0.0.1:${port}${path}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
