/**
 * The network for the host facade (host-facade.ts): HTTP requests and WebSocket connections
 * after a `net` check of the host and port, and response bodies streamed to a file.
 *
 * - Redirects are followed here, each hop asked of the policy again (fetch's own following
 *   would reach hosts nobody checked), with the fetch standard's rules for methods, bodies
 *   and credentials across origins. Only http and https (ws and wss) are network: Bun's fetch
 *   also reads file: and data: URLs, which would bypass the read policy.
 * - TLS trust is the runtime's bundled roots plus the system's (net/trust.ts) plus a client's
 *   own CAs; verification is never turned off. The proxy comes from the environment
 *   (net/proxy.ts), judged per hop; the policy judges the target, not the proxy the operator
 *   configured.
 * - A body saved to a file goes to a temporary file beside the target, renamed over it when
 *   complete, so a failed or cancelled download never leaves a truncated file behind.
 */
import { replaceFile, writeAll } from "./host-files.ts";
import type { Policy } from "./sandbox/policy.ts";
import type { VariableProvider } from "./variables.ts";
import { proxyFor } from "./net/proxy.ts";
import { systemRoots } from "./net/trust.ts";
import { bundledRoots, runtimeFetch, runtimeWebSocket, type TlsConfig } from "./runtime/fetch.ts";

export type { TlsConfig };

/**
 * An open WebSocket and the messages it received before its user took it over: the first
 * message can arrive in the same turn of the event loop as the open event (Deno delivers a
 * message its own in-process server sent at once), before the promise's continuation runs.
 */
export interface OpenWebSocket {
  socket: WebSocket;
  early: MessageEvent[];
}

/** Settings of one client for host requests. */
export interface NetOptions {
  /** The client's own CAs (added to the trusted roots) and client certificate. */
  tls?: TlsConfig;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** Asks the policy for `net` access to a URL's host and port; `schemes` are the network ones. */
function checkNet(policy: Policy, fn: string, target: URL, schemes: string[]): void {
  const scheme = target.protocol.slice(0, -1);
  if (!schemes.includes(scheme)) {
    throw new Error(`unsupported URL scheme ${JSON.stringify(scheme)} (${schemes.join(" or ")} only)`);
  }
  const secure = scheme === "https" || scheme === "wss";
  policy.check(fn, "net", `${target.hostname}:${target.port || (secure ? "443" : "80")}`);
}

/** Headers that must not follow a redirect to another origin (the fetch standard's rule). */
const CREDENTIALS = ["authorization", "cookie", "proxy-authorization"];
/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

/** The request for the next hop of a redirect, as the fetch standard prescribes. */
function redirected(request: RequestInit, status: number, from: URL, to: URL): RequestInit {
  const headers = new Headers(request.headers);
  const method = (request.method ?? "GET").toUpperCase();
  let next: RequestInit = request;
  if (status === 303 && method !== "HEAD" || ((status === 301 || status === 302) && method === "POST")) {
    for (const h of BODY_HEADERS) headers.delete(h);
    next = { ...next, method: method === "HEAD" ? "HEAD" : "GET", body: undefined };
  }
  if (from.origin !== to.origin) for (const h of CREDENTIALS) headers.delete(h);
  return { ...next, headers };
}

/** The network half of one host: requests, sockets and saved bodies under `policy`. */
export class HostNet {
  /** The TLS settings actually used for a client's own (or no) settings. */
  private merged = new WeakMap<TlsConfig, { system: readonly string[]; config: TlsConfig }>();
  private defaults?: { system: readonly string[]; config: TlsConfig | null };

  constructor(private policy: Policy, private vars: VariableProvider) {}

  private env = (name: string) => this.vars.get(name);

  /** The system's extra roots plus the client's settings; null when the runtime's defaults do. */
  private async tlsFor(client: TlsConfig | undefined): Promise<TlsConfig | null> {
    const system = systemRoots(this.env, await bundledRoots());
    if (!client) {
      if (this.defaults?.system !== system) this.defaults = { system, config: system.length ? { ca: system } : null };
      return this.defaults.config;
    }
    let entry = this.merged.get(client);
    if (entry?.system !== system) {
      entry = { system, config: { ...client, ca: [...system, ...client.ca] } };
      this.merged.set(client, entry);
    }
    return entry.config;
  }

  /** `fetch` with the `net` check per hop; `init.redirect` "manual" returns a 3xx as it is. */
  async fetch(fn: string, url: string, init: RequestInit = {}, options: NetOptions = {}): Promise<Response> {
    const mode = init.redirect ?? "follow";
    let target = new URL(url);
    let request: RequestInit = { ...init, redirect: "manual" };
    for (let hop = 0;; hop++) {
      checkNet(this.policy, fn, target, ["http", "https"]);
      const tls = target.protocol === "https:" ? await this.tlsFor(options.tls) : null;
      const response = await runtimeFetch(target.href, request, tls, proxyFor(target, this.env));
      const location = response.headers.get("location");
      if (mode === "manual" || !REDIRECTS.has(response.status) || location === null) return response;
      await response.body?.cancel();
      if (mode === "error") throw new Error(`redirected (status ${response.status}) where redirects are refused`);
      if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS})`);
      const next = new URL(location, target);
      request = redirected(request, response.status, target, next);
      target = next;
    }
  }

  /** A WebSocket connection, open, after the `net` check; the signal abandons the attempt. */
  async websocket(fn: string, url: string, options: NetOptions = {}, signal?: AbortSignal): Promise<OpenWebSocket> {
    const target = new URL(url);
    checkNet(this.policy, fn, target, ["ws", "wss"]);
    signal?.throwIfAborted();
    const socket = runtimeWebSocket(target.href, target.protocol === "wss:" ? await this.tlsFor(options.tls) : null);
    socket.binaryType = "arraybuffer";
    return await new Promise((resolve, reject) => {
      let failure = "";
      const done = () => {
        socket.onopen = socket.onerror = socket.onclose = null;
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        done();
        socket.close();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.onopen = () => {
        done();
        const early: MessageEvent[] = [];
        socket.onmessage = (event) => early.push(event);
        resolve({ socket, early });
      };
      socket.onerror = (event) => {
        // Bun says "WebSocket connection to '<url>' failed: <why>"; callers name the URL themselves.
        failure = ((event as ErrorEvent).message ?? "").replace(/^WebSocket connection to '[^']*' failed: /, "") || failure;
      };
      socket.onclose = (event) => {
        done();
        const why = failure || `the connection closed before it opened (code ${event.code}${event.reason ? `: ${event.reason}` : ""})`;
        reject(new Error(why));
      };
    });
  }

  /**
   * Writes `body` to `path` (asking `write` for it) through a temporary file beside it that
   * is renamed over it once complete; returns the bytes written. An existing file keeps its
   * mode; a target that is not a regular file (a device, a FIFO), or in a directory where no
   * temporary file may be made, is written in place.
   */
  async saveBody(fn: string, path: string, body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<number> {
    return await replaceFile(this.policy, fn, path, (fd, signal) => pump(body, fd, signal), signal);
  }
}

/** Writes every chunk of `body` to `fd`, one at a time (the stream is read only as fast as the disk takes it). */
async function pump(body: ReadableStream<Uint8Array>, fd: number, signal?: AbortSignal): Promise<number> {
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) return total;
      total += await writeAll(fd, value, signal);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
}
