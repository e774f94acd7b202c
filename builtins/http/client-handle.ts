/**
 * `http.client(opts?)` (builtins.md §1.2): a client with settings of its own, as a handle
 * whose methods are called with a colon (`client:get(url, opts?)`, `:post`, `:put`, `:patch`,
 * `:delete`, and beyond the reference `:request{...}` and `:download(url, path, opts?)`). It
 * closes with `client:close()`, `<close>`, collection or the VM.
 *
 * Options: `timeout` (seconds, default 30), `follow_redirects` (default true), `ca_cert_file`
 * and `ca_cert` (extra trusted roots, added to the system's), and beyond the reference `cert`
 * and `key` (a client certificate for mTLS, PEM text) or `cert_file` and `key_file` (their
 * paths), `headers` (sent with every request unless a call gives the same header) and
 * `base_url` (joined to relative URLs with one slash). Files named here are scripts' files,
 * read under the `read` policy; bad PEM is reported here, not at the first request.
 */
import { LuaError } from "../../loader/lua-api.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import { type ArgSpec, readValue } from "../../loader/bridge/args.ts";
import type { HandleType } from "../../loader/bridge/objects.ts";
import { checkPrivateKey, parseCertificates } from "../../loader/net/pem.ts";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { timeoutMs } from "./call-args.ts";
import type { ClientCalls } from "./calls.ts";
import { osErrorText } from "../../loader/os-error.ts";
import { type ClientSettings, DEFAULT_CLIENT } from "./client-request.ts";
import { describe } from "../../loader/net/fetch-error.ts";

const text = (name: string, description: string): ArgSpec => ({ name, type: "text", optional: true, description });

export const CLIENT_OPTS_ARG: ArgSpec = {
  name: "opts",
  type: "options",
  optional: true,
  fields: {
    timeout: { name: "timeout", type: "number", optional: true, description: "total time limit in seconds (default 30)" },
    follow_redirects: { name: "follow_redirects", type: "boolean", optional: true, description: "false returns 3xx as they are" },
    ca_cert_file: text("ca_cert_file", "path of an extra trusted CA (PEM)"),
    ca_cert: text("ca_cert", "an extra trusted CA (PEM text)"),
    cert: text("cert", "client certificate for mTLS (PEM text)"),
    key: text("key", "its private key (PEM text)"),
    cert_file: text("cert_file", "path of the client certificate"),
    key_file: text("key_file", "path of its private key"),
    headers: {
      name: "headers",
      type: "map",
      optional: true,
      items: { name: "value", type: "text", expect: "a string or number" },
      description: "sent with every request unless the call gives the same header",
    },
    base_url: text("base_url", "joined to relative URLs"),
  },
  description: "timeout, follow_redirects, ca_cert_file, ca_cert, cert/key, cert_file/key_file, headers, base_url",
  luaType: "http.ClientOptions",
};

interface ClientOpts {
  timeout?: number;
  follow_redirects?: boolean;
  ca_cert_file?: string;
  ca_cert?: string;
  cert?: string;
  key?: string;
  cert_file?: string;
  key_file?: string;
  headers?: Map<string, unknown>;
  base_url?: string;
}

const FN = "http.client";

/** Reads a script's file through the host; failures worded by `fail`. */
async function readText(ctx: BuiltinContext, path: string, signal: AbortSignal, fail: (why: string) => string): Promise<string> {
  try {
    return new TextDecoder().decode(await ctx.host.readFile(FN, path, signal));
  } catch (e) {
    if (e instanceof LuaError) throw e;
    throw new LuaError(fail(osErrorText(e)));
  }
}

function certificates(pem: string, fail: (why: string) => string): string[] {
  try {
    return parseCertificates(pem);
  } catch (e) {
    throw new LuaError(fail(describe(e)));
  }
}

/** The client certificate and key, checked to parse and to belong together. */
function clientIdentity(cert: string | undefined, key: string | undefined): { cert?: string; key?: string } {
  if (cert === undefined && key === undefined) return {};
  if (cert === undefined || key === undefined) throw new LuaError(`${FN}: a client certificate needs both cert and key (or cert_file and key_file)`);
  const chain = certificates(cert, (why) => `${FN}: invalid client certificate PEM: ${why}`);
  try {
    checkPrivateKey(key);
  } catch (e) {
    throw new LuaError(`${FN}: invalid client key PEM: ${describe(e)}`);
  }
  let matches: boolean;
  try {
    matches = new X509Certificate(chain[0]).checkPrivateKey(createPrivateKey(key));
  } catch {
    matches = true; // a key type the check does not know: the TLS handshake will tell
  }
  if (!matches) throw new LuaError(`${FN}: the client key does not belong to the client certificate`);
  return { cert, key };
}

