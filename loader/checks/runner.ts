/**
 * Runs a check config (checks.md §5, README item 6): each check with its retries and linear
 * backoff (the wait before retry n is backoff × n), each attempt under the check's own
 * `timeout` when it has one, everything under the run's global `timeout`. Checks run in
 * dependency order (plan.ts), one at a time, or with `parallel: true` up to `max_parallel` at
 * once; the report lists them in config order either way. A check whose dependency did not
 * pass is skipped, which counts as a failure. When the global timeout passes, whatever runs is
 * stopped and every check without a result gets `global timeout of <n>s exceeded`.
 *
 * @example
 * ```ts
 * const report = await runChecks(config, { attempt: runAttempt, events: logLines(log) });
 * ```
 */
import { delay, sleepFor } from "../timers.ts";
import { formatDuration } from "./duration.ts";
import type { AttemptDeadline, CheckConfig, CheckReport, CheckResult, CheckSpec, Millis, Outcome, RunEvents } from "./types.ts";

/** Runs one attempt of a check; must end soon after `signal` aborts. */
export type AttemptRunner = (check: CheckSpec, signal: AbortSignal, deadline: AttemptDeadline) => Promise<Outcome>;

export interface RunnerOptions {
  attempt: AttemptRunner;
  events: RunEvents;
}

/** How long stopped attempts get to wind down after the global timeout before the report. */
const WIND_DOWN_MS = 2000;

/** Runs every check of the config; resolves with the report. */
export async function runChecks(config: CheckConfig, options: RunnerOptions): Promise<CheckReport> {
  const started = performance.now();
  const results: (CheckResult | undefined)[] = config.checks.map(() => undefined);
  const run = new AbortController();
  const globalDeadline = Date.now() + config.timeout;
  const timeoutMessage = `global timeout of ${Math.floor(config.timeout / 1000)}s exceeded`;
  const expire = () => {
    if (run.signal.aborted) return;
    options.events.globalTimeout(config.timeout);
    run.abort(new Error(timeoutMessage));
  };
  const timer = delay(config.timeout, { unref: true });
  const timedOut = timer.promise.then((elapsed) => elapsed && expire());
  // A script computing without a break holds the event loop past the deadline, so the timer
  // fires late: the clock is also read between checks.
  const due = () => {
    if (Date.now() >= globalDeadline) expire();
    return run.signal.aborted;
  };

  const finish = (check: CheckSpec, result: CheckResult) => {
    if (results[check.index] !== undefined) return;
    results[check.index] = result;
    options.events.completed(check, result);
  };
  const needs = config.dependencies;
  const limit = config.parallel ? config.max_parallel : 1;
  const running = new Map<number, Promise<void>>();
  const pending = [...config.order];
  // Attempts still going, even those a timeout has already given up on: the run waits for
  // them to release their VMs and sockets before it reports.
  const inFlight = new Set<Promise<unknown>>();
  const attempt: AttemptRunner = (check, signal, deadline) => {
    const p = options.attempt(check, signal, deadline);
    const tracked = p.catch(() => {}).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return p;
  };

  const runOne = async (check: CheckSpec) => {
    const result = await attempts(check, attempt, options.events, run.signal, globalDeadline, timeoutMessage);
    // An attempt that ends past the deadline was cut off by it (checks.md §5: "including the
    // one in progress"), whatever it reported as it stopped.
    if (!due()) finish(check, result);
  };

  while (!due() && (pending.length || running.size)) {
    // Start what may start: dependencies all done, fewest first in run order.
    for (let k = 0; k < pending.length && running.size < limit && !due();) {
      const i = pending[k];
      const deps = needs[i];
      if (deps.some((d) => results[d] === undefined)) {
        k++;
        continue;
      }
      pending.splice(k, 1);
      const blocker = deps.find((d) => !results[d]!.passed);
      const check = config.checks[i];
      if (blocker !== undefined) {
        const what = results[blocker]!.skipped ? "was skipped" : "failed";
        finish(check, {
          name: check.name,
          passed: false,
          skipped: true,
          duration_ms: 0,
          message: `skipped: needs ${JSON.stringify(config.checks[blocker].name)}, which ${what}`,
        });
        // A skip can free others that were waiting on it: look again from the start.
        k = 0;
        continue;
      }
      running.set(i, runOne(check).finally(() => running.delete(i)));
    }
    if (!running.size || run.signal.aborted) break;
    await Promise.race([...running.values(), timedOut]);
  }
  if (run.signal.aborted) {
    for (const check of config.checks) {
      finish(check, { name: check.name, passed: false, duration_ms: 0, message: timeoutMessage });
    }
  }
  // Stopped attempts end within moments; the bound only guards against one that does not.
  const windDown = delay(WIND_DOWN_MS, { unref: true });
  await Promise.race([Promise.allSettled([...inFlight]), windDown.promise]);
  windDown.cancel();
  timer.cancel();
  const checks = results as CheckResult[];
  return { passed: checks.every((r) => r.passed), checks, duration_ms: Math.floor(performance.now() - started) };
}

