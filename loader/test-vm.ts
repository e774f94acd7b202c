/**
 * A VM for unit tests: isolated from the process (map variables, memory log sink) and with
 * an exit that throws instead of ending the test run. Options override the defaults.
 */
import { createVm, type Vm, type VmOptions } from "./vm.ts";
import { memorySink } from "./log-sink.ts";
import { mapVariables } from "./variables.ts";
import { Policy } from "./sandbox/policy.ts";
import { wasmLocation } from "./host.ts";

export async function testVm(options: Partial<VmOptions> = {}): Promise<Vm> {
  return await createVm({
    wasmPath: wasmLocation(),
    policy: new Policy({ profile: "full" }),
    log: memorySink(),
    vars: mapVariables(),
    runtime: { version: "test", executable: "assay", scriptPath: "t.lua" },
    exit: (code) => {
      throw new Error(`exit ${code}`);
    },
    ...options,
  });
}
