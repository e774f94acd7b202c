/**
 * `ws`, the WebSocket client (builtins.md §10, issue 7 item 7).
 *
 * | function | |
 * |---|---|
 * | `ws.connect(url, opts?) -> conn` | opens a `ws://` or `wss://` connection (same TLS trust as the HTTP client); `opts.timeout`: seconds the handshake may take (default 30) |
 * | `ws.send(conn, msg, opts?)` | sends a text frame, or a binary one with `{binary = true}` |
 * | `ws.recv(conn) -> msg, kind` | the next message and `"text"` or `"binary"`; raises `ws.recv: connection closed` once closed |
 * | `ws.close(conn)` | sends a close frame and waits briefly for the peer's |
 *
 * Messages are bytes both ways (a binary frame comes back as its bytes, where the reference
 * raised on non-UTF-8). `ws.connect` asks the `net` policy for the host and port first. A
 * connection is a handle: collecting it or closing the VM drops it. Proxies are not used.
 */
import { registerBuiltin } from "../loader/plugin.ts";
import type { BuiltinContext } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { type ArgSpec, readValue } from "../loader/bridge/args.ts";
import { multi } from "../loader/bridge/values.ts";
import type { HandleType } from "../loader/bridge/objects.ts";
import { suspendCall } from "../loader/install-builtins.ts";
import { ClosedError, WsConnection } from "./ws/connection.ts";
import { delay } from "../loader/timers.ts";

const CONN: ArgSpec = { name: "conn", type: "raw", description: "a connection from ws.connect", luaType: "ws.Connection" };
const URL_ARG: ArgSpec = { name: "url", type: "text", strict: true, expect: "a URL string", description: "ws:// or wss:// URL" };
const CONNECT_OPTS: ArgSpec = {
  name: "opts",
  type: "options",
  optional: true,
  fields: { timeout: { name: "timeout", type: "number", optional: true, description: "seconds the handshake may take (default 30)" } },
  description: "timeout (seconds, default 30)",
  luaType: "ws.ConnectOptions",
};
/** As the HTTP client's default: a server that accepts and never answers must not hang the script. */
const CONNECT_TIMEOUT_S = 30;
const MSG: ArgSpec = { name: "msg", type: "bytes", description: "the message" };
const SEND_OPTS: ArgSpec = {
  name: "opts",
  type: "options",
  optional: true,
  fields: { binary: { name: "binary", type: "boolean", optional: true } },
  description: "binary = true sends a binary frame",
  luaType: "ws.SendOptions",
};

const NET = { capabilities: ["net" as const], async: true };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

registerBuiltin({
  name: "ws",
  description: "WebSocket client",
  keywords: ["websocket", "socket", "realtime", "stream", "messages", "wss"],
  example: 'local c = ws.connect("wss://host/socket"); ws.send(c, "hi"); print(ws.recv(c)); ws.close(c)',
  functions: {
    connect: {
      signature: "ws.connect(url, opts?) -> conn",
      description: "Open a ws:// or wss:// connection (opts.timeout: handshake time limit in seconds)",
      args: [URL_ARG, CONNECT_OPTS],
      returns: [{ type: "ws.Connection" }],
      errors: ["ws.connect: <url>: <why>"],
      ...NET,
    },
    send: {
      signature: "ws.send(conn, msg, opts?)",
      description: "Send a text frame ({binary = true}: a binary frame)",
      args: [CONN, MSG, SEND_OPTS],
      returns: [],
      errors: ["ws.send: connection closed"],
      ...NET,
    },
    recv: {
      signature: 'ws.recv(conn) -> msg, "text"|"binary"',
      description: "Wait for the next message; raises once the connection is closed",
      args: [CONN],
      returns: [{ type: "string", name: "msg" }, { type: '"text"|"binary"', name: "kind" }],
      errors: ["ws.recv: connection closed"],
      ...NET,
    },
    close: { signature: "ws.close(conn)", description: "Send a close frame", args: [CONN], returns: [], ...NET },
  },
  classes: {
    "ws.Connection": { description: "A WebSocket client connection from ws.connect (a handle: pass it to ws.send, ws.recv, ws.close)" },
  },
  install: (ctx) => {
    let type: HandleType<WsConnection> | undefined;
    const conns = () => type ??= ctx.objects.handleType<WsConnection>("ws connection", { methods: {}, close: (c) => c.terminate(), closeMethod: false });
    const suspend = (L: number, fn: string, work: (signal: AbortSignal) => Promise<unknown>) =>
      suspendCall(ctx, L, fn, (signal: AbortSignal) =>
        work(signal).catch((e) => {
          throw e instanceof ClosedError ? new LuaError(`${fn}: connection closed`) : e;
        }));
    return {
      connect: { raw: (L) => connect(ctx, conns, L) },
      send: {
        raw: (L) => {
          const conn = conns().check(L, 1, "ws.send");
          const msg = readValue(ctx.api, L, 2, MSG, "ws.send", "second argument") as Uint8Array;
          const opts = readValue(ctx.api, L, 3, SEND_OPTS, "ws.send", "third argument") as { binary?: boolean } | undefined;
          let data: string | Uint8Array = msg;
          if (!opts?.binary) {
            try {
              data = strictUtf8.decode(msg);
            } catch {
              throw new LuaError("ws.send: a text message must be valid UTF-8 (send bytes with {binary = true})");
            }
          }
          return suspend(L, "ws.send", (signal) => conn.send(data, signal));
        },
      },
      recv: {
        raw: (L) => {
          const conn = conns().check(L, 1, "ws.recv");
          return suspend(L, "ws.recv", async (signal) => {
            const message = await conn.recv(signal);
            return multi(message.data, message.binary ? "binary" : "text");
          });
        },
      },
      close: {
        raw: (L) => {
          const conn = conns().check(L, 1, "ws.close");
          return suspend(L, "ws.close", () => conn.close());
        },
      },
    };
  },
});

/** `ws.connect(url, opts?)`: the policy check, the handshake (within its time limit), then the handle. */
function connect(ctx: BuiltinContext, conns: () => HandleType<WsConnection>, L: number): number {
  const fn = "ws.connect";
  const url = readValue(ctx.api, L, 1, URL_ARG, fn, "first argument") as string;
  const opts = readValue(ctx.api, L, 2, CONNECT_OPTS, fn, "second argument") as { timeout?: number } | undefined;
  const seconds = opts?.timeout ?? CONNECT_TIMEOUT_S;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new LuaError(`${fn}: opts.timeout must be a positive number of seconds`);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new LuaError(`${fn}: invalid URL ${JSON.stringify(url)}`);
  }
  return ctx.scheduler.suspend(L, (signal) => {
    const deadline = new AbortController();
    const wait = delay(seconds * 1000);
    wait.promise.then((elapsed) => elapsed && deadline.abort(new Error(`timed out after ${seconds} s`)));
    return ctx.host.websocket(fn, target.href, {}, AbortSignal.any([signal, deadline.signal])).then(
      ({ socket, early }) => {
        const conn = new WsConnection(socket, early);
        return (co: number) => {
          conns().push(co, conn);
          return 1;
        };
      },
      (e) => Promise.reject(e instanceof LuaError ? e : new LuaError(`${fn}: ${target.href}: ${e instanceof Error ? e.message : String(e)}`)),
    ).finally(() => wait.cancel());
  });
}
