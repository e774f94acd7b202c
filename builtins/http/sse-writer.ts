/**
 * Server-sent events for `http.serve` (builtins.md §1.3): a handler that returns
 * `{ sse = function(send) ... end }` gets its status and headers sent at once, then the
 * function runs as its own task and writes events with `send{event=, data=, id=, retry=}`.
 *
 * - Fields are written in the order event, data, id, retry as `<field>: <value>` lines and a
 *   blank line ends the event. `data` is split into one `data:` line per line; CRLF and a lone
 *   CR count as line ends as well as LF (the SSE format treats all three as line ends, so
 *   leaving a CR in would end the event early on the client).
 * - Backpressure: up to 32 events wait in the stream; beyond that `send` waits until the
 *   client has taken some.
 * - Once the client has gone (or the server shuts down) `send` raises `SSE stream closed`.
 */
import { type CFunction, LuaError } from "../../loader/lua-api.ts";
import { type ArgSpec, readArgs } from "../../loader/bridge/args.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import { concatBytes } from "../../loader/bytes.ts";

export const SSE_CLOSED = "SSE stream closed";

/** Events that may wait unread in the stream before `send` waits. */
const BUFFERED_EVENTS = 32;

/** The body of an event-stream response. */
export class SseStream {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private waiting: (() => void)[] = [];
  private ended = false;

  constructor() {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      pull: () => this.wake(),
      // The client went away.
      cancel: () => this.end(),
    }, { highWaterMark: BUFFERED_EVENTS });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Queues one event's bytes, waiting while the buffer is full; raises once the stream is closed. */
  async write(chunk: Uint8Array, signal: AbortSignal): Promise<void> {
    while (!this.ended && (this.controller.desiredSize ?? 0) <= 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        this.waiting.push(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        });
      });
    }
    if (this.ended) throw new LuaError(SSE_CLOSED);
    this.controller.enqueue(chunk);
  }

  /** Ends the stream (what is queued is still delivered); `send` raises from now on. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.controller.close();
    } catch {
      // already cancelled by the client
    }
    this.wake();
  }

  private wake(): void {
    for (const resume of this.waiting.splice(0)) resume();
  }
}

interface EventFields {
  event?: Uint8Array;
  data?: Uint8Array;
  id?: Uint8Array;
  retry?: number;
}

const SEND_ARGS: ArgSpec[] = [{
  name: "event",
  type: "options",
  fields: {
    event: { name: "event", type: "bytes", optional: true },
    data: { name: "data", type: "bytes", optional: true },
    id: { name: "id", type: "bytes", optional: true },
    retry: { name: "retry", type: "integer", optional: true },
  },
}];

/** The `send` function an SSE producer gets. */
export function sendFunction(ctx: BuiltinContext, stream: SseStream): CFunction {
  return (L) => {
    const [event] = readArgs(ctx.api, L, "SSE send", SEND_ARGS) as [EventFields];
    const chunk = formatEvent(event);
    if (stream.closed) throw new LuaError(SSE_CLOSED);
    return ctx.scheduler.suspend(L, (signal) => stream.write(chunk, signal).then(() => () => 0));
  };
}

const encoder = new TextEncoder();
const CR = 13, LF = 10;
const hasNewline = (bytes: Uint8Array) => bytes.includes(LF) || bytes.includes(CR);

/** The wire form of one event. */
export function formatEvent(event: EventFields): Uint8Array {
  const parts: Uint8Array[] = [];
  const line = (field: string, value: Uint8Array) => parts.push(encoder.encode(`${field}: `), value, NEWLINE);
  if (event.event !== undefined) {
    if (hasNewline(event.event)) throw new LuaError("SSE event name must not contain newlines");
    line("event", event.event);
  }
  if (event.data !== undefined) for (const piece of lines(event.data)) line("data", piece);
  if (event.id !== undefined) {
    if (hasNewline(event.id)) throw new LuaError("SSE id must not contain newlines");
    line("id", event.id);
  }
  if (event.retry !== undefined) line("retry", encoder.encode(String(event.retry)));
  parts.push(NEWLINE);
  return concatBytes(parts);
}

const NEWLINE = new Uint8Array([LF]);

/** The lines of `data`, split at LF, CRLF and CR. */
function lines(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== LF && data[i] !== CR) continue;
    out.push(data.subarray(start, i));
    if (data[i] === CR && data[i + 1] === LF) i++;
    start = i + 1;
  }
  out.push(data.subarray(start));
  return out;
}
