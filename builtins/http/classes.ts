/**
 * The tables and handles of `http` as its declaration documents them (plugin.ts `classes`):
 * what the client returns (`http.Response`, `http.Download`, an `http.Client` and its methods,
 * the `http.Event`s of an event stream) and what `http.serve` hands its handlers and expects
 * back (`http.Request`, `http.Reply`, a WebSocket route's `http.WebSocket`). `assay types` and
 * `assay context` are generated from them.
 *
 * @example
 * ```ts
 * registerBuiltin({ name: "http", ..., classes: httpClasses });
 * ```
 */
import type { ClassDecl } from "../../loader/plugin.ts";
import { clientMethods } from "./client.ts";
import { SEND_ARGS } from "./websocket.ts";

const HEADERS = { type: "table<string, string>", description: "lower-case names" };

export const httpClasses: Record<string, ClassDecl> = {
  "http.Response": {
    description: "A response: status, lower-case headers and the body's bytes as they came; a non-2xx status is not an error",
    fields: { status: { type: "integer" }, headers: HEADERS, body: { type: "string" } },
  },
  "http.Download": {
    description: "What http.download returns once the body is in the file",
    fields: { status: { type: "integer" }, headers: HEADERS, size: { type: "integer", description: "bytes written" } },
  },
  "http.Client": {
    description: "A client from http.client with its own timeout, trust, identity, default headers and base URL",
    methods: clientMethods,
  },
  "http.Event": {
    description: "One server-sent event, as opts.on_event gets it",
    fields: {
      event: { type: "string", description: '"message" unless the stream named it' },
      data: { type: "string", description: "data lines joined with newlines" },
      id: { type: "string", optional: true, description: "the last id seen" },
      retry: { type: "integer", optional: true, description: "only on the event that carried it" },
    },
  },
  "http.Request": {
    description: "The request a http.serve handler gets",
    fields: {
      method: { type: "string", description: "upper-case" },
      path: { type: "string", description: "without the query, percent-encoded as received" },
      query: { type: "string", description: 'the raw query string without "?"' },
      params: { type: "table<string, string>", description: "the query decoded as a form" },
      path_params: { type: "table<string, string>", description: "values of the route's :name segments" },
      headers: { type: "table<string, string>", description: "lower-case names; repeated headers joined with \", \"" },
      body: { type: "string", description: "the body's bytes" },
    },
  },
  "http.Reply": {
    description: "What a http.serve handler returns",
    fields: {
      status: { type: "integer", optional: true, description: "200 to 599 (default 200)" },
      headers: { type: "table<string, string|number|(string|number)[]>", optional: true },
      json: { type: "table", optional: true, description: "sent as JSON; beats body" },
      body: { type: "string|number", optional: true },
      sse: {
        type: "fun(send: fun(event: http.SseEvent))",
        optional: true,
        description: "makes the response an event stream this function writes (send raises once the client has gone)",
      },
    },
  },
  "http.SseEvent": {
    description: "One event a handler's sse function sends",
    fields: {
      event: { type: "string", optional: true },
      data: { type: "string", optional: true },
      id: { type: "string", optional: true },
      retry: { type: "integer", optional: true },
    },
  },
  "http.WsRoute": {
    description: "A GET route that accepts a WebSocket: the function runs for each connection, which closes when it returns",
    fields: { ws: { type: "fun(conn: http.WebSocket, req: http.Request)" } },
  },
  "http.WebSocket": {
    description: "A WebSocket connection accepted by a http.serve route (conn:send or conn.send)",
    methods: {
      send: {
        signature: "conn:send(msg, opts?)",
        description: "Send a text frame (msg must be UTF-8), or a binary one with {binary = true}; waits while the buffer is full",
        args: SEND_ARGS.map((a) => (a.name === "opts" ? { ...a, luaType: "http.SendOptions" } : a)),
        returns: [],
        errors: ["conn:send: connection closed"],
      },
      recv: {
        signature: "conn:recv() -> msg, kind",
        description: "Wait for the next message; nil once the peer has closed",
        args: [],
        returns: [{ type: "string?", name: "msg" }, { type: '"text"|"binary"', name: "kind" }],
      },
      close: { signature: "conn:close()", description: "Start the closing handshake (code 1000)", args: [], returns: [] },
    },
  },
};
