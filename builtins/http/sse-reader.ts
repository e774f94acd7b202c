/**
 * `opts.on_event` of `http.get`: a `text/event-stream` response read event by event, as the
 * HTML standard's EventSource parses it (lines end in CRLF, LF or CR; `data` lines join with
 * newlines; a blank line dispatches; `:` starts a comment; `retry` takes digits only). Each
 * event is handed to the Lua callback as `{event=, data=, id=, retry=}` (`event` defaults to
 * "message"; `id` is the last id seen, as EventSource keeps it; `retry` only on the event that
 * carried it). The callback runs as a task of its own and may call async builtins; the stream
 * is not read while it runs. Returning `false` stops: the connection is closed and `http.get`
 * returns `{status, headers}`. The end of the stream ends it the same way; an event left
 * unfinished at the end is dropped, as EventSource drops it.
 *
 * A stream has no total time limit: the client's timeout applies until the headers arrive.
 */
import { LUA_TBOOLEAN } from "../../loader/lua-api.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import type { LuaCallback } from "../../loader/bridge/callback.ts";
import { bodyFailure, type Exchange, headersTable, readBody, type ResponseTable } from "./client-request.ts";

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
  retry?: number;
}

/** Parses an event stream fed in chunks. */
export class SseParser {
  private decoder = new TextDecoder();
  private line = "";
  /** The last chunk ended in CR: a LF starting the next one belongs to it. */
  private afterCR = false;
  private data: string[] = [];
  private type = "";
  private lastId: string | undefined;
  private retry: number | undefined;

  /** The events completed by this chunk. */
  push(chunk: Uint8Array): SseEvent[] {
    const text = this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 10 && this.afterCR && i === start && this.line === "") {
        // The LF of a CRLF split across chunks (or just after the CR).
        this.afterCR = false;
        start = i + 1;
        continue;
      }
      this.field(this.line + text.slice(start, i), events);
      this.line = "";
      this.afterCR = c === 13;
      start = i + 1;
    }
    if (start < text.length) {
      this.line += text.slice(start);
      this.afterCR = false;
    }
    return events;
  }

  private field(line: string, events: SseEvent[]): void {
    if (line === "") return this.dispatch(events);
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (name) {
      case "event":
        this.type = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value === "" ? undefined : value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data.length > 0) {
      const event: SseEvent = { event: this.type || "message", data: this.data.join("\n") };
      if (this.lastId !== undefined) event.id = this.lastId;
      if (this.retry !== undefined) event.retry = this.retry;
      events.push(event);
    }
    this.data = [];
    this.type = "";
    this.retry = undefined;
  }
}

/**
 * Reads the exchange's event stream into `onEvent` until it ends or the callback returns
 * false. A response that is not an event stream is read whole and returned as usual.
 */
export async function streamEvents(ctx: BuiltinContext, fn: string, exchange: Exchange, onEvent: LuaCallback): Promise<ResponseTable> {
  const { response, deadline } = exchange;
  const result: ResponseTable = { status: response.status, headers: headersTable(response.headers) };
  const type = response.headers.get("content-type") ?? "";
  if (!/^\s*text\/event-stream\s*(;|$)/i.test(type)) {
    deadline.arm();
    return { ...result, body: await readBody(ctx, fn, response, deadline) };
  }
  deadline.clear();
  if (!response.body) return result;
  const api = ctx.api;
  /** Whether the callback's first result is `false`. */
  const stops = (L: number, n: number) => n >= 1 && api.type(L, 1) === LUA_TBOOLEAN && !api.toboolean(L, 1);
  const parser = new SseParser();
  const reader = response.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw bodyFailure(fn, deadline, e);
      }
      if (chunk.done) return result;
      for (const event of parser.push(chunk.value)) {
        if (await onEvent.call([event], stops, `${fn} on_event`)) return result;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
