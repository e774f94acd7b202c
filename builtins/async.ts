/**
 * `async.spawn` and `async.spawn_interval` (builtins.md §12) on the scheduler's tasks.
 *
 * | function | |
 * |---|---|
 * | `async.spawn(fn) -> handle` | runs `fn()` as a concurrent task; `handle:await()` returns its results as an array |
 * | `async.spawn_interval(seconds, fn) -> handle` | calls `fn()` every interval; `handle:cancel()` stops it |
 *
 * A spawn handle is a table whose `await` is a closure over the task, so `h:await()` and
 * `h.await()` both work. The task's results (or its error) stay on its thread's stack until
 * the handle is awaited; the thread is released then, or once the task has ended and the
 * handle has been collected. A failure nobody awaited is logged as `async task failed: ...`
 * when its handle is collected or when the run ends (spec item 15), not before: a later
 * `:await()` still gets the error, and then nothing is logged.
 *
 * An interval is driven from TS: each tick spawns a fresh task that calls the function and
 * waits for it, so a slow callback never overlaps itself; ticks keep their phase and skip
 * the ones a slow callback overran.
 */
import { type BuiltinContext, registerBuiltin } from "../loader/plugin.ts";
import { LUA_TFUNCTION, LuaError } from "../loader/lua-api.ts";
import type { Task } from "../loader/scheduler.ts";
import { errorText } from "../loader/error-text.ts";
import { type Delay, delay } from "../loader/timers.ts";

interface Spawned {
  task: Task;
  awaited: boolean;
  released: boolean;
  /** The failure was logged as unawaited. */
  reported: boolean;
}

registerBuiltin({
  name: "async",
  description: "Run functions as concurrent tasks (spawn, await) and on intervals",
  keywords: ["concurrent", "concurrency", "task", "parallel", "coroutine", "background", "interval", "timer", "await"],
  example: 'local h = async.spawn(function() return http.get(url).status end); print(h:await()[1])',
  functions: {
    spawn: {
      signature: "async.spawn(fn) -> handle",
      description: "Run fn() as a concurrent task; handle:await() returns its results as an array",
      args: [{ name: "fn", type: "function", luaType: "fun(): any", description: "the task's body" }],
      returns: [{ type: "async.Handle" }],
      errors: ["async.spawn: first argument must be a function"],
      capabilities: ["timer"],
      profiles: ["restricted"],
    },
    spawn_interval: {
      signature: "async.spawn_interval(seconds, fn) -> handle",
      description: "Call fn() every interval (first after one interval); handle:cancel() stops it",
      args: [
        { name: "seconds", type: "number", description: "the interval, > 0" },
        { name: "fn", type: "function", luaType: "fun(): any", description: "called once per interval" },
      ],
      returns: [{ type: "async.Interval" }],
      errors: ["async.spawn_interval: interval must be positive"],
      capabilities: ["timer"],
      profiles: ["restricted"],
    },
  },
  classes: {
    "async.Handle": {
      description: "A task started by async.spawn; await it with h:await() (h.await() works too)",
      methods: {
        await: {
          signature: "handle:await() -> {...}",
          description: "Wait for the task; its results as an array, or its error raised here",
          args: [],
          returns: [{ type: "any[]", description: "the task's return values" }],
          errors: ["async handle already awaited", "async task was cancelled"],
        },
      },
    },
    "async.Interval": {
      description: "A repeating call started by async.spawn_interval",
      methods: {
        cancel: { signature: "interval:cancel()", description: "Stop calling the function (a call under way finishes)", args: [], returns: [] },
      },
    },
  },
  install: (ctx) => {
    const spawn = installSpawn(ctx);
    const spawnInterval = installInterval(ctx);
    return { spawn: { raw: spawn }, spawn_interval: { raw: spawnInterval } };
  },
});

