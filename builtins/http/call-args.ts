/**
 * Reads the arguments of the client calls from the Lua stack (the same for `http.get(...)` and
 * `client:get(...)`, whose arguments start after self) with the spec's error texts
 * (builtins.md §1.1): a strict URL string; a body that is a string (sent as its bytes; empty
 * sends none), a table (its §0.5 JSON text, from the same C encoder as `json.encode`) or nil;
 * `opts` with `headers` (values strings or numbers), `timeout` (seconds) and, for `http.get`,
 * `on_event`. The body and `on_event` are read here, from the stack, because the argument
 * schema converts tables to JS values and keeps functions only at the top level.
 */
import { LUA_TFUNCTION, LUA_TNIL, LUA_TNONE, LUA_TSTRING, LUA_TTABLE, LuaError } from "../../loader/lua-api.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import { type ArgSpec, ordinal, readValue } from "../../loader/bridge/args.ts";
import { jsonCodec } from "../../loader/bridge/json-native.ts";
import type { RequestSpec } from "./client-request.ts";

export const URL_ARG: ArgSpec = { name: "url", type: "text", strict: true, expect: "a URL string", description: "http or https URL" };

const HEADERS: ArgSpec = {
  name: "headers",
  type: "map",
  optional: true,
  items: { name: "value", type: "text", expect: "a string or number" },
  description: "request headers, name to value",
};
const TIMEOUT: ArgSpec = { name: "timeout", type: "number", optional: true, description: "time limit in seconds" };

/** `opts` of every call. */
export const OPTS_ARG: ArgSpec = {
  name: "opts",
  type: "options",
  optional: true,
  fields: { headers: HEADERS, timeout: TIMEOUT },
  description: "headers, timeout (seconds)",
  luaType: "http.Options",
};
/** `opts` of `http.get`, as documented (on_event is read from the stack, not by this spec). */
export const GET_OPTS_ARG: ArgSpec = {
  ...OPTS_ARG,
  description: "headers, timeout (seconds), on_event = function(event)",
  luaType: "http.GetOptions",
  fields: {
    ...OPTS_ARG.fields,
    on_event: {
      name: "on_event",
      type: "function",
      optional: true,
      luaType: "fun(event: http.Event): boolean?",
      description: "reads a text/event-stream response event by event; return false to stop",
    },
  },
};
export const BODY_ARG: ArgSpec = {
  name: "body",
  type: ["text", "table"],
  luaType: "string|table",
  optional: true,
  strict: true,
  description: "a string (sent as it is) or a table (sent as JSON)",
};
export const PATH_ARG: ArgSpec = { name: "path", type: "text", description: "file to write (replaced once complete)" };
const REQUEST_FIELDS: ArgSpec = {
  name: "request",
  type: "options",
  fields: {
    method: { name: "method", type: "text", optional: true, strict: true },
    url: URL_ARG,
    headers: HEADERS,
    timeout: TIMEOUT,
  },
};
/** As documented: `body` too, which is read from the stack rather than by the schema. */
export const REQUEST_ARG: ArgSpec = {
  ...REQUEST_FIELDS,
  description: "{method=, url=, headers=, body=, timeout=}",
  luaType: "http.RequestSpec",
  fields: { ...REQUEST_FIELDS.fields, body: { ...BODY_ARG, luaType: "string|table" } },
};

/** A time limit in seconds as milliseconds; `what` names it in the error. */
export function timeoutMs(fn: string, what: string, seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new LuaError(`${fn}: ${what} must be a positive number of seconds`);
  return seconds * 1000;
}

function headerList(map: Map<string, unknown> | undefined): [string, string][] {
  return map ? [...map].map(([name, value]) => [name, String(value)]) : [];
}

/** Reads the stack for one kind of call. */
export class CallReader {
  constructor(private ctx: BuiltinContext) {}

