/**
 * Which proxy a request goes through, from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` (spec README
 * §0 item 12), decided here rather than by the JS runtime: Bun's own reading of these variables
 * does not honour `NO_PROXY=127.0.0.1` for `127.0.0.1:<port>` and Deno's differs from Bun's, so
 * the adapter (runtime/fetch.ts) is told the answer and keeps the runtime from guessing.
 *
 * - `http:` URLs use `HTTP_PROXY`, `https:` URLs `HTTPS_PROXY`; the upper-case name wins over
 *   the lower-case one when both are set (as reqwest, the reference's client, reads them); an
 *   empty value means no proxy. A proxy given without a scheme is `http://`.
 * - `NO_PROXY` is a comma-separated list: `*` (everything), a host name (that host and its
 *   subdomains; a leading `.` or `*.` means the same), an IP address, an IP range in CIDR
 *   form, each optionally with `:port` to match only that port.
 *
 * @example
 * ```ts
 * proxyFor(new URL("https://api.example/x"), (n) => process.env[n]); // "http://proxy:3128" or null
 * ```
 */
/** Reads one environment variable. */
export type EnvReader = (name: string) => string | undefined;

function variable(env: EnvReader, name: string): string | undefined {
  const value = env(name) ?? env(name.toLowerCase());
  return value === undefined ? undefined : value.trim();
}

/** The proxy URL for a request to `url`, or null for a direct connection. */
export function proxyFor(url: URL, env: EnvReader): string | null {
  const name = url.protocol === "https:" || url.protocol === "wss:" ? "HTTPS_PROXY" : "HTTP_PROXY";
  const proxy = variable(env, name);
  if (!proxy) return null;
  const noProxy = variable(env, "NO_PROXY");
  if (noProxy && bypasses(noProxy, url)) return null;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/** The URL's host without IPv6 brackets, lower-cased. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === "https:" || url.protocol === "wss:" ? "443" : "80");
}

/** Whether a `NO_PROXY` list names the URL's host (and port, when an entry gives one). */
export function bypasses(noProxy: string, url: URL): boolean {
  const host = hostOf(url);
  const port = defaultPort(url);
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const { pattern, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (matchesHost(pattern, host)) return true;
  }
  return false;
}

/** `host:port`, `[v6]:port`, `v6`, `cidr`: the part to match and the port, if one is given. */
function splitPort(entry: string): { pattern: string; entryPort?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { pattern: bracketed[1], entryPort: bracketed[2] };
  // Several colons and no brackets: a bare IPv6 address or range, never a port.
  if ((entry.match(/:/g) ?? []).length > 1) return { pattern: entry };
  const m = /^(.*):(\d+)$/.exec(entry);
  return m ? { pattern: m[1], entryPort: m[2] } : { pattern: entry };
}

function matchesHost(pattern: string, host: string): boolean {
  if (pattern.includes("/")) return inCidr(pattern, host);
  if (isIP(pattern)) return isIP(host) !== 0 && sameAddress(pattern, host);
  const domain = pattern.replace(/^\*?\./, "");
  return host === domain || host.endsWith(`.${domain}`);
}

function sameAddress(a: string, b: string): boolean {
  const x = addressBits(a), y = addressBits(b);
  return x !== null && y !== null && x.bits === y.bits && x.value === y.value;
}

function inCidr(cidr: string, host: string): boolean {
  const [base, lengthText] = cidr.split("/");
  const net = addressBits(base), addr = addressBits(host);
  const length = Number(lengthText);
  if (!net || !addr || net.bits !== addr.bits || !Number.isInteger(length) || length < 0 || length > net.bits) return false;
  const shift = BigInt(net.bits - length);
  return net.value >> shift === addr.value >> shift;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 or 6 for an IP address, else 0 (node:net's isIP, without loading node:net at start-up). */
function isIP(text: string): number {
  if (IPV4.test(text)) return 4;
  if (!text.includes(":")) return 0;
  try {
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** An IPv4 or IPv6 address as a number of 32 or 128 bits. */
function addressBits(text: string): { bits: number; value: bigint } | null {
  const kind = isIP(text);
  if (kind === 4) {
    return { bits: 32, value: text.split(".").reduce((v, part) => (v << 8n) | BigInt(Number(part)), 0n) };
  }
  if (kind !== 6) return null;
  // The URL parser writes the address in its canonical form (hex groups, `::` once).
  let address = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    const n = addressBits(v4[1])!.value;
    address = address.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.split("::");
  const groups = (s: string | undefined) => (s ? s.split(":") : []);
  const left = groups(head), right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return { bits: 128, value: all.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n) };
}
