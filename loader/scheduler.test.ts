/**
 * The scheduler on its own: tasks are coroutines; a C function suspends its task on a promise
 * and the task resumes with the delivered results, in settlement order; failures stay in their
 * task; where Lua cannot yield, suspending raises instead of deadlocking.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { testVm } from "./test-vm.ts";
import type { Vm } from "./vm.ts";
import { LUA_OK, LuaError } from "./lua-api.ts";
import type { Task, TaskOutcome } from "./scheduler.ts";
import { errorText } from "./error-text.ts";

interface Harness {
  vm: Vm;
  /** Spawned tasks in order, with how each ended. */
  ended: { task: Task; outcome: TaskOutcome; error?: string }[];
  /** Runs `source` as the main task; resolves with its outcome and error text. */
  main(source: string): Promise<{ ok: boolean; error?: string; results: string[] }>;
}

/**
 * A VM without builtins plus test functions:
 * - `wait(ms, ...)` suspends for ms milliseconds, then returns the remaining arguments;
 * - `fail_after(ms, msg)` suspends, then raises msg (a rejected promise);
 * - `spawn(fn, ...)` starts a task and returns its id;
 * - `now()` is a counter of settled waits, to observe ordering.
 */
async function harness(): Promise<Harness> {
  const vm = await testVm();
  const { api, L, scheduler } = vm;
  const ended: Harness["ended"] = [];
  scheduler.onTaskEnd((task, outcome) => {
    ended.push({ task, outcome, error: outcome.ok ? undefined : errorText(api, task.thread, -1) });
  });
  const globals: Record<string, (L: number) => number> = {
    wait(L) {
      const ms = Number(api.checknumber(L, 1));
      const n = api.gettop(L) - 1;
      // Keep the values alive in the registry until delivery.
      const refs: number[] = [];
      for (let i = 0; i < n; i++) {
        api.pushvalue(L, 2 + i);
        refs.push(api.ref(L));
      }
      return scheduler.suspend(L, new Promise((resolve) => setTimeout(() => resolve((co) => {
        for (const r of refs) {
          api.pushref(co, r);
          api.unref(co, r);
        }
        return refs.length;
      }), ms)));
    },
    fail_after(L) {
      const ms = Number(api.checknumber(L, 1));
      const msg = api.checkstring(L, 2);
      return scheduler.suspend(L, new Promise((_, reject) => setTimeout(() => reject(new LuaError(msg)), ms)));
    },
    spawn(L) {
      const nargs = api.gettop(L) - 1;
      const task = scheduler.spawn(L, nargs, "test");
      api.pushinteger(L, task.id);
      return 1;
    },
  };
  for (const [name, fn] of Object.entries(globals)) {
    api.pushcclosure(L, api.cfunction(fn));
    api.setglobal(L, name);
  }
  return {
    vm,
    ended,
    async main(source) {
      api.settop(L, 0);
      assert.equal(api.load(L, new TextEncoder().encode(source), "@t.lua", "t"), LUA_OK, api.tostring(L, -1) ?? "");
      const task = scheduler.spawn(L, 0, "main");
      const outcome = await scheduler.run(task);
      const co = task.thread;
      if (!outcome.ok) return { ok: false, error: errorText(api, co, -1), results: [] };
      const results: string[] = [];
      for (let i = api.gettop(co) - outcome.count + 1; i <= api.gettop(co); i++) results.push(api.tolstring(co, i));
      return { ok: true, results };
    },
  };
}

test("a task suspends on a promise and resumes with the delivered values", async () => {
  const h = await harness();
  const r = await h.main(`
    local a, b, c = wait(5, "x", 42, nil)
    assert(a == "x" and b == 42 and math.type(b) == "integer" and c == nil)
    local n = select("#", wait(0))
    return n, wait(1, "done")`);
  assert.deepEqual(r, { ok: true, results: ["0", "done"] });
});

test("the main task looks like the main thread while the scheduler drives it", async () => {
  const h = await harness();
  const r = await h.main(`
    local co, ismain = coroutine.running()
    assert(type(co) == "thread" and ismain)
    assert(not coroutine.isyieldable())
    local ok, e = pcall(coroutine.yield, 1)
    assert(not ok and e == "attempt to yield from outside a coroutine", e)
    return "ok"`);
  assert.deepEqual(r, { ok: true, results: ["ok"] });
});

test("tasks run in order of readiness: spawn order first, then settlement order", async () => {
  const h = await harness();
  const r = await h.main(`
    local log = {}
    spawn(function() log[#log + 1] = "a1" wait(30) log[#log + 1] = "a2" end)
    spawn(function() log[#log + 1] = "b1" wait(10) log[#log + 1] = "b2" end)
    spawn(function(x, y) log[#log + 1] = "c" .. x .. y end, 1, 2)
    log[#log + 1] = "main1"       -- spawned tasks start at the next scheduling point
    wait(0)
    log[#log + 1] = "main2"
    wait(60)
    return table.concat(log, " ")`);
  assert.deepEqual(r, { ok: true, results: ["main1 a1 b1 c12 main2 b2 a2"] });
  assert.equal(h.ended.length, 3);
  assert.ok(h.ended.every((e) => e.outcome.ok && e.task.state === "done"));
});

test("the run ends with the main task; unfinished tasks are abandoned", async () => {
  const h = await harness();
  const r = await h.main(`
    spawn(function() wait(10000) error("never reached") end)
    return "main done"`);
  assert.deepEqual(r, { ok: true, results: ["main done"] });
  assert.equal(h.ended.length, 0);
});

