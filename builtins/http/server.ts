/**
 * The server half of `http`: `http.serve(port, routes, opts?)` (builtins.md §1.3, README §0
 * items 7, 11 and 15), on hono (loaded on the first call).
 *
 * | | |
 * |---|---|
 * | `http.serve(port, routes, opts?)` | serves until SIGTERM/SIGINT; never returns |
 *
 * `routes` is `METHOD -> { [path] = function(req) return resp end }`: exact paths, `:name`
 * segments (`req.path_params`) and `/*` wildcards; under GET a route may be
 * `{ ws = function(conn, req) ... end }` (a WebSocket). `opts` (beyond the reference): `host`
 * (bind address, default `0.0.0.0`), `max_body` (bytes, default 10 MiB; larger bodies get a
 * 413) and `shutdown_grace` (seconds, default 10). The port actually bound is in the global
 * `_SERVER_PORT`. Listening asks the policy for `listen` on `host:port`.
 *
 * The run goes on while a server is live, also after the main chunk has returned; SIGTERM or
 * SIGINT shut it down gracefully (app.ts) and the run ends with exit code 0.
 */
import type { BuiltinContext, Call, FunctionDecl, Impl } from "../../loader/plugin.ts";
import { LuaError } from "../../loader/lua-api.ts";
import { lazy } from "../../loader/lazy.ts";
import { BindError } from "../../loader/runtime/serve.ts";
import { readRoutes } from "./read-routes.ts";
import { type HonoModule, HttpServer, type ServerSettings } from "./app.ts";

const hono = lazy<HonoModule>(() => require("hono/hono-base"));

const DEFAULT_HOST = "0.0.0.0";
const DEFAULT_MAX_BODY = 10 * 1024 * 1024;
const DEFAULT_GRACE_SECONDS = 10;

export const serverFunctions: Record<string, FunctionDecl> = {
  serve: {
    signature: "http.serve(port, routes, opts?)",
    description: "Serve HTTP and WebSocket routes with Lua handlers until SIGTERM/SIGINT (sets _SERVER_PORT)",
    args: [
      { name: "port", type: "integer", expect: "a port number", description: "port to listen on; 0 for an ephemeral one" },
      {
        name: "routes",
        type: "raw",
        expect: "a routes table",
        description: "METHOD -> { [path] = handler }",
        luaType: "table<string, table<string, (fun(req: http.Request): http.Reply)|http.WsRoute>>",
      },
      {
        name: "opts",
        type: "options",
        optional: true,
        luaType: "http.ServeOptions",
        fields: {
          host: { name: "host", type: "text", optional: true, description: "bind address (default 0.0.0.0)" },
          max_body: { name: "max_body", type: "integer", optional: true, description: "largest request body in bytes (default 10 MiB)" },
          shutdown_grace: { name: "shutdown_grace", type: "number", optional: true, description: "seconds requests get to finish at shutdown (default 10)" },
        },
      },
    ],
    returns: [],
    errors: [
      "http.serve: port <port> is out of range (0 to 65535)",
      'http.serve: route <METHOD> "<path>": <why>',
      "http.serve: bind failed: <why>",
    ],
    capabilities: ["listen"],
    async: true,
    needs: hono,
  },
};

interface ServeOptions {
  host?: string;
  max_body?: number;
  shutdown_grace?: number;
}

export function installServer(ctx: BuiltinContext): Record<string, Impl> {
  return {
    serve: ([port, routes, opts]: [number, number, ServeOptions | undefined], call: Call) => serve(ctx, port, routes, opts ?? {}, call),
  };
}

function settingsOf(port: number, opts: ServeOptions): ServerSettings {
  if (port < 0 || port > 65535) throw new LuaError(`http.serve: port ${port} is out of range (0 to 65535)`);
  const host = opts.host ?? DEFAULT_HOST;
  if (host === "") throw new LuaError("http.serve: opts.host must not be empty");
  const maxBody = opts.max_body ?? DEFAULT_MAX_BODY;
  if (maxBody < 0) throw new LuaError("http.serve: opts.max_body must not be negative");
  const grace = opts.shutdown_grace ?? DEFAULT_GRACE_SECONDS;
  if (!(grace >= 0 && Number.isFinite(grace))) throw new LuaError("http.serve: opts.shutdown_grace must be a number of seconds >= 0");
  return { host, port, maxBody, graceMs: grace * 1000 };
}

/** Starts the server, then waits for ever: the call ends only when its task is cancelled. */
function serve(ctx: BuiltinContext, port: number, routesIndex: number, opts: ServeOptions, call: Call): Promise<never> {
  const settings = settingsOf(port, opts);
  const setup = readRoutes(ctx, call.L, routesIndex);
  let server: HttpServer;
  try {
    server = new HttpServer(ctx, setup, hono.get(), settings);
  } catch (e) {
    for (const route of setup.routes) route.callback.release();
    if (e instanceof BindError) throw new LuaError(`http.serve: bind failed: ${e.message}`);
    throw e;
  }
  const { api } = ctx;
  api.pushinteger(call.L, server.port);
  api.setglobal(call.L, "_SERVER_PORT");
  server.onClosed(ctx.services.add({ shutdown: () => server.shutdown() }));
  ctx.onClose(() => server.close());
  ctx.log.write("DEBUG", "assay", `http.serve: listening on ${settings.host}:${server.port}`);
  return new Promise((_, reject) => {
    const stop = () => {
      server.close();
      reject(call.signal.reason);
    };
    if (call.signal.aborted) stop();
    else call.signal.addEventListener("abort", stop, { once: true });
  });
}
