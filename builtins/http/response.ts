/**
 * The response a `http.serve` handler returns (builtins.md §1.3), read from the finished
 * task's stack into what the server sends:
 *
 * | field | |
 * |---|---|
 * | `status` | an integer from 200 to 599; anything else (a float, a string, 700) is 200 |
 * | `headers` | name to a string (its bytes sent as they are) or number, or to an array of them: one header line each |
 * | `sse` | a function: the response is an event stream it produces (takes precedence) |
 * | `json` | a table, encoded by json.encode's codec (json.object marks honoured); beats `body` |
 * | `body` | a string (any bytes) or a number; another type counts as no body |
 *
 * The default content type (`text/event-stream`, `application/json`, `text/plain`) is set only
 * when the handler's headers have none. Header entries that cannot be sent (a boolean value,
 * a newline in a value, a name that is not a token) are dropped and reported for a warning.
 * A handler that returns no table fails with `handler error: ...` (HandlerError).
 */
import { LUA_TFUNCTION, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, type LuaApi } from "../../loader/lua-api.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import type { JsonCodec } from "../../loader/bridge/json-native.ts";
import type { LuaCallback } from "../../loader/bridge/callback.ts";
import { ConversionError, type LuaData, LuaFloat, toJs } from "../../loader/bridge/values.ts";
import { wireHeaderValue } from "./header-value.ts";
import { Buffer } from "node:buffer";

/** What the server sends for a handler's response table. */
export interface ResponsePlan {
  status: number;
  headers: Headers;
  /** Null for an SSE response or no body. */
  body: Uint8Array | null;
  /** The SSE producer, kept until its stream ends (the server releases it). */
  sse?: LuaCallback;
  /** Header names whose entries could not be sent. */
  dropped: string[];
}

/** A handler failed or answered with something the server cannot send: a 500. */
export class HandlerError extends Error {
  constructor(message: string, readonly traceback = "") {
    super(message);
  }
}

/** Reads the results of a finished handler task (a callback `read` function). */
export function responseReader(ctx: BuiltinContext, codec: JsonCodec): (thread: number, n: number) => ResponsePlan {
  const { api } = ctx;
  return (thread, n) => {
    if (n < 1 || api.type(thread, 1) !== LUA_TTABLE) {
      const got = n < 1 ? "no value" : `a ${api.typename(thread, 1)} value`;
      throw new HandlerError(`the handler returned ${got} instead of a response table`);
    }
    let plan: ResponsePlan | undefined;
    // Outside any Lua call: protected, since metamethods and the encoder may raise.
    const failed = api.protect(ctx.L, 0, (P) => {
      api.checkstack(P, n + 4);
      api.xmove(thread, P, n);
      plan = readPlan(ctx, codec, P, api.gettop(P) - n + 1);
    });
    if (failed !== null || !plan) {
      plan?.sse?.release();
      throw new HandlerError(failed ?? "the response could not be read");
    }
    return plan;
  };
}

function readPlan(ctx: BuiltinContext, codec: JsonCodec, L: number, t: number): ResponsePlan {
  const { api } = ctx;
  let status = 200;
  if (api.getfield(L, t, "status") === LUA_TNUMBER && api.isinteger(L, -1)) {
    const code = api.tointeger(L, -1);
    if (code >= 200n && code <= 599n) status = Number(code);
  }
  api.pop(L);

  const headers = new Headers();
  const dropped: string[] = [];
  if (api.getfield(L, t, "headers") === LUA_TTABLE) addHeaders(headers, dropped, readHeaders(api, L));
  api.pop(L);

  const isSse = api.getfield(L, t, "sse") === LUA_TFUNCTION;
  api.pop(L);
  let body: Uint8Array | null = null;
  let type = "text/plain";
  if (isSse) {
    type = "text/event-stream";
    if (!headers.has("cache-control")) headers.set("cache-control", "no-cache");
    if (!headers.has("connection")) headers.set("connection", "keep-alive");
  } else if (api.getfield(L, t, "json") === LUA_TTABLE) {
    codec.encode(L, -1, "response json");
    body = api.tobytes(L, -1);
    type = "application/json";
    api.pop(L, 2);
  } else {
    api.pop(L);
    const kind = api.getfield(L, t, "body");
    if (kind === LUA_TSTRING || kind === LUA_TNUMBER) {
      // A number as `tostring` prints it (tobytes converts in place: this is a copy).
      api.pushvalue(L, -1);
      body = api.tobytes(L, -1);
      api.pop(L);
    }
    api.pop(L);
  }
  if (!headers.has("content-type")) headers.set("content-type", type);

  // Kept last: nothing after it can fail and leave it kept.
  let sse: LuaCallback | undefined;
  if (isSse) {
    api.getfield(L, t, "sse");
    sse = ctx.callbacks.keep(L, -1);
    api.pop(L);
  }
  return { status, headers, body, sse, dropped };
}

function readHeaders(api: LuaApi, L: number): LuaData {
  try {
    return toJs(api, L, -1);
  } catch (e) {
    if (e instanceof ConversionError) throw new HandlerError(`response headers: ${e.message}`);
    throw e;
  }
}

function addHeaders(headers: Headers, dropped: string[], table: LuaData): void {
  // An array (a sequence, or an empty table) has no names: nothing to add.
  if (Array.isArray(table) || typeof table !== "object" || table === null || table instanceof Uint8Array) return;
  for (const [name, value] of Object.entries(table)) {
    const values = Array.isArray(value) ? value : [value];
    let ok = values.length > 0;
    for (const v of values) {
      const text = headerText(v);
      if (text === undefined) {
        ok = false;
        continue;
      }
      try {
        headers.append(name, text);
      } catch {
        ok = false;
      }
    }
    if (!ok) dropped.push(name);
  }
}

/** A header value as sent: a string's bytes as they are, numbers as Lua's `tostring` writes them. */
function headerText(v: LuaData): string | undefined {
  if (typeof v === "string") return wireHeaderValue(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString("latin1");
  if (typeof v === "number" || typeof v === "bigint" || v instanceof LuaFloat) return luaNumberText(v);
  return undefined;
}

/** `tostring` of a Lua number (as toJs gives it): integers in decimal, floats as `%.14g` (plus `.0` when integral). */
export function luaNumberText(v: number | bigint | LuaFloat): string {
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return String(v);
  const x = v instanceof LuaFloat ? v.value : v;
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const [mantissa, e] = x.toExponential(13).split("e");
  const exp = Number(e);
  const trim = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  let text: string;
  if (exp < -4 || exp >= 14) text = `${trim(mantissa)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  else text = trim(x.toFixed(13 - exp));
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}
