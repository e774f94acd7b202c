/**
 * One running `http.serve` server: hono dispatches each request through the spec's routing
 * table (routes.ts) to a route, whose Lua handler runs as its own task (so a slow handler never
 * blocks another, and handlers may call async builtins). The answer is the handler's response
 * table (response.ts), an event stream (sse.ts) or a WebSocket (websocket.ts).
 *
 * - No route: `404`, `text/plain`, `not found`. HEAD is dispatched here, not by hono, which
 *   would answer it from the GET route: HEAD on a GET-only path is a 404 (builtins.md §1.3).
 * - A handler that fails, or returns no table: `500`, `handler error: <message>`; the error
 *   and its traceback are logged at ERROR and the server goes on.
 * - A body over `max_body`: `413`. Malformed requests get a 400 from the runtime's own parser.
 * - Each request is logged at DEBUG: method, path, status and milliseconds.
 * - `shutdown()`: stop accepting, end SSE streams at once (`send` raises `SSE stream closed`),
 *   send WebSockets a close frame (1001), let requests in flight (and SSE producers and
 *   WebSocket handlers, which now see their connection closed) finish within the grace
 *   period, then close whatever is left.
 */
import type { HonoBase } from "hono/hono-base";
import type { Context } from "hono";
import type { BuiltinContext } from "../../loader/plugin.ts";
import { jsonCodec } from "../../loader/bridge/json-native.ts";
import { CallbackError } from "../../loader/bridge/callback.ts";
import type { Listener, Peer } from "../../loader/runtime/serve.ts";
import { delay } from "../../loader/timers.ts";
import { decodeParams, SpecRouter } from "./routes.ts";
import type { Route, RouteSetup } from "./read-routes.ts";
import type { RouteTable } from "./routes.ts";
import { isUpgrade, queryParams, readBody, requestHeaders, type RequestTable, splitTarget, TOO_LARGE } from "./server-request.ts";
import { HandlerError, type ResponsePlan, responseReader } from "./response.ts";
import { sendFunction, SSE_CLOSED, SseStream } from "./sse-writer.ts";
import { connFunctions, WsSession } from "./websocket.ts";

export type HonoModule = typeof import("hono/hono-base");

export interface ServerSettings {
  host: string;
  port: number;
  /** Largest request body, in bytes. */
  maxBody: number;
  /** How long requests in flight get to finish at shutdown, in milliseconds. */
  graceMs: number;
}

type Env = { Bindings: { peer: Peer } };

const EMPTY = new Uint8Array(0);
const NO_BODY = new Set([204, 205, 304]);

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain", ...extra } });
}

export class HttpServer {
  readonly port: number;
  private listener: Listener;
  private app: HonoBase<Env>;
  private routes: Route[];
  private table: RouteTable<Route>;
  private readResponse: (thread: number, n: number) => ResponsePlan;
  private streams = new Set<SseStream>();
  /** SSE producers and WebSocket handlers still running: a shutdown lets them finish too. */
  private background = new Set<Promise<unknown>>();
  private sessions = new Set<WsSession>();
  private closing = false;
  private closed = false;
  private stopping: Promise<void> | undefined;
  private closedListeners: (() => void)[] = [];

  /** Starts listening; throws (BindError, a policy denial) when it cannot. */
  constructor(private ctx: BuiltinContext, setup: RouteSetup, hono: HonoModule, private settings: ServerSettings) {
    this.routes = setup.routes;
    this.table = setup.table;
    this.readResponse = responseReader(ctx, jsonCodec(ctx.api, ctx.onClose));
    const entries = new Map<Route, [(c: Context<Env>) => Promise<Response>, { basePath: string; path: string; method: string; handler: unknown }]>();
    for (const route of this.routes) {
      const handler = (c: Context<Env>) => this.respond(route, c.req.raw, c.req.path, c.req.param() as Record<string, string>, c.env.peer);
      entries.set(route, [handler, { basePath: "/", path: route.path, method: route.method, handler }]);
    }
    const router = new SpecRouter(this.table, (route: Route) => entries.get(route)!);
    this.app = new hono.HonoBase<Env>({ router: router as any, getPath: (request: Request) => splitTarget(request.url).path });
    this.app.notFound((c) => this.notFound(c.req.raw.method, c.req.path));
    this.app.onError((e, c) => {
      ctx.log.write("ERROR", "assay", `http.serve: internal error: ${(e as Error).message}`, { method: c.req.method, path: c.req.path });
      return plain(500, "internal server error");
    });
    this.listener = ctx.host.listen("http.serve", {
      hostname: settings.host,
      port: settings.port,
      maxBody: settings.maxBody,
      fetch: (request, peer) => this.fetch(request, peer),
      onError: (e) => ctx.log.write("ERROR", "assay", `http.serve: internal error: ${(e as Error)?.message ?? e}`),
    });
    this.port = this.listener.port;
  }

