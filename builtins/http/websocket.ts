/**
 * WebSocket routes of `http.serve` (beyond the reference; later reference versions have the
 * same shape): a `GET` route whose value is `{ ws = function(conn, req) ... end }` accepts the
 * upgrade and runs the function as its own task with
 *
 * | | |
 * |---|---|
 * | `conn:send(msg, opts?)` | a text frame (`msg` must be UTF-8), or a binary one with `{binary = true}`; waits while the socket's buffer is full |
 * | `conn:recv() -> msg, kind` | the next message and `"text"` or `"binary"`; nil once the peer has closed |
 * | `conn:close()` | starts the closing handshake (code 1000) |
 *
 * and `req`, the request table of the upgrade (no body). `conn.send(msg)` works as well as
 * `conn:send(msg)`. The connection closes when the function returns (1000) or fails (1011,
 * the error logged as `http.serve WebSocket: handler error: ...`), and at shutdown (1001).
 * Messages that arrive before the handler asks for them wait in the connection.
 */
import { type CFunction, LUA_TTABLE, LuaError } from "../../loader/lua-api.ts";
import { type ArgSpec, readArgs } from "../../loader/bridge/args.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import type { ServerSocket } from "../../loader/runtime/serve.ts";

type Message = { data: string | Uint8Array };

/** One accepted WebSocket connection, as its handler sees it. */
export class WsSession {
  private inbox: Message[] = [];
  private readers: ((m: Message | null) => void)[] = [];
  private peerClosed = false;

  constructor(private socket: ServerSocket) {
    socket.attach({
      message: (data) => {
        const reader = this.readers.shift();
        if (reader) reader({ data });
        else this.inbox.push({ data });
      },
      close: () => {
        this.peerClosed = true;
        for (const reader of this.readers.splice(0)) reader(null);
      },
    });
  }

  get closed(): boolean {
    return this.peerClosed || this.socket.closed;
  }

  /** A queued message, null once closed (queued ones are still handed out first), undefined when one must be waited for. */
  poll(): Message | null | undefined {
    const queued = this.inbox.shift();
    if (queued) return queued;
    return this.closed ? null : undefined;
  }

  /** Waits for the next message (null: the connection closed); the signal withdraws the wait. */
  wait(signal: AbortSignal): Promise<Message | null> {
    const ready = this.poll();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const reader = (m: Message | null) => {
        signal.removeEventListener("abort", onAbort);
        resolve(m);
      };
      const onAbort = () => {
        const i = this.readers.indexOf(reader);
        if (i >= 0) this.readers.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.readers.push(reader);
    });
  }

  send(data: string | Uint8Array): Promise<void> {
    return this.socket.send(data);
  }

  close(code = 1000, reason = ""): void {
    if (!this.socket.closed) this.socket.close(code, reason);
  }
}

export const SEND_ARGS: ArgSpec[] = [
  { name: "msg", type: "bytes" },
  { name: "opts", type: "options", optional: true, fields: { binary: { name: "binary", type: "boolean", optional: true } } },
];

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The `conn` table's functions; each accepts being called with a colon or a dot. */
export function connFunctions(ctx: BuiltinContext, session: WsSession): Record<string, CFunction> {
  const { api, scheduler } = ctx;
  /** Index of the first real argument: 2 when called as `conn:f(...)`. */
  const first = (L: number) => (api.type(L, 1) === LUA_TTABLE ? 2 : 1);
  const pushMessage = (L: number, m: Message | null): number => {
    if (m === null) return 0;
    if (typeof m.data === "string") {
      api.pushstring(L, m.data);
      api.pushstring(L, "text");
    } else {
      api.pushbytes(L, m.data);
      api.pushstring(L, "binary");
    }
    return 2;
  };
  return {
    send: (L) => {
      const [msg, opts] = readArgs(api, L, "conn:send", SEND_ARGS, first(L)) as [Uint8Array, { binary?: boolean } | undefined];
      let frame: string | Uint8Array = msg;
      if (!opts?.binary) {
        try {
          frame = strictUtf8.decode(msg);
        } catch {
          throw new LuaError("conn:send: a text message must be valid UTF-8 (send bytes with {binary = true})");
        }
      }
      if (session.closed) throw new LuaError("conn:send: connection closed");
      return scheduler.suspend(L, session.send(frame).then(() => () => 0));
    },
    recv: (L) => {
      const ready = session.poll();
      if (ready !== undefined) return pushMessage(L, ready);
      // Cancelling the task withdraws the wait, so no message goes to a reader that is gone.
      return scheduler.suspend(L, (signal) => session.wait(signal).then((m) => (co: number) => pushMessage(co, m)));
    },
    close: () => {
      session.close();
      return 0;
    },
  };
}
