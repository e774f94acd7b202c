/**
 * The request table a `http.serve` handler gets (builtins.md §1.3), built as a JS value and
 * pushed by the conversion layer:
 *
 * | field | value |
 * |---|---|
 * | `method` | upper-case method |
 * | `path` | path without the query, percent-encoded as received |
 * | `query` | raw query string without `?` (`""` when none) |
 * | `params` | the query decoded as a form (`+` is a space); a repeated key keeps its last value |
 * | `path_params` | values of the route's `:name` segments, URL-decoded (README §0 item 11) |
 * | `headers` | lowercase names; a repeated header is one value joined with `, ` (see below) |
 * | `body` | the body's bytes as they came (README §0 item 8: binary-safe) |
 *
 * Repeated request headers: Bun and Deno hand the server each header already joined with
 * `, ` (RFC 9110 §5.3) and keep no raw lines, so the spec's "last value" cannot be told
 * apart from a single value that contains a comma; the joined value is what a handler gets.
 */
import { concatBytes } from "../../loader/bytes.ts";

/** What the spec's request table holds, before it is pushed. */
export interface RequestTable {
  method: string;
  path: string;
  query: string;
  params: Record<string, string>;
  path_params: Record<string, string>;
  headers: Record<string, string>;
  body: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The path (without query) and the raw query of a request URL, as received. */
export function splitTarget(url: string): { path: string; query: string } {
  // The URL is absolute (`http://host:port/path?query`); the path starts after the authority.
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return { path: "/", query: "" };
  let end = url.indexOf("#", start);
  if (end < 0) end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0 && q < end) return { path: url.slice(start, q), query: url.slice(q + 1, end) };
  return { path: url.slice(start, end), query: "" };
}

/** The query decoded as `application/x-www-form-urlencoded`; a repeated key keeps its last value. */
export function queryParams(query: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  if (query === "") return params;
  for (const [key, value] of new URLSearchParams(query)) params[key] = value;
  return params;
}

/** Header values that are not ASCII are dropped (builtins.md §1.3). */
const NOT_ASCII = /[\u0080-\uffff]/;

export function requestHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  headers.forEach((value, name) => {
    if (!NOT_ASCII.test(value)) out[name] = value;
  });
  return out;
}

/** Reading the body stopped at the size limit. */
export const TOO_LARGE = Symbol("body too large");

/** The whole body, or TOO_LARGE once it passes `max` bytes (the rest is not read). */
export async function readBody(request: Request, max: number): Promise<Uint8Array | typeof TOO_LARGE> {
  if (request.body === null) return EMPTY;
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > max) return TOO_LARGE;
    return new Uint8Array(await request.arrayBuffer());
  }
  // Chunked: counted as it comes, so an endless body is cut at the limit.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

/** Whether a request asks to become a WebSocket. */
export function isUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}