/** The contents of the files the options name. */
interface Files {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Reads the files the options name (each under the `read` policy). */
async function readFiles(ctx: BuiltinContext, opts: ClientOpts, signal: AbortSignal): Promise<Files> {
  const read = (path: string | undefined, what: string) =>
    path === undefined ? undefined : readText(ctx, path, signal, (why) => `${FN}: failed to read ${what} file ${JSON.stringify(path)}: ${why}`);
  return {
    ca: await read(opts.ca_cert_file, "CA cert"),
    cert: await read(opts.cert_file, "client certificate"),
    key: await read(opts.key_file, "client key"),
  };
}

/** The client's settings from its options and the files they name. */
function settingsFrom(opts: ClientOpts, files: Files): ClientSettings {
  const ca: string[] = [];
  if (files.ca !== undefined) {
    ca.push(...certificates(files.ca, (why) => `${FN}: invalid PEM in ${JSON.stringify(opts.ca_cert_file)}: ${why}`));
  }
  if (opts.ca_cert !== undefined) ca.push(...certificates(opts.ca_cert, (why) => `${FN}: invalid CA cert PEM: ${why}`));
  const identity = clientIdentity(opts.cert ?? files.cert, opts.key ?? files.key);
  return {
    timeoutMs: timeoutMs(FN, "opts.timeout", opts.timeout) ?? DEFAULT_CLIENT.timeoutMs,
    followRedirects: opts.follow_redirects ?? true,
    tls: ca.length || identity.cert ? { ca, ...identity } : undefined,
    headers: opts.headers ? [...opts.headers].map(([name, value]) => [name, String(value)]) : [],
    baseUrl: opts.base_url,
  };
}

function checkBaseUrl(base: string | undefined): void {
  if (base === undefined) return;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new LuaError(`${FN}: opts.base_url must be an absolute http or https URL, got ${JSON.stringify(base)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LuaError(`${FN}: opts.base_url must be an absolute http or https URL, got ${JSON.stringify(base)}`);
  }
}

/** The handle type of clients in this VM, with its methods. */
export function clientType(ctx: BuiltinContext, calls: ClientCalls): HandleType<ClientSettings> {
  const { reader } = calls;
  return ctx.objects.handleType<ClientSettings>(FN, {
    methods: {
      get: (c, L) => calls.request(L, "http.get", c, reader.urlCall(L, 2, "http.get", "GET")),
      delete: (c, L) => calls.request(L, "http.delete", c, reader.urlCall(L, 2, "http.delete", "DELETE")),
      post: (c, L) => calls.request(L, "http.post", c, reader.bodyCall(L, 2, "http.post", "POST")),
      put: (c, L) => calls.request(L, "http.put", c, reader.bodyCall(L, 2, "http.put", "PUT")),
      patch: (c, L) => calls.request(L, "http.patch", c, reader.bodyCall(L, 2, "http.patch", "PATCH")),
      request: (c, L) => calls.request(L, "http.request", c, reader.requestCall(L, 2, "http.request")),
      download: (c, L) => {
        const [spec, path] = reader.downloadCall(L, 2, "http.download");
        return calls.download(L, "http.download", c, spec, path);
      },
    },
    // Nothing to release: connections belong to the runtime's pool and idle out on their own.
    close: () => {},
  });
}

/** `http.client(opts?)`: pushes the handle, after reading the files it names (the task waits for those). */
export function makeClient(ctx: BuiltinContext, type: () => HandleType<ClientSettings>, L: number): number {
  const opts = (readValue(ctx.api, L, 1, CLIENT_OPTS_ARG, FN, "first argument") ?? {}) as ClientOpts;
  checkBaseUrl(opts.base_url);
  timeoutMs(FN, "opts.timeout", opts.timeout);
  if (opts.cert !== undefined && opts.cert_file !== undefined) throw new LuaError(`${FN}: give cert or cert_file, not both`);
  if (opts.key !== undefined && opts.key_file !== undefined) throw new LuaError(`${FN}: give key or key_file, not both`);
  if (opts.ca_cert_file === undefined && opts.cert_file === undefined && opts.key_file === undefined) {
    type().push(L, settingsFrom(opts, {}));
    return 1;
  }
  return ctx.scheduler.suspend(L, (signal) =>
    readFiles(ctx, opts, signal).then((files) => {
      const settings = settingsFrom(opts, files);
      return (co: number) => {
        type().push(co, settings);
        return 1;
      };
    }));
}
