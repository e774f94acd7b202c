/**
 * `type: http` checks (checks.md §2) and the one request both native check types make: the
 * runner's shared client (30 s per request unless the check's own `timeout` is set, redirects
 * followed unless `follow_redirects: false`, the environment's proxy and trusted roots), the
 * body read as text. Then the `expect` rules in the spec's order, stopping at the first
 * failure: status, headers, body, body_matches, json, max_latency_ms.
 *
 * @example
 * ```ts
 * const outcome = await httpCheck(host, check, signal);
 * // { passed: false, message: "expected status 200, got 503" }
 * ```
 */
import type { Host } from "../host-facade.ts";
import { describe } from "../net/fetch-error.ts";
import { lazy } from "../lazy.ts";
import { formatDuration } from "./duration.ts";
import { jsonExpectation } from "./json-expect.ts";
import { compile, isMatch } from "../regex/engine.ts";
import type { CheckSpec, Millis, Outcome } from "./types.ts";
import { fail, pass } from "./outcome.ts";

const re2js = lazy(() => require("re2js") as typeof import("re2js"));

/** The shared client's limit per request (checks.md §2). */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface Fetched {
  status: number;
  headers: Headers;
  body: string;
  /** The body as received, for byte-exact matching. */
  bytes: Uint8Array;
  /** From sending the request to having the whole body. */
  latency: Millis;
}

/** A request of a check; a transport failure throws `HTTP <METHOD> <url>: <why>`. */
export async function fetchText(
  host: Host,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; followRedirects?: boolean },
  timeout: Millis,
  signal: AbortSignal,
): Promise<Fetched> {
  const method = init.method ?? "GET";
  const limit = AbortSignal.timeout(timeout);
  const started = performance.now();
  try {
    const response = await host.request("check", url, {
      method,
      headers: init.headers,
      body: init.body,
      redirect: init.followRedirects === false ? "manual" : "follow",
      signal: AbortSignal.any([signal, limit]),
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const body = new TextDecoder().decode(bytes);
    return { status: response.status, headers: response.headers, body, bytes, latency: performance.now() - started };
  } catch (e) {
    const why = limit.aborted && !signal.aborted ? `request timed out after ${formatDuration(timeout)}` : describe(e);
    throw new Error(`HTTP ${method} ${url}: ${why}`);
  }
}

/** Runs one attempt of an http check. */
export async function httpCheck(host: Host, check: CheckSpec, signal: AbortSignal): Promise<Outcome> {
  if (check.url === undefined) return fail("http check requires a 'url' field");
  let r: Fetched;
  try {
    r = await fetchText(host, check.url, {
      method: check.method,
      headers: check.headers,
      body: check.body,
      followRedirects: check.follow_redirects,
    }, check.timeout ?? REQUEST_TIMEOUT_MS, signal);
  } catch (e) {
    return fail((e as Error).message);
  }
  const expect = check.expect;
  if (!expect) return r.status >= 200 && r.status <= 299 ? pass() : fail(`expected 2xx, got ${r.status}`);
  if (expect.status !== undefined && expect.status !== r.status) return fail(`expected status ${expect.status}, got ${r.status}`);
  for (const [name, want] of Object.entries(expect.headers ?? {})) {
    const got = r.headers.get(name);
    if (got === null) return fail(`expected header ${JSON.stringify(name)}, which is missing`);
    if (got !== want) return fail(`expected header ${JSON.stringify(name)} to be ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  if (expect.body !== undefined && !r.body.includes(expect.body)) return fail(`body does not contain ${JSON.stringify(expect.body)}`);
  if (expect.body_matches !== undefined && !isMatch(compile(re2js.get(), expect.body_matches), r.bytes)) {
    return fail(`body does not match ${JSON.stringify(expect.body_matches)}`);
  }
  if (expect.json !== undefined) {
    const failure = jsonExpectation(r.body, expect.json);
    if (failure !== null) return fail(failure);
  }
  const latency = Math.floor(r.latency);
  if (expect.max_latency_ms !== undefined && latency > expect.max_latency_ms) {
    return fail(`latency ${latency} ms exceeds max_latency_ms ${expect.max_latency_ms}`);
  }
  return pass();
}
