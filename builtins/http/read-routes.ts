/**
 * Reads the routes table of `http.serve(port, routes)`: `METHOD -> { [path] = handler }`, a
 * handler being a function, or under `GET` a WebSocket route `{ ws = function(conn, req) }`.
 * Method keys are upper-cased. Every mistake fails the call (builtins.md §1.3: "or setup
 * fails") with a message naming the route; the handlers are kept as callbacks, and released
 * again when setup fails.
 *
 * The table is walked here rather than converted, because its values are functions, which
 * the value conversion (rightly) refuses.
 */
import { LUA_TFUNCTION, LUA_TSTRING, LUA_TTABLE, LuaError } from "../../loader/lua-api.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import type { LuaCallback } from "../../loader/bridge/callback.ts";
import { RouteError, RouteTable } from "./routes.ts";

export interface Route {
  method: string;
  /** The key as written. */
  path: string;
  /** `ws`: a WebSocket route, whose callback gets `conn` and `req`. */
  kind: "http" | "ws";
  callback: LuaCallback;
}

/** The routes of one server: the table requests are matched in, and every route (to release them). */
export interface RouteSetup {
  table: RouteTable<Route>;
  routes: Route[];
}

/** HTTP method names are tokens (RFC 9110 §9.1). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Builds the route table from the table at `idx` of L; raises `http.serve: ...` on a mistake. */
export function readRoutes(ctx: BuiltinContext, L: number, idx: number): RouteSetup {
  const { api } = ctx;
  const t = api.absindex(L, idx);
  if (api.type(L, t) !== LUA_TTABLE) throw new LuaError("http.serve: second argument must be a routes table");
  const routes: Route[] = [];
  const table = new RouteTable<Route>();
  const top = api.gettop(L);
  try {
    api.checkstack(L, 6);
    api.pushnil(L);
    while (api.next(L, t)) {
      if (api.type(L, -2) !== LUA_TSTRING) {
        throw new LuaError(`http.serve: routes table keys must be method names, not ${api.typename(L, -2)} values`);
      }
      const key = api.tostring(L, -2)!;
      const method = key.toUpperCase();
      if (!TOKEN.test(method)) throw new LuaError(`http.serve: ${JSON.stringify(key)} is not an HTTP method name`);
      if (api.type(L, -1) !== LUA_TTABLE) throw new LuaError(`http.serve: routes.${key} must be a table of path = handler`);
      readPaths(ctx, L, api.gettop(L), method, routes);
      api.pop(L);
    }
    for (const route of routes) table.add(route.method, route.path, route);
  } catch (e) {
    for (const route of routes) route.callback.release();
    api.settop(L, top);
    if (e instanceof RouteError) throw new LuaError(`http.serve: ${e.message}`);
    throw e;
  }
  return { table, routes };
}

function readPaths(ctx: BuiltinContext, L: number, paths: number, method: string, routes: Route[]): void {
  const { api } = ctx;
  api.pushnil(L);
  while (api.next(L, paths)) {
    if (api.type(L, -2) !== LUA_TSTRING) {
      throw new LuaError(`http.serve: route paths under ${method} must be strings, not ${api.typename(L, -2)} values`);
    }
    const path = api.tostring(L, -2)!;
    const where = `${method} ${JSON.stringify(path)}`;
    const type = api.type(L, -1);
    if (type === LUA_TFUNCTION) {
      routes.push({ method, path, kind: "http", callback: ctx.callbacks.keep(L, -1) });
    } else if (type === LUA_TTABLE && api.getfield(L, -1, "ws") === LUA_TFUNCTION) {
      if (method !== "GET") throw new LuaError(`http.serve: route ${where}: a WebSocket route ({ws = function}) must be under GET`);
      routes.push({ method, path, kind: "ws", callback: ctx.callbacks.keep(L, -1) });
      api.pop(L);
    } else {
      throw new LuaError(`http.serve: handler for ${where} must be a function (or {ws = function} under GET)`);
    }
    api.pop(L);
  }
}
