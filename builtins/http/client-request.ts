/**
 * One HTTP request of the client, from a request description to the response table
 * (builtins.md §1.1): headers merged from the client's defaults, the time limit, the host's
 * policy-checked fetch, the body read under the Lua heap limit, and the spec's error texts:
 * `http.<m> failed: <url>: <why>` for transport failures (invalid URL, refused, TLS, timeout),
 * `http.<m>: reading body failed: <why>` once the status is in. Non-2xx is not an error.
 */
import { Buffer } from "node:buffer";
import type { BuiltinContext } from "../../loader/plugin.ts";
import { LuaError } from "../../loader/lua-api.ts";
import type { TlsConfig } from "../../loader/host-net.ts";
import type { LuaCallback } from "../../loader/bridge/callback.ts";
import { concatBytes } from "../../loader/bytes.ts";
import { type Delay, delay } from "../../loader/timers.ts";
import { wireHeaderValue } from "./header-value.ts";
import { describe } from "../../loader/net/fetch-error.ts";

/** The settings of a client: the shared default one, or one made by `http.client`. */
export interface ClientSettings {
  /** Time limit in milliseconds: the whole exchange, or (for streams) until the headers and between chunks. */
  timeoutMs: number;
  followRedirects: boolean;
  /** Extra CAs and a client certificate. */
  tls?: TlsConfig;
  /** Sent with every request unless the call gives the same header. */
  headers: [string, string][];
  /** Relative URLs are joined to it. */
  baseUrl?: string;
}

export const DEFAULT_CLIENT: ClientSettings = { timeoutMs: 30_000, followRedirects: true, headers: [] };

/** One request as the Lua call described it. */
export interface RequestSpec {
  method: string;
  url: string;
  headers: [string, string][];
  /** No body when undefined (an empty string sends none either). */
  body?: Uint8Array;
  /** The body is a table's JSON text: `Content-Type: application/json` unless the call sets one. */
  json?: boolean;
  /** Overrides the client's limit for this call (milliseconds). */
  timeoutMs?: number;
  /** `opts.on_event` of `http.get`: a `text/event-stream` response is read event by event. */
  onEvent?: LuaCallback;
}

/** What a response becomes in Lua. */
export interface ResponseTable {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/**
 * A time limit whose expiry aborts its signal; re-armed between chunks of a stream. On
 * timers.ts's `delay`, so a limit longer than setTimeout's 24.8 days does not fire at once.
 */
export class Deadline {
  private controller = new AbortController();
  private wait: Delay | undefined;
  fired = false;

  constructor(readonly ms: number) {
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(): void {
    this.wait?.cancel();
    const wait = this.wait = delay(this.ms);
    wait.promise.then((elapsed) => {
      if (!elapsed || this.wait !== wait) return;
      this.fired = true;
      this.controller.abort(new DOMException("timed out", "TimeoutError"));
    });
  }

  clear(): void {
    this.wait?.cancel();
  }

  /** `timed out after 30 s`. */
  describe(): string {
    return `timed out after ${Number((this.ms / 1000).toFixed(3))} s`;
  }
}

/** The URL without user and password, as errors show it. */
export function displayUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = copy.password = "";
  return copy.href;
}

/** `base_url` joined with a relative URL: one slash between them, whatever each side has. */
function joinUrl(base: string, relative: string): string {
  if (relative === "") return base;
  return `${base.replace(/\/+$/, "")}/${relative.replace(/^\/+/, "")}`;
}

/** The URL to request; an invalid one raises `<fn> failed: invalid URL "..."`. */
export function targetUrl(fn: string, client: ClientSettings, url: string): URL {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
  const text = client.baseUrl !== undefined && !absolute ? joinUrl(client.baseUrl, url) : url;
  try {
    return new URL(text);
  } catch {
    throw new LuaError(`${fn} failed: invalid URL ${JSON.stringify(text)}`);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The headers to send: the client's, then the call's (a name given again replaces it), then the automatic ones. */
function requestHeaders(ctx: BuiltinContext, fn: string, where: string, client: ClientSettings, spec: RequestSpec, url: URL): Headers {
  const chosen = new Map<string, [string, string]>();
  for (const [name, value] of [...client.headers, ...spec.headers]) {
    if (!TOKEN.test(name)) throw new LuaError(`${fn} failed: ${where}: invalid header name ${JSON.stringify(name)}`);
    if (/[\r\n\0]/.test(value)) {
      throw new LuaError(`${fn} failed: ${where}: invalid value for header ${JSON.stringify(name)} (line breaks and NUL are not allowed)`);
    }
    chosen.set(name.toLowerCase(), [name, value]);
  }
  if (spec.json && !chosen.has("content-type")) chosen.set("content-type", ["Content-Type", "application/json"]);
  if (!chosen.has("user-agent")) chosen.set("user-agent", ["User-Agent", `assay/${ctx.runtime.version}`]);
  if ((url.username || url.password) && !chosen.has("authorization")) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    chosen.set("authorization", ["Authorization", `Basic ${Buffer.from(credentials).toString("base64")}`]);
  }
  const headers = new Headers();
  try {
    for (const [name, value] of chosen.values()) headers.set(name, wireHeaderValue(value));
  } catch (e) {
    throw new LuaError(`${fn} failed: ${where}: ${describe(e)}`);
  }
  return headers;
}

/** Header values scripts get: visible ASCII, spaces and tabs (others are dropped, as the reference does). */
const VISIBLE = /^[\t\x20-\x7e]*$/;

/** Response headers keyed by lower-case name; a repeated `set-cookie` keeps its last value. */
export function headersTable(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (VISIBLE.test(value)) out[name.toLowerCase()] = value;
  });
  const cookies = headers.getSetCookie?.() ?? [];
  const last = cookies[cookies.length - 1];
  if (last !== undefined && VISIBLE.test(last)) out["set-cookie"] = last;
  return out;
}