test("an error in a task ends that task only; the outcome carries the error", async () => {
  const h = await harness();
  const r = await h.main(`
    spawn(function() wait(1) error("task broke") end)
    spawn(function() error({ code = 1 }) end)
    wait(20)
    return "main survives"`);
  assert.deepEqual(r, { ok: true, results: ["main survives"] });
  assert.equal(h.ended.length, 2);
  const [tableErr, stringErr] = h.ended;
  assert.equal(tableErr.outcome.ok, false);
  assert.equal(tableErr.task.state, "failed");
  assert.equal(tableErr.error, "(error object is a table value)");
  assert.equal(stringErr.error, "t.lua:2: task broke");
  await stringErr.task.done();
});

test("an error in the main task fails the run", async () => {
  const h = await harness();
  const r = await h.main(`wait(1)\nerror("main broke")`);
  assert.deepEqual(r, { ok: false, error: "t.lua:2: main broke", results: [] });
});

test("a rejected promise raises at the call site, catchable by pcall", async () => {
  const h = await harness();
  const r = await h.main(`
    local ok, e = pcall(fail_after, 1, "refused")
    assert(not ok and e == "refused", e)           -- called by pcall: no Lua position
    local ok2, e2 = pcall(function()
      fail_after(1, "refused again")
    end)
    assert(not ok2 and e2 == "t.lua:5: refused again", e2)
    fail_after(1, "uncaught")`);
  assert.deepEqual(r, { ok: false, error: "t.lua:8: uncaught", results: [] });
});

test("suspending works inside user coroutines, pcall and <close>", async () => {
  const h = await harness();
  const r = await h.main(`
    local gen = coroutine.wrap(function()
      for i = 1, 3 do coroutine.yield(wait(1, i * 10)) end
    end)
    assert(gen() == 10 and gen() == 20 and gen() == 30)
    local closed = false
    local ok, e = pcall(function()
      local guard <close> = setmetatable({}, { __close = function() wait(1) closed = true end })
      wait(1)
      error("inside", 0)
    end)
    assert(not ok and e == "inside" and closed)
    local co = coroutine.create(function(x) local y = coroutine.yield(wait(1, x + 1)) return wait(1, y * 2) end)
    local _, v1 = coroutine.resume(co, 1)
    local _, v2 = coroutine.resume(co, 5)
    return v1, v2, coroutine.status(co)`);
  assert.deepEqual(r, { ok: true, results: ["2", "10", "dead"] });
});

test("suspending where Lua cannot yield raises a clear error instead of deadlocking", async () => {
  const h = await harness();
  const r = await h.main(`
    local ok, e = pcall(table.sort, { 3, 1, 2 }, function(a, b) wait(1) return a < b end)
    assert(not ok and e:find("attempt to yield across a C-call boundary", 1, true), e)
    local ok2, e2 = pcall(string.gsub, "ab", "%w", function(c) return wait(1, c) end)
    assert(not ok2 and e2:find("attempt to yield across a C-call boundary", 1, true), e2)
    return "still running", wait(1, "and waiting")`);
  assert.deepEqual(r, { ok: true, results: ["still running", "and waiting"] });
});

test("an operation whose yield cannot reach the task's root is dropped, not leaked", async () => {
  const h = await harness();
  let leftover = -1;
  h.vm.api.pushfunction(h.vm.L, () => {
    leftover = h.vm.scheduler.pendingOperations;
    return 0;
  });
  h.vm.api.setglobal(h.vm.L, "count_ops");
  const r = await h.main(`
    local results = {}
    for i = 1, 50 do
      -- The coroutine's wait yields to its resume, which runs inside a sort comparator, where
      -- the yield cannot be passed on: the resume fails and the operation has no one to go to.
      local co = coroutine.create(function() return wait(1) end)
      local ok = pcall(table.sort, { 2, 1 }, function(a, b) coroutine.resume(co) return a < b end)
      results[#results + 1] = ok
      local again, err = coroutine.resume(co)
      assert(not again and err:find("abandoned", 1, true), tostring(err))
    end
    wait(1)
    count_ops()
    return #results`);
  assert.deepEqual(r, { ok: true, results: ["50"] });
  assert.equal(leftover, 0);
});

test("suspending outside any task (the bare main state) raises", async () => {
  const h = await harness();
  const { api, L } = h.vm;
  api.settop(L, 0);
  assert.equal(api.load(L, new TextEncoder().encode("return wait(1)"), "@bare.lua", "t"), LUA_OK);
  assert.notEqual(api.pcall(L, 0, 1), LUA_OK);
  assert.equal(api.tostring(L, -1), "bare.lua:1: attempt to yield across a C-call boundary");
  api.settop(L, 0);
});

test("many tasks interleave without losing a wake-up", async () => {
  const h = await harness();
  const r = await h.main(`
    local total = 0
    for i = 1, 200 do
      spawn(function() for _ = 1, 3 do wait(i % 5) end total = total + 1 end)
    end
    while total < 200 do wait(2) end
    return total`);
  assert.deepEqual(r, { ok: true, results: ["200"] });
  assert.equal(h.ended.length, 200);
});

test("runUntil keeps running tasks after the main task, until its promise settles", async () => {
  const h = await harness();
  const r = await h.main(`
    log = {}
    spawn(function() for i = 1, 3 do wait(5) log[#log + 1] = i end end)
    return "main done"`);
  assert.deepEqual(r, { ok: true, results: ["main done"] });
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  setTimeout(release, 100);
  await h.vm.scheduler.runUntil(until);
  const { api, L } = h.vm;
  api.getglobal(L, "log");
  assert.equal(api.rawlen(L, -1), 3, "the spawned task ran to its end");
  api.pop(L);
  assert.equal(h.ended.length, 1);
});
