/**
 * `async.spawn` and `async.spawn_interval` (builtins.md §12) on the scheduler's tasks.
 *
 * A spawn handle is a table whose `await` is a closure over the task's id, so `h:await()` and
 * `h.await()` both work. The task's results (or its error) stay on its thread's stack until
 * the handle is awaited; the thread is released then, or once the task has ended and the
 * handle has been garbage-collected. A task that fails while nobody awaits it is logged by
 * the runner (`async task failed: ...`, loader/run.ts); awaiting it later still raises.
 *
 * An interval is driven from TS: each tick spawns a fresh task that calls the function and
 * waits for it, so a slow callback never overlaps itself; ticks keep their phase and skip
 * the ones a slow callback overran.
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LUA_TFUNCTION, LuaError, upvalueIndex } from "../loader/lua-api.ts";
import type { Task } from "../loader/scheduler.ts";
import { errorText } from "../loader/run.ts";
import { type Delay, delay } from "./timers.ts";

interface Spawned {
  task: Task;
  awaited: boolean;
  released: boolean;
  /** The handle table was garbage-collected: nobody can await any more. */
  collected: boolean;
}

interface Interval {
  cancelled: boolean;
  wait?: Delay;
}

registerBuiltin({
  name: "async",
  description: "Run functions as concurrent tasks (spawn, await) and on intervals",
  capabilities: ["timer"],
  profiles: ["restricted"],
  install({ api, L: mainL, scheduler, log }) {
    const spawned = new Map<number, Spawned>();
    const intervals = new Map<number, Interval>();
    let nextId = 1;

    const ended = (s: Spawned) => s.task.state === "done" || s.task.state === "failed";
    const release = (s: Spawned) => {
      if (s.released) return;
      s.released = true;
      scheduler.release(s.task);
    };

    /** Pushes the task's results as an array table, or raises its error; frees the thread. */
    const deliver = (s: Spawned) => (L: number): number => {
      const thread = s.task.thread;
      if (s.task.state === "failed") {
        api.xmove(thread, L, 1);
        release(s);
        api.m._lua_error(L);
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

    const awaitFn = api.cfunction((L) => {
      const s = spawned.get(Number(api.tointeger(L, upvalueIndex(1))))!;
      if (s.awaited) throw new LuaError("async handle already awaited");
      // Fail before marking the handle, so a later await from a yieldable place still works.
      if (!ended(s) && !api.isyieldable(L)) throw new LuaError("attempt to yield across a C-call boundary");
      s.awaited = true;
      s.task.awaited = true;
      if (ended(s)) return deliver(s)(L);
      return scheduler.suspend(L, s.task.done().then(() => deliver(s)));
    });

    const collectFn = api.cfunction((L) => {
      const id = Number(api.tointeger(L, upvalueIndex(1)));
      const s = spawned.get(id);
      if (!s) return 0;
      spawned.delete(id);
      s.collected = true;
      if (ended(s) && !s.awaited) release(s);
      return 0;
    });

    const cancelFn = api.cfunction((L) => {
      const interval = intervals.get(Number(api.tointeger(L, upvalueIndex(1))));
      if (interval && !interval.cancelled) {
        interval.cancelled = true;
        interval.wait?.cancel();
      }
      return 0;
    });

    const spawn = (L: number) => {
      if (api.type(L, 1) !== LUA_TFUNCTION) throw new LuaError("async.spawn: first argument must be a function");
      api.pushvalue(L, 1);
      const task = scheduler.spawn(L, 0, "async.spawn");
      const id = nextId++;
      const s: Spawned = { task, awaited: false, released: false, collected: false };
      spawned.set(id, s);
      task.done().then(() => {
        if (s.collected && !s.awaited) release(s);
      });

      api.newtable(L, 0, 1);
      const handle = api.gettop(L);
      // The closure anchors its handle, so a detached `h.await` keeps the task's entry alive.
      api.pushinteger(L, id);
      api.pushvalue(L, handle);
      api.pushcclosure(L, awaitFn, 2);
      api.setfield(L, handle, "await");
      api.newtable(L, 0, 2);
      api.pushstring(L, "async handle");
      api.setfield(L, -2, "__name");
      api.pushinteger(L, id);
      api.pushcclosure(L, collectFn, 1);
      api.setfield(L, -2, "__gc");
      api.setmetatable(L, -2);
      return 1;
    };

    /** Calls the function in `fnRef` once per interval until cancelled or it raises. */
    const runInterval = async (interval: Interval, fnRef: number, ms: number) => {
      let next = performance.now() + ms;
      try {
        while (!interval.cancelled) {
          interval.wait = delay(next - performance.now());
          if (!(await interval.wait.promise) || interval.cancelled) break;
          api.pushref(mainL, fnRef);
          const task = scheduler.spawn(mainL, 0, "async.spawn_interval");
          task.awaited = true; // its failure is reported here, not as an unawaited task
          await task.done();
          const failed = task.state === "failed";
          if (failed) {
            log.write("ERROR", "assay", `async.spawn_interval: callback error: ${errorText(api, task.thread, -1)}`);
          }
          scheduler.release(task);
          if (failed) break;
          const now = performance.now();
          next += ms;
          if (next <= now) next += Math.ceil((now - next) / ms) * ms;
        }
      } finally {
        api.unref(mainL, fnRef);
      }
    };

    const spawnInterval = (L: number) => {
      // A number or a numeric string (builtins.md §0.3).
      if (!api.m._lua_isnumber(L, 1)) throw new LuaError("async.spawn_interval: first argument must be a number");
      const seconds = api.tonumber(L, 1);
      if (api.type(L, 2) !== LUA_TFUNCTION) throw new LuaError("async.spawn_interval: second argument must be a function");
      if (!(seconds > 0)) throw new LuaError("async.spawn_interval: interval must be positive");
      api.pushvalue(L, 2);
      const fnRef = api.ref(L);
      const id = nextId++;
      const interval: Interval = { cancelled: false };
      intervals.set(id, interval);
      runInterval(interval, fnRef, seconds * 1000).finally(() => intervals.delete(id));

      api.newtable(L, 0, 1);
      api.pushinteger(L, id);
      api.pushcclosure(L, cancelFn, 1);
      api.setfield(L, -2, "cancel");
      return 1;
    };

    api.newtable(mainL, 0, 2);
    api.pushfunction(mainL, spawn);
    api.setfield(mainL, -2, "spawn");
    api.pushfunction(mainL, spawnInterval);
    api.setfield(mainL, -2, "spawn_interval");
    api.setglobal(mainL, "async");
  },
});