  /** Calls `listener` once the server has closed. */
  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closedListeners.push(listener);
  }

  private fetch(request: Request, peer: Peer): Response | Promise<Response> {
    if (request.method === "HEAD") {
      const { path } = splitTarget(request.url);
      const found = this.table.match("HEAD", path);
      if (!found) return this.notFound("HEAD", path);
      return this.respond(found.handler, request, path, decodeParams(found.params), peer);
    }
    return this.app.fetch(request, { peer });
  }

  private notFound(method: string, path: string): Response {
    this.accessLog(method, path, 404, performance.now());
    return plain(404, "not found");
  }

  private async respond(route: Route, request: Request, path: string, params: Record<string, string>, peer: Peer): Promise<Response> {
    const started = performance.now();
    if (this.closed) return plain(503, "server shutting down", { connection: "close" });
    if (route.kind === "ws") return this.accept(route, request, path, params, peer, started);
    // A handler may take as long as it needs; the runtime's idle timeout would cut it.
    peer.untimed();
    const body = await readBody(request, this.settings.maxBody);
    if (body === TOO_LARGE) {
      this.accessLog(request.method, path, 413, started);
      return plain(413, "payload too large", { connection: "close" });
    }
    const req = this.requestTable(request, path, params, body);
    let plan: ResponsePlan;
    try {
      plan = await route.callback.call([req], this.readResponse, "http.serve handler") as ResponsePlan;
    } catch (e) {
      if (this.closed) return plain(503, "server shutting down", { connection: "close" });
      plan = this.failure(e, request.method, path);
    }
    if (plan.dropped.length) {
      this.ctx.log.write("WARN", "assay", `http.serve: response headers dropped (no valid value): ${plan.dropped.join(", ")}`, {
        method: request.method,
        path,
      });
    }
    if (this.closing) plan.headers.set("connection", "close");
    this.accessLog(request.method, path, plan.status, started);
    if (plan.sse) return this.stream(plan, plan.sse);
    // 204, 205 and 304 have no body by definition (and Deno refuses to build one with a body).
    const content = NO_BODY.has(plan.status) ? null : plan.body;
    return new Response(content as BodyInit | null, { status: plan.status, headers: plan.headers });
  }

  private requestTable(request: Request, path: string, params: Record<string, string>, body: Uint8Array): RequestTable {
    const { query } = splitTarget(request.url);
    return {
      method: request.method,
      path,
      query,
      params: queryParams(query),
      path_params: params,
      headers: requestHeaders(request.headers),
      body,
    };
  }

  /** The 500 for a failed handler, after logging the error and its traceback. */
  private failure(e: unknown, method: string, path: string): ResponsePlan {
    const message = e instanceof Error ? e.message : String(e);
    const traceback = e instanceof CallbackError || e instanceof HandlerError ? e.traceback : "";
    this.ctx.log.write("ERROR", "assay", `http.serve: handler error: ${message}`, {
      method,
      path,
      ...(traceback ? { traceback } : {}),
    });
    const headers = new Headers({ "content-type": "text/plain" });
    return { status: 500, headers, body: new TextEncoder().encode(`handler error: ${message}`), dropped: [] };
  }

  /** Starts the SSE producer as its own task and answers with the stream it writes. */
  private stream(plan: ResponsePlan, producer: NonNullable<ResponsePlan["sse"]>): Response {
    const stream = new SseStream();
    this.streams.add(stream);
    // A stream that starts during a shutdown ends at once, like the others.
    if (this.closing) stream.end();
    const { log } = this.ctx;
    const running = producer.call([sendFunction(this.ctx, stream)], undefined, "http.serve SSE").then(
      () => {},
      (e) => {
        const message = e instanceof Error ? e.message : String(e);
        if (message.endsWith(SSE_CLOSED) || this.closed) {
          log.write("DEBUG", "assay", `http.serve SSE: stream ended: ${message}`);
        } else {
          const traceback = e instanceof CallbackError ? e.traceback : "";
          log.write("ERROR", "assay", `http.serve SSE: handler error: ${message}`, traceback ? { traceback } : {});
        }
      },
    ).finally(() => {
      stream.end();
      producer.release();
      this.streams.delete(stream);
    });
    this.runInBackground(running);
    return new Response(stream.body, { status: plan.status, headers: plan.headers });
  }

  /** Accepts a WebSocket and runs its handler as its own task. */
  private accept(route: Route, request: Request, path: string, params: Record<string, string>, peer: Peer, started: number): Response {
    if (!isUpgrade(request)) {
      this.accessLog(request.method, path, 426, started);
      return plain(426, "this route accepts WebSocket connections only", { upgrade: "websocket" });
    }
    if (this.closing) return plain(503, "server shutting down", { connection: "close" });
    // Read before the upgrade: Deno closes the request once it is upgraded.
    const req = this.requestTable(request, path, params, EMPTY);
    const upgrade = peer.upgrade();
    if (!upgrade) {
      this.accessLog(request.method, path, 400, started);
      return plain(400, "invalid WebSocket upgrade request");
    }
    const session = new WsSession(upgrade.socket);
    this.sessions.add(session);
    const { log } = this.ctx;
    const running = route.callback.call([connFunctions(this.ctx, session), req], undefined, "http.serve WebSocket").then(
      () => session.close(1000),
      (e) => {
        if (!this.closed) {
          const message = e instanceof Error ? e.message : String(e);
          const traceback = e instanceof CallbackError ? e.traceback : "";
          log.write("ERROR", "assay", `http.serve WebSocket: handler error: ${message}`, { path, ...(traceback ? { traceback } : {}) });
        }
        session.close(1011, "handler error");
      },
    ).finally(() => this.sessions.delete(session));
    this.runInBackground(running);
    this.accessLog(request.method, path, 101, started);
    return upgrade.response;
  }

  private runInBackground(task: Promise<unknown>): void {
    this.background.add(task);
    task.finally(() => this.background.delete(task));
  }

  private accessLog(method: string, path: string, status: number, started: number): void {
    const { log } = this.ctx;
    if (!log.enabled("DEBUG", "assay")) return;
    log.write("DEBUG", "assay", `http.serve: ${method} ${path} ${status}`, { ms: Math.round((performance.now() - started) * 10) / 10 });
  }

  /** Graceful shutdown (see the top of this file); resolves once the server has closed. */
  shutdown(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.closing = true;
    for (const stream of this.streams) stream.end();
    for (const session of this.sessions) session.close(1001, "server shutting down");
    const grace = delay(this.settings.graceMs);
    const background = async () => {
      while (this.background.size) await Promise.all(this.background);
    };
    const drained = await Promise.race([
      Promise.all([this.listener.stop().catch(() => {}), background()]).then(() => true),
      grace.promise.then(() => false),
    ]);
    grace.cancel();
    if (!drained) this.ctx.log.write("DEBUG", "assay", `http.serve: shutdown grace period over, closing the connections left`);
    this.close();
  }

  /** Closes at once: connections cut, handlers released. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = this.closing = true;
    this.listener.close();
    for (const stream of this.streams) stream.end();
    for (const session of this.sessions) session.close(1001, "server shutting down");
    for (const route of this.routes) route.callback.release();
    for (const listener of this.closedListeners.splice(0)) listener();
  }
}
