/**
 * Runs a Lua function the way `lua.c`'s `docall` does, but as a task of the VM's scheduler,
 * so that async builtins work in it: under a message handler that turns an error into its
 * message plus a traceback taken where it was raised (or the text of its `__tostring`), and
 * with SIGINT turned into the error "interrupted!" (repl/interrupt.ts). Used for each REPL
 * input and for every chunk of `lua` mode (LUA_INIT, `-e`, `-l`, the script).
 *
 * The task's root is a C function that calls the chunk with `lua_pcallk`: a C root makes
 * the traceback end in `[C]: in ?` as lua.c's does, and `pcallk` lets the chunk yield to the
 * scheduler.
 *
 * @example
 * ```ts
 * const caller = new Caller(vm, interrupts());
 * api.load(L, source, "=stdin");                   // the function on L's stack
 * const r = await caller.call(0, "repl");
 * if (r.ok) { ...r.count results at r.thread's stack from index 2... ; r.release() }
 * else process.stderr.write(r.message + "\n");
 * ```
 */
import { LUA_OK, LUA_TNUMBER, LUA_TSTRING, LUA_YIELD, LuaError } from "../lua-api.ts";
import type { Vm } from "../vm.ts";
import type { Task } from "../scheduler.ts";
import type { Interrupts } from "./interrupt.ts";
import { sigintForChild } from "../luastd/signals.ts";

const LUA_MULTRET = -1;
/** How often a chunk that waits (a timer, I/O) looks for a SIGINT. */
const POLL_MS = 50;

export type CallResult =
  | {
    ok: true;
    /** The task's thread: results are at stack indices 2 .. count + 1. */
    thread: number;
    count: number;
    /** Lets the task's thread go (after the results are used). */
    release(): void;
  }
  /** `cancelled`: the run was stopped (shutdown, VM closed); nothing to report. */
  | { ok: false; message: string; cancelled?: boolean };

export interface CallerOptions {
  /**
   * While a service (a server) is live, leave SIGINT to the graceful shutdown of script mode
   * (loader/shutdown.ts) instead of interrupting the chunk: `lua` mode. The REPL interrupts.
   */
  servicesTakeSigint?: boolean;
}

export class Caller {
  private rootRef: number;
  private handlerRef: number;

  constructor(private vm: Vm, private sigint: Interrupts | null, private options: CallerOptions = {}) {
    const { api, L } = vm;
    const m = api.m;
    // Replaces the message handler at index 1 by the call's status: the task returns
    // (true, results...) or (false, message).
    const finish = (T: number, status: number): number => {
      api.pushboolean(T, status === LUA_OK || status === LUA_YIELD);
      m._lua_copy(T, -1, 1);
      api.pop(T);
      return api.gettop(T);
    };
    const k = api.kfunction((T, status) => finish(T, status));
    api.pushfunction(L, (T) => finish(T, m._lua_pcallk(T, api.gettop(T) - 2, LUA_MULTRET, 1, 0, k)));
    this.rootRef = api.ref(L);
    api.pushfunction(L, (T) => {
      const t = api.type(T, 1);
      if (t !== LUA_TSTRING && t !== LUA_TNUMBER) {
        if (m._luaL_callmeta(T, 1, api.cstr("__tostring")) && api.type(T, -1) === LUA_TSTRING) return 1;
        api.pushstring(T, `(error object is a ${api.typename(T, 1)} value)`);
        api.m._lua_copy(T, -1, 1);
        api.pop(T);
      }
      // The message stays on the stack while luaL_traceback reads it.
      m._luaL_traceback(T, T, m._lua_tolstring(T, 1, 0), 1);
      return 1;
    });
    this.handlerRef = api.ref(L);
  }

  /**
   * Calls the function below the top `nargs` values of the main state (both popped) as a new
   * task, and waits for it.
   */
  async call(nargs: number, label: string): Promise<CallResult> {
    const { api, L, scheduler } = this.vm;
    api.pushref(L, this.rootRef);
    api.pushref(L, this.handlerRef);
    api.rotate(L, -(nargs + 3), 2);
    const task = scheduler.spawn(L, nargs + 2, label);
    const stopWatching = this.watchInterrupts(task);
    let outcome;
    try {
      outcome = await scheduler.run(task);
    } finally {
      stopWatching();
    }
    const { thread } = task;
    if (outcome.cancelled) {
      scheduler.release(task);
      return { ok: false, message: "the run was stopped", cancelled: true };
    }
    if (!outcome.ok || !api.toboolean(thread, 1)) {
      // A failure outside the protected call (there should be none) leaves the error alone.
      const message = api.tostring(thread, -1) ?? `(error object is a ${api.typename(thread, -1)} value)`;
      scheduler.release(task);
      return { ok: false, message };
    }
    return { ok: true, thread, count: outcome.count - 1, release: () => scheduler.release(task) };
  }

  /**
   * While `task` runs, a SIGINT interrupts it: Lua code of the task at the next hook check
   * (never another task's), a wait at once. Returns the function that stops watching.
   */
  private watchInterrupts(task: Task): () => void {
    const sigint = this.sigint;
    if (!sigint) return () => {};
    const { scheduler, hook, ctx } = this.vm;
    let pending = false;
    const poll = () => {
      if (sigint.take()) {
        // A Ctrl-C while a command the code ran had the terminal was that command's, as with system(3).
        if (sigintForChild()) sigint.rearm();
        else pending = true;
      }
      return pending;
    };
    const interruptHook = () => {
      if (!poll() || scheduler.current !== task) return false;
      pending = false;
      return true;
    };
    let catching = false;
    const catchSigint = (on: boolean) => {
      if (on === catching) return;
      catching = on;
      pending = false;
      if (on) sigint.begin();
      else sigint.end();
      // Without native signal handling, Lua code that computes cannot see a signal: no hook then.
      if (sigint.native) hook.setInterrupt(on ? interruptHook : null);
    };
    const unwatch = this.options.servicesTakeSigint ? ctx.services.watch((live) => catchSigint(live === 0)) : () => {};
    catchSigint(!this.options.servicesTakeSigint || ctx.services.size === 0);
    const timer = setInterval(() => {
      if (catching && poll() && scheduler.interrupt(task, new LuaError("interrupted!"))) pending = false;
    }, POLL_MS);
    const refresh = () => {
      if (catching) sigint.refresh();
    };
    scheduler.busyHooks.push(refresh);
    return () => {
      clearInterval(timer);
      unwatch();
      const i = scheduler.busyHooks.indexOf(refresh);
      if (i >= 0) scheduler.busyHooks.splice(i, 1);
      catchSigint(false);
    };
  }
}