/** A check's attempts, with backoff between them; the last attempt's result. */
async function attempts(
  check: CheckSpec,
  run: AttemptRunner,
  events: RunEvents,
  runSignal: AbortSignal,
  globalDeadline: number,
  timeoutMessage: string,
): Promise<CheckResult> {
  const max = check.retries + 1;
  for (let attempt = 1;; attempt++) {
    events.attempt(check, attempt, max);
    const t0 = performance.now();
    const outcome = await oneAttempt(check, run, runSignal, globalDeadline, timeoutMessage);
    const result: CheckResult = {
      name: check.name,
      passed: outcome.passed,
      duration_ms: Math.floor(performance.now() - t0),
      message: outcome.message,
    };
    // Past the global deadline the run is over, even if its timer has not fired yet (the hook
    // can stop a busy script a moment before the timer gets its turn).
    if (outcome.passed || attempt === max || runSignal.aborted || Date.now() >= globalDeadline) return result;
    const wait: Millis = check.backoff * attempt;
    events.retrying(check, attempt, max, wait, outcome.message ?? "");
    try {
      await sleepFor(wait, runSignal);
    } catch {
      return result;
    }
  }
}

/** One attempt under the check's own timeout (if any) and the run's. */
async function oneAttempt(
  check: CheckSpec,
  run: AttemptRunner,
  runSignal: AbortSignal,
  globalDeadline: number,
  timeoutMessage: string,
): Promise<Outcome> {
  const own = check.timeout;
  const ownMessage = own === undefined ? "" : `check timed out after ${formatDuration(own)}`;
  const attemptDeadline = own === undefined ? Infinity : Date.now() + own;
  const controller = new AbortController();
  const stopOnRun = () => controller.abort(runSignal.reason);
  runSignal.addEventListener("abort", stopOnRun);
  const timer = own === undefined ? undefined : delay(own, { unref: true });
  timer?.promise.then((elapsed) => elapsed && controller.abort(new Error(ownMessage)));
  const deadline: AttemptDeadline = {
    at: Math.min(attemptDeadline, globalDeadline),
    reason: () => (Date.now() >= globalDeadline ? timeoutMessage : ownMessage),
  };
  try {
    const stopped = new Promise<Outcome>((resolve) => {
      controller.signal.addEventListener("abort", () => {
        const reason = controller.signal.reason;
        resolve({ passed: false, message: reason instanceof Error ? reason.message : String(reason) });
      });
    });
    // Whatever the attempt does with the signal, the timeout wins the race.
    const attempt = run(check, controller.signal, deadline);
    // Losing the race, it still ends (and may fail) later: nobody waits for that.
    attempt.catch(() => {});
    return await Promise.race([attempt, stopped]);
  } catch (e) {
    return { passed: false, message: (e as Error).message };
  } finally {
    timer?.cancel();
    runSignal.removeEventListener("abort", stopOnRun);
    if (!controller.signal.aborted) controller.abort(new Error("attempt ended"));
  }
}
