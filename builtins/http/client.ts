/**
 * The HTTP client half of `http` (builtins.md §1.1-1.2, issue 7).
 *
 * | function | |
 * |---|---|
 * | `http.get(url, opts?) -> resp` | GET; `opts.on_event = function(event)` reads a `text/event-stream` event by event |
 * | `http.post(url, body?, opts?) -> resp` | POST; a table body is sent as JSON (`Content-Type: application/json`) |
 * | `http.put(url, body?, opts?) -> resp` | PUT, as post |
 * | `http.patch(url, body?, opts?) -> resp` | PATCH, as post |
 * | `http.delete(url, opts?) -> resp` | DELETE |
 * | `http.request{method=, url=, headers=, body=, timeout=} -> resp` | any method |
 * | `http.download(url, path, opts?) -> {status, headers, size}` | streams the body into a file |
 * | `http.client(opts?) -> client` | a client with its own timeout, redirects, CAs, client certificate, headers, base URL |
 *
 * `resp` is `{status = 200, headers = {["content-type"] = ...}, body = "..."}`: lower-case
 * header names, the body's bytes as they came. `opts`: `headers`, `timeout` (seconds, default
 * 30). Non-2xx is not an error; transport failures raise `http.<m> failed: <url>: <why>`.
 * Connections are kept alive and reused; every request (and each redirect hop) asks the
 * `net` policy for its host and port; proxies come from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`.
 */
import type { BuiltinContext, CallDoc, FunctionDecl, Impl, ReturnDecl } from "../../loader/plugin.ts";
import type { HandleType } from "../../loader/bridge/objects.ts";
import { BODY_ARG, GET_OPTS_ARG, OPTS_ARG, PATH_ARG, REQUEST_ARG, URL_ARG } from "./call-args.ts";
import { ClientCalls } from "./calls.ts";
import { CLIENT_OPTS_ARG, clientType, makeClient } from "./client-handle.ts";
import { type ClientSettings, DEFAULT_CLIENT } from "./client-request.ts";

const NET = { capabilities: ["net"], profiles: ["restricted"], async: true } satisfies Partial<FunctionDecl>;
const RESPONSE: ReturnDecl[] = [{ type: "http.Response" }];
/** Transport failures; a non-2xx status is not an error. */
const FAILED = (fn: string) => [`${fn} failed: <url>: <why>`];

export const clientFunctions: Record<string, FunctionDecl> = {
  get: {
    returns: RESPONSE,
    errors: FAILED("http.get"),
    signature: "http.get(url, opts?) -> resp",
    description: "GET a URL: {status, headers, body}; opts.on_event reads an event stream",
    args: [URL_ARG, GET_OPTS_ARG],
    ...NET,
  },
  post: {
    returns: RESPONSE,
    errors: FAILED("http.post"),
    signature: "http.post(url, body?, opts?) -> resp",
    description: "POST a string, or a table as JSON",
    args: [URL_ARG, BODY_ARG, OPTS_ARG],
    ...NET,
  },
  put: {
    returns: RESPONSE,
    errors: FAILED("http.put"),
    signature: "http.put(url, body?, opts?) -> resp",
    description: "PUT a string, or a table as JSON",
    args: [URL_ARG, BODY_ARG, OPTS_ARG],
    ...NET,
  },
  patch: {
    returns: RESPONSE,
    errors: FAILED("http.patch"),
    signature: "http.patch(url, body?, opts?) -> resp",
    description: "PATCH a string, or a table as JSON",
    args: [URL_ARG, BODY_ARG, OPTS_ARG],
    ...NET,
  },
  delete: {
    returns: RESPONSE,
    errors: FAILED("http.delete"),
    signature: "http.delete(url, opts?) -> resp",
    description: "DELETE a URL",
    args: [URL_ARG, OPTS_ARG],
    ...NET,
  },
  request: {
    returns: RESPONSE,
    errors: FAILED("http.request"),
    signature: "http.request({method=, url=, headers=, body=, timeout=}) -> resp",
    description: "Send a request with any method",
    args: [REQUEST_ARG],
    ...NET,
  },
  download: {
    returns: [{ type: "http.Download" }],
    errors: [...FAILED("http.download"), "http.download failed: <url>: the server answered <status>"],
    signature: "http.download(url, path, opts?) -> {status, headers, size}",
    description: "GET a URL into a file, streamed (non-2xx raises and writes nothing)",
    args: [URL_ARG, PATH_ARG, OPTS_ARG],
    ...NET,
    capabilities: ["net", "write"],
  },
  client: {
    returns: [{ type: "http.Client" }],
    errors: ["http.client: give cert or cert_file, not both", "http.client: the client key does not belong to the client certificate"],
    signature: "http.client(opts?) -> client",
    description: "A client with its own timeout, redirects, CAs, client certificate, headers and base URL",
    args: [CLIENT_OPTS_ARG],
    ...NET,
  },
};

/** The methods of an `http.Client`: the functions of the same names, called with a colon. */
export const clientMethods: Record<string, CallDoc> = {
  ...Object.fromEntries(
    ["get", "post", "put", "patch", "delete", "request", "download"].map((name) => {
      const { signature, description, args, returns, errors } = clientFunctions[name];
      return [name, { signature: signature.replace("http.", "client:"), description, args, returns, errors }];
    }),
  ),
  close: { signature: "client:close()", description: "Close the client (also done by <close> and collection)", args: [], returns: [] },
};

export function installClient(ctx: BuiltinContext): Record<string, Impl> {
  const calls = new ClientCalls(ctx);
  const { reader } = calls;
  const defaults: ClientSettings = DEFAULT_CLIENT;
  let type: HandleType<ClientSettings> | undefined;
  const handles = () => type ??= clientType(ctx, calls);
  return {
    get: { raw: (L) => calls.request(L, "http.get", defaults, reader.urlCall(L, 1, "http.get", "GET")) },
    delete: { raw: (L) => calls.request(L, "http.delete", defaults, reader.urlCall(L, 1, "http.delete", "DELETE")) },
    post: { raw: (L) => calls.request(L, "http.post", defaults, reader.bodyCall(L, 1, "http.post", "POST")) },
    put: { raw: (L) => calls.request(L, "http.put", defaults, reader.bodyCall(L, 1, "http.put", "PUT")) },
    patch: { raw: (L) => calls.request(L, "http.patch", defaults, reader.bodyCall(L, 1, "http.patch", "PATCH")) },
    request: { raw: (L) => calls.request(L, "http.request", defaults, reader.requestCall(L, 1, "http.request")) },
    download: {
      raw: (L) => {
        const [spec, path] = reader.downloadCall(L, 1, "http.download");
        return calls.download(L, "http.download", defaults, spec, path);
      },
    },
    client: { raw: (L) => makeClient(ctx, handles, L) },
  };
}