function installSpawn(ctx: BuiltinContext): (L: number) => number {
  const { api, scheduler, log, objects } = ctx;
  const live = new Set<Spawned>();

  const release = (s: Spawned) => {
    if (s.released) return;
    s.released = true;
    live.delete(s);
    scheduler.release(s.task);
  };
  const reportUnawaited = (s: Spawned) => {
    if (s.task.state !== "failed" || s.awaited || s.reported) return;
    s.reported = true;
    log.write("ERROR", "assay", `async task failed: ${errorText(api, s.task.thread, -1, ctx.L)}`);
  };
  // The run is ending: what failed without anyone awaiting it is reported now.
  ctx.onClose(() => {
    for (const s of live) reportUnawaited(s);
  });

  /** Pushes the task's results as an array table, or raises its error; frees the thread. */
  const deliver = (s: Spawned) => (L: number): number => {
    const thread = s.task.thread;
    if (s.task.state === "cancelled") {
      release(s);
      throw new LuaError("async task was cancelled");
    }
    if (s.task.state === "failed") {
      api.xmove(thread, L, 1);
      release(s);
      return api.m._lua_error(L);
    }
    const n = api.gettop(thread);
    api.checkstack(L, n + 1);
    api.newtable(L, n, 0);
    const t = api.gettop(L);
    api.xmove(thread, L, n);
    for (let i = n; i >= 1; i--) api.rawseti(L, t, i);
    release(s);
    return 1;
  };

  const awaitFor = (s: Spawned) => (L: number): number => {
    if (s.awaited) throw new LuaError("async handle already awaited");
    // Fail before marking the handle, so a later await from a yieldable place still works.
    if (!s.task.ended && !api.isyieldable(L)) throw new LuaError("attempt to yield across a C-call boundary");
    s.awaited = true;
    s.task.awaited = true;
    if (s.task.ended) return deliver(s)(L);
    return scheduler.suspend(L, s.task.done().then(() => deliver(s)));
  };

  /** The handle was collected: nobody can await the task any more. */
  const collected = (s: Spawned): number => {
    const settle = () => {
      reportUnawaited(s);
      if (!s.awaited) release(s);
    };
    if (s.task.ended) settle();
    else s.task.done().then(settle);
    return 0;
  };

  return (L) => {
    if (api.type(L, 1) !== LUA_TFUNCTION) throw new LuaError("async.spawn: first argument must be a function");
    api.settop(L, 1);
    const task = scheduler.spawn(L, 0, "async.spawn");
    const s: Spawned = { task, awaited: false, released: false, reported: false };
    live.add(s);
    api.newtable(L, 0, 1);
    const handle = api.gettop(L);
    // The closure anchors its handle, so a detached `h.await` keeps the task's results alive.
    objects.pushClosure(L, awaitFor(s), handle);
    api.setfield(L, handle, "await");
    api.newtable(L, 0, 2);
    api.pushstring(L, "async handle");
    api.setfield(L, -2, "__name");
    objects.pushClosure(L, () => collected(s));
    api.setfield(L, -2, "__gc");
    api.setmetatable(L, handle);
    return 1;
  };
}

interface Interval {
  cancelled: boolean;
  wait?: Delay;
}

function installInterval(ctx: BuiltinContext): (L: number) => number {
  const { api, L: mainL, scheduler, log, objects } = ctx;
  const intervals = new Set<Interval>();
  const stop = (interval: Interval) => {
    interval.cancelled = true;
    interval.wait?.cancel();
  };
  ctx.onClose(() => intervals.forEach(stop));

  /** Calls the function in `fnRef` once per interval until cancelled or it raises. */
  const run = async (interval: Interval, fnRef: number, ms: number) => {
    let next = performance.now() + ms;
    try {
      while (!interval.cancelled) {
        interval.wait = delay(next - performance.now());
        if (!(await interval.wait.promise) || interval.cancelled) break;
        // Outside any Lua call (a timer fired): protected, so running out of memory is an error.
        let task: Task | undefined;
        const failedToStart = api.protect(mainL, 0, (P) => {
          api.pushref(P, fnRef);
          task = scheduler.spawn(P, 0, "async.spawn_interval");
        });
        if (failedToStart !== null || !task) {
          log.write("ERROR", "assay", `async.spawn_interval: callback error: ${failedToStart}`);
          break;
        }
        task.awaited = true; // its failure is reported here, not as an unawaited task
        await task.done();
        if (task.state === "cancelled") {
          scheduler.release(task);
          break;
        }
        const failed = task.state === "failed";
        if (failed) {
          log.write("ERROR", "assay", `async.spawn_interval: callback error: ${errorText(api, task.thread, -1, mainL)}`);
        }
        scheduler.release(task);
        if (failed) break;
        const now = performance.now();
        next += ms;
        if (next <= now) next += Math.ceil((now - next) / ms) * ms;
      }
    } finally {
      intervals.delete(interval);
      if (!ctx.signal.aborted) api.unref(mainL, fnRef);
    }
  };

  return (L) => {
    // A number or a numeric string (builtins.md §0.3).
    if (!api.m._lua_isnumber(L, 1)) throw new LuaError("async.spawn_interval: first argument must be a number");
    const seconds = api.tonumber(L, 1);
    if (api.type(L, 2) !== LUA_TFUNCTION) throw new LuaError("async.spawn_interval: second argument must be a function");
    if (!(seconds > 0)) throw new LuaError("async.spawn_interval: interval must be positive");
    api.pushvalue(L, 2);
    const fnRef = api.ref(L);
    const interval: Interval = { cancelled: false };
    intervals.add(interval);
    run(interval, fnRef, seconds * 1000);

    api.newtable(L, 0, 1);
    objects.pushClosure(L, () => (stop(interval), 0));
    api.setfield(L, -2, "cancel");
    return 1;
  };
}
