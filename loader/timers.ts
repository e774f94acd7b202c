/**
 * Timers for everything that waits (`sleep`, `async.spawn_interval`, `--timeout`). `setTimeout` fires at
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

/**
 * Waits `ms` milliseconds (any finite or infinite length). `unref`: the wait alone does not keep
 * the process alive.
 */
export function delay(ms: number, options: { unref?: boolean } = {}): Delay {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settle!: (elapsed: boolean) => void;
  const promise = new Promise<boolean>((resolve) => (settle = resolve));
  const deadline = performance.now() + ms;
  // Even a wait of 0 goes through a timer: settling at once would resume the task from a
  // microtask, and a loop of `sleep(0)` would then starve every timer and I/O callback.
  const arm = () => {
    const left = deadline - performance.now();
    timer = setTimeout(left > MAX_TIMEOUT_MS ? arm : () => settle(true), Math.max(0, Math.min(left, MAX_TIMEOUT_MS)));
    if (options.unref) (timer as { unref?: () => void }).unref?.();
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

/** Waits `ms`; the signal cuts the wait short and rejects with its reason. */
export async function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  const wait = delay(ms);
  const stop = () => wait.cancel();
  signal.addEventListener("abort", stop, { once: true });
  try {
    await wait.promise;
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (signal.aborted) throw signal.reason;
}
