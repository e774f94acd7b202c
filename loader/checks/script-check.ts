/**
 * `type: script` checks (checks.md §4, sandbox.md §3): every attempt runs the file in a fresh
 * VM, with the builtins of the run's sandbox profile (full unless `--sandbox` says otherwise)
 * and the check's `env:` as an overlay that `env.get` (and `os.getenv`) see, but not `env.list`
 * or child processes (sandbox.md §3). The check passes when the chunk
 * finishes without an error; the error text is the message otherwise. Async builtins work
 * (the chunk is the VM's main task); tasks and servers it leaves behind are abandoned when
 * the chunk ends, as the VM is closed. `os.exit(0)` ends the attempt as a pass, any other
 * status as a failure, without ending the process. `print` and `io.write` go to stderr:
 * stdout carries the report and nothing else.
 *
 * An attempt is stopped from outside (its timeout, the global timeout) through the abort
 * signal and, for Lua code that never yields, through the VM's instruction hook and deadline.
 *
 * @example
 * ```ts
 * const outcome = await scriptCheck(setup, check, signal, deadline);
 * // { passed: false, message: "checks/db.lua:3: assert.eq failed: ..." }
 * ```
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createVm, type Vm } from "../vm.ts";
import { startMain } from "../run.ts";
import { errorText } from "../error-text.ts";
import { LuaError } from "../lua-api.ts";
import { messageOf } from "../scheduler.ts";
import { osErrorText } from "../os-error.ts";
import { processVariables, type VariableProvider } from "../variables.ts";
import type { LogSink } from "../log-sink.ts";
import type { Policy } from "../sandbox/policy.ts";
import type { RuntimeInfo } from "../plugin.ts";
import { fail, pass } from "./outcome.ts";
import type { AttemptDeadline, CheckSpec, Outcome } from "./types.ts";

/** What every script check's VM is made with. */
export interface ScriptSetup {
  policy: Policy;
  log: LogSink;
  runtime: Omit<RuntimeInfo, "scriptPath">;
  memoryLimit?: number;
  /** Where the process environment comes from (tests give a map). */
  vars?: VariableProvider;
  /**
   * Opens where one VM's stdout and stderr go (check mode: stderr, or through the progress
   * view a line at a time); closed when the VM is.
   */
  openOutput(): ScriptOutput;
}

/** One VM's captured output. */
export interface ScriptOutput {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Ends an attempt whose script called `os.exit`. */
class ScriptExit extends LuaError {
  constructor(readonly status: number) {
    super(`os.exit(${status})`, 0);
  }
}

/**
 * Runs one attempt. `signal` aborting stops it with the signal's reason as the message;
 * at `deadline.at` the hook stops Lua code that never yields, with `deadline.reason()`.
 */
export async function scriptCheck(setup: ScriptSetup, check: CheckSpec, signal: AbortSignal, deadline: AttemptDeadline): Promise<Outcome> {
  if (check.file === undefined) return fail("script check requires a 'file' field");
  let source: Uint8Array;
  try {
    source = readFileSync(check.file);
  } catch (e) {
    return fail(`failed to read Lua script ${JSON.stringify(check.file)}: ${osErrorText(e)}`);
  }
  let exited: number | undefined;
  let vm: Vm | undefined;
  const output = setup.openOutput();
  // os.exit ends the attempt, never the process: whatever calls it (the script, a task, a
  // finalizer at close, an error's __tostring), the run's report must still be written. The
  // thrown error reaches Lua (finalizers turn it into a warning); stop ends the task.
  const exit = (status: number): never => {
    exited ??= status;
    const stop = new ScriptExit(status);
    vm?.stop(stop);
    throw stop;
  };
  try {
    vm = await createVm({
      policy: setup.policy,
      log: setup.log,
      vars: checkVariables(setup.vars ?? processVariables(), check.env),
      runtime: { ...setup.runtime, scriptPath: check.file },
      memoryLimit: setup.memoryLimit,
      scriptDir: dirname(check.file),
      exit,
      ownsProcess: false,
      // stdout carries the report, exactly one document: what check scripts print goes to stderr.
      output: (_fd, bytes) => output.write(bytes),
    });
  } catch (e) {
    output.close();
    return fail(`creating Lua VM: ${(e as Error).message}`);
  }
  const running = vm;
  const onAbort = () => running.stop(new LuaError(messageOf(signal.reason), 0));
  try {
    const main = startMain(vm, { source, name: check.file, scriptPath: check.file, args: [] });
    if (typeof main === "string") return fail(main);
    let late = false;
    vm.hook.setDeadline(deadline.at, () => {
      if (late) return;
      late = true;
      running.stop(new LuaError(deadline.reason(), 0));
    });
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort);
    const outcome = await vm.scheduler.run(main);
    if (exited !== undefined) return exited === 0 ? pass() : fail(`script exited with status ${exited}`);
    if (outcome.ok) return pass();
    if (outcome.cancelled) return fail(messageOf(main.cancelReason));
    return fail(errorText(vm.api, main.thread, -1, vm.L));
  } finally {
    signal.removeEventListener("abort", onAbort);
    vm.close();
    output.close();
  }
}

/**
 * The variables a check's VM sees: the process's, with the check's `env:` in front for reads
 * by name only (not listings or children, sandbox.md §3), and the script's own `env.set`s kept
 * to this VM (listings and children see those), so no check changes what a later one sees.
 */
function checkVariables(base: VariableProvider, checkEnv: Record<string, string>): VariableProvider {
  const overlay = new Map(Object.entries(checkEnv));
  // Names the script set (a value) or unset (undefined) itself.
  const own = new Map<string, string | undefined>();
  return {
    get: (name) => own.has(name) ? own.get(name) : overlay.has(name) ? overlay.get(name) : base.get(name),
    set: (name, value) => void own.set(name, value),
    entries() {
      const all = new Map(base.entries());
      for (const [name, value] of own) {
        if (value === undefined) all.delete(name);
        else all.set(name, value);
      }
      return [...all];
    },
  };
}