/** A response whose headers are in, with its deadline still running. */
export interface Exchange {
  response: Response;
  deadline: Deadline;
  /** The URL as errors name it. */
  where: string;
}

/**
 * Sends the request and waits for the response headers. The deadline keeps running (the
 * caller clears it once the body is read); `signal` is the calling task's.
 */
export async function exchange(ctx: BuiltinContext, fn: string, client: ClientSettings, spec: RequestSpec, signal: AbortSignal): Promise<Exchange> {
  const url = targetUrl(fn, client, spec.url);
  const where = displayUrl(url);
  const headers = requestHeaders(ctx, fn, where, client, spec, url);
  if (url.username || url.password) url.username = url.password = "";
  const deadline = new Deadline(spec.timeoutMs ?? client.timeoutMs);
  const init: RequestInit = {
    method: spec.method,
    headers,
    body: spec.body && spec.body.length > 0 ? (spec.body as Uint8Array<ArrayBuffer>) : undefined,
    redirect: client.followRedirects ? "follow" : "manual",
    signal: AbortSignal.any([signal, deadline.signal]),
  };
  try {
    const response = await ctx.host.request(fn, url.href, init, { tls: client.tls });
    return { response, deadline, where };
  } catch (e) {
    deadline.clear();
    if (e instanceof LuaError) throw e;
    if (deadline.fired) throw new LuaError(`${fn} failed: ${where}: ${deadline.describe()}`);
    throw new LuaError(`${fn} failed: ${where}: ${describe(e)}`);
  }
}

/** `<fn>: reading body failed: <why>`. */
export function bodyFailure(fn: string, deadline: Deadline, e: unknown): LuaError {
  if (e instanceof LuaError) return e;
  return new LuaError(`${fn}: reading body failed: ${deadline.fired ? deadline.describe() : describe(e)}`);
}

/**
 * Reads the whole body, charging it to the Lua heap budget as it arrives, so a body larger
 * than the memory limit fails early instead of filling the JS heap first.
 */
export async function readBody(ctx: BuiltinContext, fn: string, response: Response, deadline: Deadline): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!ctx.heap.charge(value.length)) {
        throw new Error(
          `the body does not fit in the memory limit (more than ${total + value.length} bytes; http.download saves a body to a file)`,
        );
      }
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw bodyFailure(fn, deadline, e);
  } finally {
    ctx.heap.release(total);
    deadline.clear();
  }
  return concatBytes(chunks);
}

/** The whole exchange: status, lower-case headers and the body as bytes. */
export async function perform(ctx: BuiltinContext, fn: string, client: ClientSettings, spec: RequestSpec, signal: AbortSignal): Promise<ResponseTable> {
  const { response, deadline } = await exchange(ctx, fn, client, spec, signal);
  const body = await readBody(ctx, fn, response, deadline);
  return { status: response.status, headers: headersTable(response.headers), body };
}
