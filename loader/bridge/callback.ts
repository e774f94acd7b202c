/**
 * A Lua function kept by JS to call later as its own task: a request handler of `http.serve`,
 * an SSE producer, a check script's entry. `call` runs it as a new scheduler task with JS
 * arguments pushed by the conversion rules and resolves with its results, so handlers run
 * concurrently and may call async builtins. The function stays referenced until `release()`
 * (or until the JS object is garbage-collected, as a safety net).
 *
 * @example
 * ```ts
 * const handler = ctx.callbacks.keep(L, 2); // in a builtin, from a "callback" argument
 * const [response] = await handler.call([{ method: "GET", path: "/" }]);
 * handler.release();
 * ```
 */
import { type LuaApi, LuaError } from "../lua-api.ts";
import type { Scheduler, Task } from "../scheduler.ts";
import { errorText } from "../error-text.ts";
import { type LuaData, push, toJs } from "./values.ts";
import type { Objects } from "./objects.ts";

/** Reads a finished call's `n` results from the top of thread `L`. */
export type ResultReader<T> = (L: number, n: number) => T;

/** A callback's Lua error, with the traceback of where it was raised. */
export class CallbackError extends LuaError {
  constructor(message: string, readonly traceback: string) {
    super(message, 0);
  }
}

export class LuaCallback {
  private released = false;

  constructor(private owner: Callbacks, private ref: number) {}

  /**
   * Runs the function as a task with `args`; resolves with its results (converted by `toJs`,
   * or read by `read` from the task's stack), rejects with a CallbackError of its error's text
   * and traceback.
   */
  call(args: unknown[] = [], read?: ResultReader<unknown>, label = "callback"): Promise<unknown> {
    if (this.released) return Promise.reject(new Error("the Lua callback was released"));
    return this.owner.run(this.ref, args, read, label);
  }

  /** Lets Lua collect the function. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.owner.unref(this.ref, this);
  }
}

/** The callbacks of one VM. */
export class Callbacks {
  private live = 0;
  private closed = false;
  private finalizer = new FinalizationRegistry<number>((ref) => this.unrefNow(ref));

  constructor(private api: LuaApi, private L: number, private scheduler: Scheduler, private objects: Objects) {}

  /** Callbacks kept and not yet released (for tests: must not grow with finished work). */
  get size(): number {
    return this.live;
  }

  /** Keeps the function at `idx` of `L`. */
  keep(L: number, idx: number): LuaCallback {
    this.api.pushvalue(L, idx);
    const ref = this.api.ref(L);
    this.live++;
    const callback = new LuaCallback(this, ref);
    this.finalizer.register(callback, ref, callback);
    return callback;
  }

  run(ref: number, args: unknown[], read: ResultReader<unknown> | undefined, label: string): Promise<unknown> {
    const { api, scheduler } = this;
    if (this.closed) return Promise.reject(new LuaError("the Lua VM was closed", 0));
    let task: Task | undefined;
    const failed = api.protect(this.L, 0, (P) => {
      api.checkstack(P, args.length + 1);
      api.pushref(P, ref);
      for (const arg of args) push(api, P, arg, (P, fn) => this.objects.pushClosure(P, fn));
      task = scheduler.spawn(P, args.length, label);
    });
    if (failed !== null || !task) return Promise.reject(new LuaError(failed ?? "the callback could not start", 0));
    const started: Task = task;
    return started.done().then(() => {
      try {
        if (started.state === "cancelled") throw new LuaError("the task was cancelled", 0);
        const thread = started.thread;
        if (started.state === "failed") throw new CallbackError(errorText(api, thread, -1, this.L), this.traceback(thread));
        const n = api.gettop(thread);
        if (read) return read(thread, n);
        const results: LuaData[] = [];
        for (let i = 1; i <= n; i++) results.push(toJs(api, thread, i));
        return results;
      } finally {
        scheduler.release(started);
      }
    });
  }

  /** The traceback of a failed task's thread (for the error report of a server, say). */
  private traceback(thread: number): string {
    let text = "";
    this.api.protect(this.L, 0, (P) => {
      this.api.traceback(P, thread, null, 0);
      text = this.api.tostring(P, -1) ?? "";
    });
    return text;
  }

  unref(ref: number, callback: LuaCallback): void {
    this.finalizer.unregister(callback);
    this.unrefNow(ref);
  }

  private unrefNow(ref: number): void {
    this.live--;
    if (!this.closed) this.api.unref(this.L, ref);
  }

  /** The VM is closing: references die with the state. */
  close(): void {
    this.closed = true;
  }
}
