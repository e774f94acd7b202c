/**
 * `type: prometheus` checks (checks.md §3): an instant query, the first result's value, and
 * the inclusive `min`/`max` bounds. The HTTP status is not looked at: Prometheus explains a
 * bad query in the JSON body, which is where the message comes from.
 *
 * @example
 * ```ts
 * await prometheusCheck(host, { ...check, query: "vector(1)" }, signal)
 * // { passed: true, message: "query returned: 1" }
 * ```
 */
import type { Host } from "../host-facade.ts";
import { fetchText, REQUEST_TIMEOUT_MS } from "./http-check.ts";
import { fail, pass } from "./outcome.ts";
import { parseFloat64 } from "./json-expect.ts";
import type { CheckSpec, Outcome } from "./types.ts";

/** Runs one attempt of a prometheus check. */
export async function prometheusCheck(host: Host, check: CheckSpec, signal: AbortSignal): Promise<Outcome> {
  if (check.url === undefined) return fail("prometheus check requires a 'url' field");
  if (check.query === undefined) return fail("prometheus check requires a 'query' field");
  const url = `${check.url.replace(/\/+$/, "")}/api/v1/query?${new URLSearchParams({ query: check.query })}`;
  let body: string;
  try {
    body = (await fetchText(host, url, {}, check.timeout ?? REQUEST_TIMEOUT_MS, signal)).body;
  } catch (e) {
    return fail((e as Error).message);
  }
  let doc: { status?: unknown; error?: unknown; data?: { result?: unknown } };
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return fail(`Prometheus response is not valid JSON: ${(e as Error).message}`);
  }
  if (doc?.status !== "success") {
    return fail(`Prometheus query failed: ${typeof doc?.error === "string" ? doc.error : "unknown error"}`);
  }
  const result = doc.data?.result;
  if (!Array.isArray(result)) return fail("unexpected Prometheus response format: missing data.result");
  if (result.length === 0) return fail("Prometheus query returned no results");
  const text = (result[0] as { value?: unknown[] })?.value?.[1];
  if (typeof text !== "string") return fail("unexpected Prometheus result format: missing value");
  const value = parseFloat64(text);
  if (value === undefined) return fail(`failed to parse Prometheus value: ${JSON.stringify(text)}`);
  const expect = check.expect;
  if (!expect) return pass(`query returned: ${formatFloat(value)}`);
  if (expect.min !== undefined && value < expect.min) return fail(`expected min ${formatFloat(expect.min)}, got ${formatFloat(value)}`);
  if (expect.max !== undefined && value > expect.max) return fail(`expected max ${formatFloat(expect.max)}, got ${formatFloat(value)}`);
  return pass();
}

/** The shortest form of a float, without a trailing `.0`: `1`, `0.5`, `1e-7`, `inf`, `NaN`, `-0`. */
export function formatFloat(n: number): string {
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  // Rust's Display keeps the sign of zero (a Prometheus value "-0" reads back as -0); String drops it.
  if (Object.is(n, -0)) return "-0";
  return String(n);
}
