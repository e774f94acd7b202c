/**
 * VM lifecycle, cancellation and the heap limit: VMs created concurrently keep their own
 * memory and files; closing a VM aborts what its tasks wait for; a VM can be stopped from
 * outside (waiting tasks at once, Lua code at its next hook check, child processes killed);
 * the heap limit counts Lua's bytes with Lua's emergency collection before it fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import "../builtins/index.ts";
import { testVm } from "./test-vm.ts";
import { LUA_OK } from "./lua-api.ts";
import type { Vm } from "./vm.ts";
import type { TaskOutcome } from "./scheduler.ts";
import { errorText } from "./error-text.ts";
import { endsWithin, tempDir } from "../tests/helpers.ts";

/** Runs `source` as the main task; resolves with the outcome and the error text if it failed. */
async function main(vm: Vm, source: string): Promise<TaskOutcome & { error?: string }> {
  const { api, L, scheduler } = vm;
  assert.equal(api.load(L, new TextEncoder().encode(source), "@t.lua", "t"), LUA_OK, api.tostring(L, -1) ?? "");
  const task = scheduler.spawn(L, 0, "main");
  const outcome = await scheduler.run(task);
  return outcome.ok || outcome.cancelled ? outcome : { ...outcome, error: errorText(api, task.thread, -1) };
}

const scratch = tempDir("assay-vm-test-");

test("8 VMs created and run concurrently each see only their own memory and files", async () => {
  const vms = await Promise.all(Array.from({ length: 8 }, () => testVm()));
  const outcomes = await Promise.all(vms.map((vm, i) => {
    const path = join(scratch, `vm-${i}.txt`);
    return main(vm, `
      local path = ${JSON.stringify(path)}
      for round = 1, 5 do
        local f = assert(io.open(path, "w"))
        f:write(("vm ${i} round %d\\n"):format(round):rep(100))
        f:close()
        sleep(0) -- let the other VMs run in between
        local text = assert(io.open(path, "r")):read("a")
        assert(text == ("vm ${i} round %d\\n"):format(round):rep(100), "vm ${i} read back something else")
      end
      marker = ${i}
    `);
  }));
  outcomes.forEach((o, i) => assert.ok(o.ok, `vm ${i}: ${o.error}`));
  vms.forEach((vm, i) => {
    vm.api.getglobal(vm.L, "marker");
    assert.equal(Number(vm.api.tointeger(vm.L, -1)), i);
    assert.match(readFileSync(join(scratch, `vm-${i}.txt`), "utf8"), new RegExp(`^vm ${i} round 5\\n`));
    vm.close();
  });
});

test("closing a VM aborts the sleep its task waits for and ends its run", async () => {
  const vm = await testVm();
  const started = performance.now();
  const run = main(vm, `sleep(30) error("not reached")`);
  setTimeout(() => vm.close(), 20);
  const outcome = await run;
  assert.equal(outcome.cancelled, true);
  assert.ok(performance.now() - started < 5000, "the run ended long before the sleep would have");
  assert.equal(vm.isClosed, true);
  vm.close(); // idempotent
});

test("stopping a VM ends a waiting task at once and runs its pending <close> handlers", async () => {
  const vm = await testVm();
  const run = main(vm, `
    local guard <close> = setmetatable({}, { __close = function() closed = true end })
    sleep(30)
  `);
  setTimeout(() => vm.stop(), 20);
  assert.equal((await run).cancelled, true);
  vm.api.getglobal(vm.L, "closed");
  assert.equal(vm.api.toboolean(vm.L, -1), true);
  vm.close();
});

test("stopping a VM kills the child process its task waits for, and what that child started", async () => {
  const vm = await testVm();
  const pidFile = join(scratch, "grandchild.pid");
  // The shell stays (no exec): its own child must go too.
  const run = main(vm, `os.execute("sleep 30 & echo $! > ${pidFile}; wait; echo after")`);
  for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  const pid = Number(readFileSync(pidFile, "utf8"));
  assert.ok(pid > 0);
  vm.stop();
  assert.equal((await run).cancelled, true);
  assert.ok(endsWithin(pid, 1000), "the shell's child is gone");
  vm.close();
});

test("an operation started after the running task was cancelled is dropped with it", async () => {
  const vm = await testVm();
  vm.api.pushfunction(vm.L, () => {
    vm.stop(); // the task is running: it is marked, and stops at its next yield or hook check
    return 0;
  });
  vm.api.setglobal(vm.L, "stop_me");
  const outcome = await main(vm, `stop_me() sleep(30)`);
  assert.equal(outcome.cancelled, true);
  assert.equal(vm.scheduler.pendingOperations, 0);
  vm.close();
});

