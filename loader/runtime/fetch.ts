/**
 * The one module that knows how each JS runtime takes per-request TLS and proxy settings for
 * `fetch` and `WebSocket`, so the builtins stay portable:
 *
 * - Bun: the `tls: {ca, cert, key}` and `proxy` fetch options (`new WebSocket(url, {tls})`).
 *   `tls.ca` *replaces* Bun's bundled roots, so the bundled list is passed along with the
 *   extra ones.
 * - Deno: a `Deno.createHttpClient({caCerts, cert, key, proxy})` per setting, passed as
 *   `client` (to WebSocket too); `caCerts` add to Deno's own roots.
 *
 * Which proxy to use is decided by the caller (net/proxy.ts). A direct connection must stay
 * direct, but both runtimes read the proxy variables themselves, each with its own rules, so
 * those variables are hidden from the process environment for the synchronous moment in
 * which the request (or the Deno client) is set up.
 *
 * @example
 * ```ts
 * const response = await runtimeFetch(url, { method: "GET", signal }, { ca: [pem] }, null);
 * ```
 */
/** TLS settings of a client: extra trusted roots (PEM, added to the bundled ones) and a client certificate. */
export interface TlsConfig {
  readonly ca: readonly string[];
  readonly cert?: string;
  readonly key?: string;
}

interface DenoHttpClient {
  close(): void;
}

interface DenoNamespace {
  createHttpClient(options: {
    caCerts?: string[];
    cert?: string;
    key?: string;
    proxy?: { url: string };
  }): DenoHttpClient;
}

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const deno = isBun ? undefined : (globalThis as { Deno?: DenoNamespace }).Deno;

let rootCertificates: readonly string[] | undefined;

/**
 * The roots the runtime trusts by default (Mozilla's list, as bundled). Loaded on first use:
 * node:tls costs start-up time that scripts without TLS should not pay.
 */
export async function bundledRoots(): Promise<readonly string[]> {
  return rootCertificates ??= (await import("node:tls")).rootCertificates;
}

const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/** Runs `setup` with the proxy variables out of the environment, so the runtime cannot apply them. */
function withoutProxyVariables<T>(setup: () => T): T {
  const saved: [string, string][] = [];
  for (const name of PROXY_VARIABLES) {
    const value = process.env[name];
    if (value === undefined) continue;
    saved.push([name, value]);
    delete process.env[name];
  }
  try {
    return setup();
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}

// ---- Bun ----------------------------------------------------------------------------------

const bunTlsOptions = new WeakMap<TlsConfig, Record<string, unknown>>();

function bunTls(tls: TlsConfig): Record<string, unknown> {
  let options = bunTlsOptions.get(tls);
  if (!options) {
    options = {};
    // Set by now: the caller awaited bundledRoots() to build the settings.
    if (tls.ca.length) options.ca = [...rootCertificates!, ...tls.ca];
    if (tls.cert !== undefined) options.cert = tls.cert;
    if (tls.key !== undefined) options.key = tls.key;
    bunTlsOptions.set(tls, options);
  }
  return options;
}

// ---- Deno ---------------------------------------------------------------------------------

/** Key for the clients of requests with no TLS settings. */
const NO_TLS: TlsConfig = Object.freeze({ ca: [] });
const denoClients = new WeakMap<TlsConfig, Map<string, DenoHttpClient>>();

function denoClient(api: DenoNamespace, tls: TlsConfig | null, proxy: string | null): DenoHttpClient {
  const key = tls ?? NO_TLS;
  let byProxy = denoClients.get(key);
  if (!byProxy) denoClients.set(key, byProxy = new Map());
  let client = byProxy.get(proxy ?? "");
  if (!client) {
    const options = {
      ...(tls?.ca.length ? { caCerts: [...tls.ca] } : {}),
      ...(tls?.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
      ...(proxy ? { proxy: { url: proxy } } : {}),
    };
    client = withoutProxyVariables(() => api.createHttpClient(options));
    byProxy.set(proxy ?? "", client);
  }
  return client;
}

// ---- the adapter --------------------------------------------------------------------------

function unsupported(tls: TlsConfig | null, proxy: string | null): void {
  if (tls || proxy) throw new Error("custom TLS roots, client certificates and proxies need Bun or Deno");
}

/** `fetch` with these TLS settings (null: the runtime's defaults) through `proxy` (null: direct). */
export function runtimeFetch(url: string, init: RequestInit, tls: TlsConfig | null, proxy: string | null): Promise<Response> {
  if (isBun) {
    const options: Record<string, unknown> = { ...init };
    if (tls) options.tls = bunTls(tls);
    if (proxy) {
      options.proxy = proxy;
      return fetch(url, options as RequestInit);
    }
    return withoutProxyVariables(() => fetch(url, options as RequestInit));
  }
  if (deno) return fetch(url, { ...init, client: denoClient(deno, tls, proxy) } as RequestInit);
  unsupported(tls, proxy);
  return fetch(url, init);
}

/** A WebSocket with these TLS settings (always a direct connection). */
export function runtimeWebSocket(url: string, tls: TlsConfig | null): WebSocket {
  type Constructor = new (url: string, options?: unknown) => WebSocket;
  const Socket = WebSocket as unknown as Constructor;
  if (isBun) return withoutProxyVariables(() => new Socket(url, tls ? { tls: bunTls(tls) } : undefined));
  if (deno) return tls ? new Socket(url, { client: denoClient(deno, tls, null) }) : new Socket(url);
  unsupported(tls, null);
  return new Socket(url);
}

/** Releases what the runtime holds for these settings (Deno's clients); later calls make new ones. */
export function releaseTls(tls: TlsConfig): void {
  const byProxy = denoClients.get(tls);
  if (!byProxy) return;
  denoClients.delete(tls);
  for (const client of byProxy.values()) client.close();
}
