/**
 * Worker side of bench/vm-cost.ts: receives the compiled Lua and native modules, creates a
 * VM, runs one chunk, answers. It is what a check run on its own thread pays (see
 * docs/architecture.md, "Stopping a VM").
 */
import "../builtins/index.ts";
import { createVm } from "../loader/vm.ts";
import { Policy } from "../loader/sandbox/policy.ts";
import { memorySink } from "../loader/log-sink.ts";
import { mapVariables } from "../loader/variables.ts";
import { modulePaths } from "./module-paths.ts";
import { LUA_OK } from "../loader/lua-api.ts";

declare const self: { onmessage: (e: MessageEvent) => void; postMessage(v: unknown): void };

self.onmessage = async (event: MessageEvent) => {
  const { source } = event.data as { source: string };
  const vm = await createVm({
    policy: new Policy({ profile: "full" }),
    log: memorySink(),
    vars: mapVariables(),
    runtime: { version: "bench", executable: "assay", scriptPath: "check.lua" },
    ...modulePaths(),
  });
  const { api, L, scheduler } = vm;
  api.load(L, new TextEncoder().encode(source), "@check.lua", "t");
  const outcome = await scheduler.run(scheduler.spawn(L, 0, "main"));
  const ok = outcome.ok && api.load(L, new Uint8Array(), "=x", "t") === LUA_OK;
  vm.close();
  self.postMessage({ ok });
};
