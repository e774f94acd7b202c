/**
 * Runs one test file in a fresh VM (the same set-up as a script check's: the run's sandbox
 * policy, memory limit and runtime info), with the test harness installed, and returns the
 * file's report. Nothing survives from one file to the next: globals, `package.loaded`,
 * tasks and servers go with the VM, and the process environment (`env.set`) is put back as it
 * was. A file that cannot be read or loaded, or whose top level fails, is one failed result.
 *
 * What stops a file from outside: `--timeout` (per file; the hook stops Lua code that never
 * yields, a watchdog thread a call into C that never returns) and `os.exit`, which ends the
 * file, not the run. Either fails the test that was running (or the file, when none was) and
 * the tests after it do not run.
 *
 * @example
 * ```ts
 * const report = await runTestFile(setup, "tests/json_test.lua");
 * // { file: "tests/json_test.lua", wholeFile: false, tests: [...], filtered: 0, duration_ms: 31 }
 * ```
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createVm, type Vm } from "../vm.ts";
import { setArgTable } from "../run.ts";
import { loadMode, prepareSource } from "../source.ts";
import { errorText } from "../error-text.ts";
import { LUA_OK, LuaError } from "../lua-api.ts";
import { messageOf, type Task } from "../scheduler.ts";
import { osErrorText } from "../os-error.ts";
import { processVariables } from "../variables.ts";
import { delay } from "../timers.ts";
import { startWatchdog } from "../watchdog.ts";
import { TIMEOUT_EXIT_CODE, WATCHDOG_GRACE_MS } from "../limits.ts";
import { writeFailure } from "../log-sink.ts";
import type { LogSink } from "../log-sink.ts";
import type { Policy } from "../sandbox/policy.ts";
import type { RuntimeInfo } from "../plugin.ts";
import { type HarnessEvent, installHarness } from "./harness.ts";
import type { FileReport, TestResult } from "./types.ts";

/** What every test file's VM is made with. */
export interface FileSetup {
  policy: Policy;
  log: LogSink;
  logFormat: "text" | "json";
  runtime: Omit<RuntimeInfo, "scriptPath">;
  memoryLimit?: number;
  /** Seconds each file may take. */
  timeout?: number;
  /** Substring a test's full name must contain. */
  filter?: string;
  /** Takes what tests write to Lua's stdout and stderr (stdout carries the report). */
  output: (bytes: Uint8Array) => void;
}

export async function runTestFile(setup: FileSetup, file: string): Promise<FileReport> {
  const started = performance.now();
  const report = new FileResults(file, started);
  let source: Uint8Array;
  try {
    source = readFileSync(file);
  } catch (e) {
    return report.failedFile(`reading ${file}: ${osErrorText(e)}`);
  }
  const environment = { ...process.env };
  try {
    return await runInVm(setup, file, source, report);
  } finally {
    restoreEnvironment(environment);
  }
}

/** The results of one file as its events arrive. */
class FileResults {
  readonly tests: TestResult[] = [];
  filtered = 0;
  /** Registered tests, filtered ones included. */
  registered = 0;
  running: { name: string; at: number } | undefined;
  fileError: string | undefined;

  constructor(readonly file: string, readonly started: number) {}

  event(e: HarnessEvent): void {
    switch (e.kind) {
      case "start":
        this.registered++;
        this.running = { name: e.name, at: performance.now() };
        break;
      case "end":
        this.tests.push({ name: e.name, passed: e.message === null, duration_ms: this.since(this.running?.at), message: e.message });
        this.running = undefined;
        break;
      case "filtered":
        this.registered++;
        this.filtered++;
        break;
      case "file-error":
        this.fileError = e.message;
    }
  }

  /** Fails the running test, or the file when no test was running. */
  interrupted(message: string): void {
    if (this.running) {
      this.tests.push({ name: this.running.name, passed: false, duration_ms: this.since(this.running.at), message });
      this.running = undefined;
    } else this.tests.push(this.fileResult(false, message));
  }

  failedFile(message: string): FileReport {
    this.tests.push(this.fileResult(false, message));
    return this.done();
  }

  /** The file ran to its end: one result for the whole file when it registered no tests. */
  finished(filter: string | undefined): FileReport {
    if (this.fileError !== undefined) return this.failedFile(this.fileError);
    if (this.registered === 0 && this.tests.length === 0) {
      if (filter === undefined || this.file.includes(filter)) this.tests.push(this.fileResult(true, null));
      else this.filtered++;
    }
    return this.done();
  }

