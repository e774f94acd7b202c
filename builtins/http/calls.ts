/**
 * Runs the client calls as async operations of the calling task, for the module functions
 * (`http.get`, on the shared default client) and the methods of `http.client` handles alike:
 * the task suspends while the request runs, other tasks go on, and cancelling the task
 * aborts the request. Errors name the method as the reference does (`http.get failed: ...`,
 * also for `client:get`).
 */
import { LuaError } from "../../loader/lua-api.ts";
import { osErrorText } from "../../loader/os-error.ts";
import type { BuiltinContext } from "../../loader/plugin.ts";
import { suspendCall } from "../../loader/install-builtins.ts";
import { CallReader } from "./call-args.ts";
import { type ClientSettings, exchange, headersTable, perform, type RequestSpec } from "./client-request.ts";
import { describe } from "../../loader/net/fetch-error.ts";
import { streamEvents } from "./sse-reader.ts";

/** Marks a failure of reading the response body inside a stream that the host consumes. */
class BodyReadError extends Error {
  constructor(readonly reason: unknown) {
    super("reading body failed");
  }
}


export class ClientCalls {
  readonly reader: CallReader;

  constructor(private ctx: BuiltinContext) {
    this.reader = new CallReader(ctx);
  }

  /** Suspends the calling task until `work` settles; pushes its result or raises `<fn>: ...`. */
  suspend(L: number, fn: string, work: (signal: AbortSignal) => Promise<unknown>): number {
    return suspendCall(this.ctx, L, fn, work);
  }

  /** Starts a request: the response table, or with `on_event` the event stream's end. */
  request(L: number, fn: string, client: ClientSettings, spec: RequestSpec): number {
    try {
      return this.suspend(L, fn, async (signal) => {
        try {
          if (!spec.onEvent) return await perform(this.ctx, fn, client, spec, signal);
          return await streamEvents(this.ctx, fn, await exchange(this.ctx, fn, client, spec, signal), spec.onEvent);
        } finally {
          spec.onEvent?.release();
        }
      });
    } catch (e) {
      // A number is Lua's yield (a longjmp) on its way out, not a failure: the work runs on.
      if (typeof e !== "number") spec.onEvent?.release();
      throw e;
    }
  }

  /**
   * Starts a download: a GET whose body streams into the file at `path` (asked of `write`
   * before anything is sent). A non-2xx answer raises and leaves the file alone. The time
   * limit runs until the headers arrive and then between chunks, so a large body is not cut
   * off while it keeps coming.
   */
  download(L: number, fn: string, client: ClientSettings, spec: RequestSpec, path: string): number {
    const ctx = this.ctx;
    ctx.policy.check(fn, "write", path);
    return this.suspend(L, fn, async (signal) => {
      const { response, deadline, where } = await exchange(ctx, fn, client, spec, signal);
      try {
        if (response.status < 200 || response.status > 299) {
          await response.body?.cancel().catch(() => {});
          const reason = response.statusText ? ` ${response.statusText}` : "";
          throw new LuaError(`${fn} failed: ${where}: the server answered ${response.status}${reason}`);
        }
        const size = await ctx.host.saveBody(fn, path, idleTimed(response.body, deadline), signal);
        return { status: response.status, headers: headersTable(response.headers), size };
      } catch (e) {
        if (e instanceof LuaError) throw e;
        if (e instanceof BodyReadError || deadline.fired) {
          const why = deadline.fired ? deadline.describe() : describe((e as BodyReadError).reason);
          throw new LuaError(`${fn}: reading body failed: ${why}`);
        }
        throw new LuaError(`${fn}: writing ${JSON.stringify(path)} failed: ${osErrorText(e)}`);
      } finally {
        deadline.clear();
      }
    });
  }
}

/** The body as a stream whose deadline restarts with every chunk; read failures are marked. */
function idleTimed(body: ReadableStream<Uint8Array> | null, deadline: { arm(): void }): ReadableStream<Uint8Array> {
  if (!body) return new ReadableStream({ start: (controller) => controller.close() });
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      deadline.arm();
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new BodyReadError(e);
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
