/**
 * The wall-clock limit of a run (`--timeout`, 60 s by default in `restricted`). A timer
 * catches runs waiting on I/O; a count hook catches Lua code that never yields.
 */
import { writeSync } from "node:fs";
import type { Vm } from "./vm.ts";
import type { ProfileName } from "./sandbox/policy.ts";

const LUA_MASKCOUNT = 8;
/** Instructions between two clock reads: frequent enough to stop within a few ms, cheap. */
const HOOK_EVERY = 100_000;

export const TIMEOUT_EXIT_CODE = 124;
/** Default wall-clock limit of the `restricted` profile, in seconds (README item 5). */
export const RESTRICTED_TIMEOUT = 60;

/** The limit a run gets: the flag when given, else the profile's default (none in full/pure). */
export function effectiveTimeout(profile: ProfileName, flag: number | undefined): number | undefined {
  return flag ?? (profile === "restricted" ? RESTRICTED_TIMEOUT : undefined);
}

/** Stops the run with exit code 124 once `seconds` have passed; not catchable from Lua. */
export function armTimeout(vm: Vm, seconds: number): void {
  const deadline = Date.now() + seconds * 1000;
  const expire = (): never => {
    vm.ctx.flushStdio();
    writeSync(2, `assay: timeout: run exceeded ${seconds} s\n`);
    return vm.ctx.exit(TIMEOUT_EXIT_CODE);
  };
  const timer = setTimeout(expire, seconds * 1000);
  (timer as { unref?: () => void }).unref?.();
  // Threads created later (tasks, user coroutines) inherit the hook from the main state.
  const hook = vm.api.m.addFunction((_L: number, _ar: number) => {
    if (Date.now() >= deadline) expire();
  }, "vii");
  vm.api.m._lua_sethook(vm.L, hook, LUA_MASKCOUNT, HOOK_EVERY);
}