  /** The body at `idx`: bytes, the JSON text of a table, or undefined for nil. */
  body(L: number, idx: number, fn: string, what: string): { body?: Uint8Array; json?: boolean } {
    const { api } = this.ctx;
    const t = api.type(L, idx);
    if (t === LUA_TNIL || t === LUA_TNONE) return {};
    if (t === LUA_TSTRING) return { body: api.tobytes(L, idx)! };
    if (t !== LUA_TTABLE) throw new LuaError(`${fn}: ${what} must be a string, table, or nil`);
    const codec = jsonCodec(api, (cleanup) => this.ctx.onClose(cleanup));
    api.checkstack(L, 3);
    codec.encode(L, idx, `${fn}: cannot encode the body as JSON`);
    const body = api.tobytes(L, -1)!;
    api.pop(L);
    return { body, json: true };
  }

  /** `opts` at `idx`: headers and timeout, and `on_event` when `events` is set. */
  opts(L: number, idx: number, fn: string, n: number, events = false): Pick<RequestSpec, "headers" | "timeoutMs" | "onEvent"> {
    const { api } = this.ctx;
    const opts = readValue(api, L, idx, OPTS_ARG, fn, `${ordinal(n)} argument`) as { headers?: Map<string, unknown>; timeout?: number } | undefined;
    const spec: Pick<RequestSpec, "headers" | "timeoutMs" | "onEvent"> = {
      headers: headerList(opts?.headers),
      timeoutMs: timeoutMs(fn, "opts.timeout", opts?.timeout),
    };
    if (events && opts) {
      const t = api.getfield(L, idx, "on_event");
      if (t === LUA_TFUNCTION) spec.onEvent = this.ctx.callbacks.keep(L, -1);
      api.pop(L);
      if (t !== LUA_TNIL && t !== LUA_TFUNCTION) throw new LuaError(`${fn}: opts.on_event must be a function or nil`);
    }
    return spec;
  }

  /** `(url, opts?)` from `first`: get and delete. */
  urlCall(L: number, first: number, fn: string, method: string): RequestSpec {
    const url = readValue(this.ctx.api, L, first, URL_ARG, fn, "first argument") as string;
    return { method, url, ...this.opts(L, first + 1, fn, 2, method === "GET") };
  }

  /** `(url, body?, opts?)` from `first`: post, put and patch. */
  bodyCall(L: number, first: number, fn: string, method: string): RequestSpec {
    const url = readValue(this.ctx.api, L, first, URL_ARG, fn, "first argument") as string;
    const opts = this.opts(L, first + 2, fn, 3);
    return { method, url, ...opts, ...this.body(L, first + 1, fn, "second argument") };
  }

  /** `(url, path, opts?)` from `first`: download; returns the GET and the path. */
  downloadCall(L: number, first: number, fn: string): [RequestSpec, string] {
    const api = this.ctx.api;
    const url = readValue(api, L, first, URL_ARG, fn, "first argument") as string;
    const path = readValue(api, L, first + 1, PATH_ARG, fn, "second argument") as string;
    return [{ method: "GET", url, ...this.opts(L, first + 2, fn, 3) }, path];
  }

  /** `({method=, url=, headers=, body=, timeout=})` at `first`: request. */
  requestCall(L: number, first: number, fn: string): RequestSpec {
    const { api } = this.ctx;
    const spec = readValue(api, L, first, REQUEST_FIELDS, fn, "first argument") as {
      method?: string;
      url: string;
      headers?: Map<string, unknown>;
      timeout?: number;
    };
    const method = (spec.method ?? "GET").toUpperCase();
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/.test(method)) throw new LuaError(`${fn}: request.method must be an HTTP method name`);
    api.checkstack(L, 1);
    api.getfield(L, first, "body");
    let body: { body?: Uint8Array; json?: boolean };
    try {
      body = this.body(L, api.gettop(L), fn, "request.body");
    } finally {
      api.pop(L);
    }
    return {
      method,
      url: spec.url,
      headers: headerList(spec.headers),
      timeoutMs: timeoutMs(fn, "request.timeout", spec.timeout),
      ...body,
    };
  }
}