  done(): FileReport {
    const wholeFile = this.tests.length === 1 && this.tests[0].name === this.file && this.registered === 0;
    return { file: this.file, wholeFile, tests: this.tests, filtered: this.filtered, duration_ms: this.since(this.started) };
  }

  private fileResult(passed: boolean, message: string | null): TestResult {
    return { name: this.file, passed, duration_ms: this.since(this.started), message };
  }

  private since(at = this.started): number {
    return performance.now() - at;
  }
}

async function runInVm(setup: FileSetup, file: string, source: Uint8Array, results: FileResults): Promise<FileReport> {
  let vm: Vm | undefined;
  let stopped: string | undefined;
  const stop = (reason: string) => {
    if (stopped !== undefined || !vm) return;
    stopped = reason;
    vm.stop(new LuaError(reason, 0));
  };
  // os.exit ends the file, never the process, wherever it is called from (a finalizer at
  // close included): the run's report must still be written.
  const exit = (status: number): never => {
    const message = `os.exit(${status}) called: the rest of the test file did not run`;
    stop(message);
    throw new LuaError(message, 0);
  };
  try {
    vm = await createVm({
      policy: setup.policy,
      log: setup.log,
      vars: processVariables(),
      runtime: { ...setup.runtime, scriptPath: file },
      memoryLimit: setup.memoryLimit,
      scriptDir: dirname(file),
      exit,
      ownsProcess: false,
      output: (_fd, bytes) => setup.output(bytes),
    });
  } catch (e) {
    return results.failedFile(`creating Lua VM: ${(e as Error).message}`);
  }
  const disarm = setup.timeout === undefined ? () => {} : armFileTimeout(setup, file, stop, vm);
  try {
    const driver = installHarness(vm, {
      filter: setup.filter,
      report: (event) => {
        // Once stopped, the driver must not go on to the next test: ending it here is enough,
        // as its task is being cancelled anyway.
        if (stopped !== undefined) throw new LuaError(stopped, 0);
        results.event(event);
      },
    });
    const task = startFile(vm, driver, file, source);
    if (typeof task === "string") return results.failedFile(task);
    const outcome = await vm.scheduler.run(task);
    if (stopped !== undefined) results.interrupted(stopped);
    else if (outcome.cancelled) results.interrupted(messageOf(task.cancelReason ?? "the test file was stopped"));
    else if (!outcome.ok) results.interrupted(errorText(vm.api, task.thread, -1, vm.L));
    else return results.finished(setup.filter);
    return results.done();
  } catch (e) {
    return results.failedFile(`internal error: ${(e as Error).message ?? e}`);
  } finally {
    disarm();
    vm.close();
  }
}

/**
 * Loads the file as `lua` would its script (`arg[0]` is the file) and starts the driver with
 * its chunk as the VM's one task; a load error is returned as its message.
 */
function startFile(vm: Vm, driver: number, file: string, source: Uint8Array): Task | string {
  const { api, L, scheduler, ctx } = vm;
  if (api.load(L, prepareSource(source), "@" + file, loadMode(ctx.policy.profile)) !== LUA_OK) {
    const message = errorText(api, L, -1);
    api.pop(L);
    return message;
  }
  let task: Task | undefined;
  const failed = api.protect(L, 1, (P) => {
    setArgTable(api, P, ctx.runtime.executable, file, []);
    api.pushref(P, driver);
    api.pushvalue(P, 1);
    task = scheduler.spawn(P, 1, "main");
  });
  return failed ?? task ?? "the test file could not be started";
}

/** `--timeout` for one file: the timer and the hook stop the VM, the watchdog ends a stuck process. */
function armFileTimeout(setup: FileSetup, file: string, stop: (reason: string) => void, vm: Vm): () => void {
  const seconds = setup.timeout!;
  const reason = `timeout: test file exceeded ${seconds} s`;
  const deadline = Date.now() + seconds * 1000;
  const timer = delay(seconds * 1000, { unref: true });
  timer.promise.then((elapsed) => elapsed && stop(reason));
  vm.hook.setDeadline(deadline, () => stop(reason));
  let line = "";
  writeFailure(setup.logFormat, `test: ${file}: ${reason}`, (l) => (line = l));
  const stopWatchdog = startWatchdog(deadline + WATCHDOG_GRACE_MS, line, TIMEOUT_EXIT_CODE);
  return () => {
    timer.cancel();
    stopWatchdog();
  };
}

/** Puts the process environment back as it was before a file ran (`env.set` changes it). */
function restoreEnvironment(saved: Record<string, string | undefined>): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  for (const [name, value] of Object.entries(saved)) if (process.env[name] !== value) process.env[name] = value;
}