test("closing a VM runs the pending <close> handlers of its waiting tasks", async () => {
  const vm = await testVm();
  const run = main(vm, `
    async.spawn(function()
      local guard <close> = setmetatable({}, { __close = function() io.write("") closed_task = true end })
      sleep(30)
    end)
    local guard <close> = setmetatable({}, { __close = function() closed_main = true end })
    sleep(30)
  `);
  await new Promise((r) => setTimeout(r, 30));
  const { api, L } = vm;
  // Read the flags from inside a __gc-free check: close runs them before lua_close.
  let flags = "";
  vm.ctx.onClose(() => {
    api.getglobal(L, "closed_task");
    api.getglobal(L, "closed_main");
    flags = `${api.toboolean(L, -2)} ${api.toboolean(L, -1)}`;
    api.pop(L, 2);
  });
  vm.close();
  assert.equal((await run).cancelled, true);
  assert.equal(flags, "true true");
});

test("a handle whose close fails does not stop the VM from closing the others", async () => {
  const vm = await testVm();
  const closed: string[] = [];
  const Thing = vm.ctx.objects.handleType<string>("test.res", {
    methods: {},
    close: (name) => {
      closed.push(name);
      if (name === "bad") throw new Error("cannot close bad");
    },
  });
  Thing.push(vm.L, "bad");
  vm.api.setglobal(vm.L, "a");
  Thing.push(vm.L, "good");
  vm.api.setglobal(vm.L, "b");
  vm.close();
  assert.deepEqual(closed.sort(), ["bad", "good"]);
  const records = (vm.ctx.log as unknown as { records: { message: string }[] }).records;
  assert.ok(records.some((r) => r.message === "closing the VM: cannot close bad"));
});

test("Lua code that never yields is stopped by the instruction hook, and pcall cannot catch it", async () => {
  const vm = await testVm();
  vm.hook.setDeadline(Date.now() + 50, () => vm.stop());
  const outcome = await main(vm, `
    while true do pcall(function() while true do end end) end
  `);
  assert.equal(outcome.cancelled, true);
  vm.close();
});

test("the heap limit: a caught out-of-memory, then one collection, and 20 MiB fit again", async () => {
  const vm = await testVm();
  const outcome = await main(vm, `
    local t = {}
    local ok, err = pcall(function() for i = 1, 1e8 do t[#t + 1] = ("x"):rep(1000) .. i end end)
    assert(not ok and err == "not enough memory", tostring(err))
    t = nil
    collectgarbage()
    local s = ("y"):rep(20 * 1024 * 1024)
    assert(#s == 20 * 1024 * 1024)
  `);
  assert.ok(outcome.ok, outcome.error);
  vm.close();
});

test("--memory-limit=1M holds live data to about 1 MiB; JS charges count against the same budget", async () => {
  const vm = await testVm({ memoryLimit: 1024 * 1024 });
  const outcome = await main(vm, `
    local t = {}
    local ok, err = pcall(function() for i = 1, 1e6 do t[#t + 1] = ("x"):rep(100) .. i end end)
    assert(not ok and err == "not enough memory", tostring(err))
    used = collectgarbage("count") * 1024
  `);
  assert.ok(outcome.ok, outcome.error);
  vm.api.getglobal(vm.L, "used");
  const used = vm.api.tonumber(vm.L, -1);
  assert.ok(used > 900_000 && used < 1_500_000, `live bytes ${used}`);
  const { heap } = vm.ctx;
  assert.equal(heap.charge(10 * 1024 * 1024), false, "a buffer past the limit is refused");
  assert.equal(heap.charge(1), true);
  heap.release(1);
  vm.close();
});

test("a stop from inside Lua also reaches a coroutine made before it", async () => {
  const vm = await testVm();
  vm.api.pushfunction(vm.L, () => {
    vm.stop();
    return 0;
  });
  vm.api.setglobal(vm.L, "stop_me");
  const outcome = await main(vm, `
    local co = coroutine.create(function() while true do end end)
    stop_me()
    coroutine.resume(co) -- loops until the hook reaches it, which then stops the task too
    while true do end
  `);
  assert.equal(outcome.cancelled, true);
  vm.close();
});
