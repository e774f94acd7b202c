/**
 * What a fresh VM costs (check mode pays it per attempt) and what the counting allocator costs,
 * measured in one process: the median time of createVm + close, the RSS each live VM adds,
 * the time of a VM on its own Worker thread (start, create, run `return 1`, answer), and the
 * CPU workload (bench/cpu.lua) with the counting allocator against Lua's own.
 *
 * Usage: bun bench/vm-cost.ts > vm-cost.json
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import "../builtins/index.ts";
import { createVm, type VmOptions } from "../loader/vm.ts";
import { Policy } from "../loader/sandbox/policy.ts";
import { memorySink } from "../loader/log-sink.ts";
import { mapVariables } from "../loader/variables.ts";
import { modulePaths } from "./module-paths.ts";

const root = process.env.ASSAY_ROOT ?? process.cwd();
const options = (extra: Partial<VmOptions> = {}): VmOptions => ({
  policy: new Policy({ profile: "full" }),
  log: memorySink(),
  vars: mapVariables(),
  runtime: { version: "bench", executable: "assay", scriptPath: "bench.lua" },
  ...modulePaths(),
  exit: (code) => {
    throw new Error(`exit ${code}`);
  },
  ...extra,
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun?.gc(true);

// Warm up: the first VM compiles the modules and the loader's chunks.
(await createVm(options())).close();
for (let i = 0; i < 10; i++) (await createVm(options())).close();

const freshVm: number[] = [];
for (let i = 0; i < 60; i++) {
  const t = performance.now();
  const vm = await createVm(options());
  freshVm.push(performance.now() - t);
  vm.close();
}

gc();
const rssBefore = process.memoryUsage().rss;
const live = [];
for (let i = 0; i < 20; i++) live.push(await createVm(options()));
gc();
const rssPerVm = (process.memoryUsage().rss - rssBefore) / live.length;
for (const vm of live) vm.close();

const workerVm: number[] = [];
for (let i = 0; i < 12; i++) {
  const t = performance.now();
  const worker = new Worker(new URL("./vm-worker.ts", import.meta.url));
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = (e) => (e.data.ok ? resolve() : reject(new Error("worker VM failed")));
    worker.onerror = (e) => reject(e);
    worker.postMessage({ source: "return 1" });
  });
  workerVm.push(performance.now() - t);
  worker.terminate();
}

const cpu = readFileSync(join(root, "bench", "cpu.lua"));
async function cpuRun(uncounted: boolean): Promise<number> {
  const vm = await createVm(options({ uncountedAllocator: uncounted }));
  const { api, L, scheduler } = vm;
  // print would write to stdout: the workload's one line is not needed here.
  api.pushfunction(L, () => 0);
  api.setglobal(L, "print");
  api.load(L, cpu, "@cpu.lua", "t");
  const t = performance.now();
  const outcome = await scheduler.run(scheduler.spawn(L, 0, "main"));
  const elapsed = performance.now() - t;
  if (!outcome.ok) throw new Error("cpu.lua failed");
  vm.close();
  return elapsed;
}
const counted: number[] = [], uncounted: number[] = [];
for (let i = 0; i < 7; i++) {
  counted.push(await cpuRun(false));
  uncounted.push(await cpuRun(true));
}

console.log(JSON.stringify({
  freshVmMs: median(freshVm),
  rssPerVmBytes: Math.round(rssPerVm),
  workerVmMs: median(workerVm),
  cpuCountedMs: median(counted),
  cpuUncountedMs: median(uncounted),
  allocatorCost: median(counted) / median(uncounted) - 1,
}, null, 2));
