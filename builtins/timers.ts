/**
 * Timers for the builtins that wait (`sleep`, `async.spawn_interval`). `setTimeout` fires at
 * once when asked for more than 2^31-1 ms, which would turn `sleep(30 * 86400)` into a busy
 * loop, so long waits are chained in steps the host accepts.
 */

/** The longest delay `setTimeout` honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A pending wait that can be cut short. */
export interface Delay {
  /** Resolves with true when the time is up, false when cancelled first. */
  promise: Promise<boolean>;
  cancel(): void;
}

/** Waits `ms` milliseconds (any finite or infinite length). */
export function delay(ms: number): Delay {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settle!: (elapsed: boolean) => void;
  const promise = new Promise<boolean>((resolve) => (settle = resolve));
  const deadline = performance.now() + ms;
  const arm = () => {
    const left = deadline - performance.now();
    if (left <= 0) return settle(true);
    timer = setTimeout(left > MAX_TIMEOUT_MS ? arm : () => settle(true), Math.min(left, MAX_TIMEOUT_MS));
  };
  arm();
  return {
    promise,
    cancel() {
      clearTimeout(timer);
      settle(false);
    },
  };
}
