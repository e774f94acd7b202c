/**
 * Lua functions kept by JS and called later as tasks (what `http.serve` handlers stand on):
 * many calls run concurrently and may suspend, results and errors come back, references are
 * released, and closing the VM ends calls in flight.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import "../../builtins/index.ts";
import { testVm } from "../test-vm.ts";
import { installBuiltin } from "../install-builtins.ts";
import { CallbackError, type LuaCallback } from "./callback.ts";
import type { Vm } from "../vm.ts";
import { errorText } from "../error-text.ts";

/** A builtin `fake.serve(handler, n)` that calls the handler n times at once and sums the results. */
async function withServe(): Promise<{ vm: Vm; kept: LuaCallback[] }> {
  const vm = await testVm();
  const kept: LuaCallback[] = [];
  installBuiltin(vm.ctx, {
    name: "fake",
    description: "test builtin",
    functions: {
      serve: {
        signature: "fake.serve(handler, n) -> sum",
        description: "calls the handler n times concurrently",
        args: [{ name: "handler", type: "callback" }, { name: "n", type: "integer" }],
        async: true,
      },
      keep: {
        signature: "fake.keep(handler)",
        description: "keeps the handler for the test",
        args: [{ name: "handler", type: "callback" }],
      },
    },
    install: () => ({
      serve: async ([handler, n]: [LuaCallback, number]) => {
        try {
          const results = await Promise.all(
            Array.from({ length: n }, (_, i) => handler.call([{ n: i, label: `req-${i}` }]) as Promise<unknown[]>),
          );
          return results.reduce((sum, r) => sum + (r[0] as number), 0);
        } finally {
          handler.release();
        }
      },
      keep: ([handler]: [LuaCallback]) => void kept.push(handler),
    }),
  });
  return { vm, kept };
}

async function main(vm: Vm, source: string): Promise<{ ok: boolean; error?: string }> {
  const { api, L, scheduler } = vm;
  api.load(L, new TextEncoder().encode(source), "@t.lua", "t");
  const task = scheduler.spawn(L, 0, "main");
  const outcome = await scheduler.run(task);
  return outcome.ok ? { ok: true } : { ok: false, error: errorText(api, task.thread, -1, L) };
}

test("a kept function runs as concurrent tasks that may suspend; results come back; nothing stays kept", async () => {
  const { vm } = await withServe();
  const r = await main(vm, `
    local active, most = 0, 0
    local sum = fake.serve(function(req)
      assert(req.label == "req-" .. req.n)
      active = active + 1
      most = math.max(most, active)
      sleep(0.001) -- the other calls run meanwhile
      active = active - 1
      return req.n * 2
    end, 1000)
    assert(sum == 2 * (999 * 1000 / 2), sum)
    assert(most > 1, "calls ran concurrently")
  `);
  assert.ok(r.ok, r.error);
  assert.equal(vm.ctx.callbacks.size, 0);
  vm.close();
});

test("an error in a called function rejects that call with its text; a released callback cannot run", async () => {
  const { vm, kept } = await withServe();
  const r = await main(vm, `
    fake.keep(function(x) if x == "bad" then error("no good") end return x, 2 end)
  `);
  assert.ok(r.ok, r.error);
  const [cb] = kept;
  const run = vm.scheduler.run(vm.scheduler.spawn((() => {
    // A main task that waits, so the scheduler runs the callback tasks.
    vm.api.load(vm.L, new TextEncoder().encode(`sleep(0.05)`), "@wait.lua", "t");
    return vm.L;
  })(), 0, "main"));
  assert.deepEqual(await cb.call(["ok"]), ["ok", 2]);
  await assert.rejects(cb.call(["bad"]), { message: "t.lua:2: no good" });
  await assert.rejects(cb.call(["bad"]), (e: CallbackError) => {
    assert.ok(e instanceof CallbackError);
    assert.match(e.traceback, /^stack traceback:\n(.*\n)*\s+t\.lua:2: in function/, "the traceback of where it failed");
    return true;
  });
  await run;
  cb.release();
  await assert.rejects(cb.call([]), /released/);
  assert.equal(vm.ctx.callbacks.size, 0);
  vm.close();
});

test("closing the VM ends calls in flight and leaves kept functions harmless", async () => {
  const { vm, kept } = await withServe();
  assert.ok((await main(vm, `fake.keep(function() sleep(30) end)`)).ok);
  const running = vm.scheduler.run(vm.scheduler.spawn((() => {
    vm.api.load(vm.L, new TextEncoder().encode(`sleep(30)`), "@wait.lua", "t");
    return vm.L;
  })(), 0, "main"));
  const call = kept[0].call([]);
  setTimeout(() => vm.close(), 20);
  await assert.rejects(call, /cancelled/);
  await running;
  kept[0].release(); // after close: nothing to unref, no crash
});
