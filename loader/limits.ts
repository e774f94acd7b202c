/**
 * The wall-clock limit of a run (`--timeout`, 60 s by default in `restricted`). A timer
 * catches runs waiting on I/O; the instruction hook catches Lua code that never yields; the
 * watchdog thread catches a long call into C. All three end the run the same way: the
 * `assay: timeout: run exceeded N s` line (a JSON record under `--log-format json`) and exit
 * code 124. It is not catchable from Lua.
 */
import type { Vm } from "./vm.ts";
import type { ProfileName } from "./sandbox/policy.ts";
import { writeFailure } from "./log-sink.ts";
import { startWatchdog } from "./watchdog.ts";
import { delay } from "./timers.ts";

export const TIMEOUT_EXIT_CODE = 124;
/** Default wall-clock limit of the `restricted` profile, in seconds (README item 5). */
export const RESTRICTED_TIMEOUT = 60;
/** How long after the deadline the watchdog thread acts when the Lua thread has not. */
export const WATCHDOG_GRACE_MS = 500;

/** The limit a run gets: the flag when given, else the profile's default (none in full/pure). */
export function effectiveTimeout(profile: ProfileName, flag: number | undefined): number | undefined {
  return flag ?? (profile === "restricted" ? RESTRICTED_TIMEOUT : undefined);
}

/** Stops the run with exit code 124 once `seconds` have passed; returns a disarm function. */
export function armTimeout(vm: Vm, seconds: number, logFormat: "text" | "json" = "text"): () => void {
  const deadline = Date.now() + seconds * 1000;
  const expire = () => {
    vm.ctx.flushStdio();
    return vm.ctx.exit(TIMEOUT_EXIT_CODE);
  };
  const disarm = armProcessTimeout(seconds, logFormat, expire);
  vm.hook.setDeadline(deadline, () => {
    writeFailure(logFormat, timeoutMessage(seconds));
    expire();
  });
  return disarm;
}

/**
 * The part of `--timeout` that needs no VM (check mode, whose VMs come and go): a timer that
 * writes the line and ends the process with 124 through `exit`, and the watchdog behind it.
 */
export function armProcessTimeout(
  seconds: number,
  logFormat: "text" | "json",
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const message = timeoutMessage(seconds);
  // delay() also waits past setTimeout's 2^31-1 ms (24.8 days) limit.
  const timer = delay(seconds * 1000, { unref: true });
  timer.promise.then((elapsed) => {
    if (!elapsed) return;
    writeFailure(logFormat, message);
    exit(TIMEOUT_EXIT_CODE);
  });
  let line = "";
  writeFailure(logFormat, message, (l) => (line = l));
  const disarm = startWatchdog(Date.now() + seconds * 1000 + WATCHDOG_GRACE_MS, line, TIMEOUT_EXIT_CODE);
  return () => {
    timer.cancel();
    disarm();
  };
}

function timeoutMessage(seconds: number): string {
  return `timeout: run exceeded ${seconds} s`;
}
