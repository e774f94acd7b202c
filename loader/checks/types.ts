/**
 * The shapes check mode passes between its parts: the validated config (config.ts), one
 * check's outcome and the whole run's report (runner.ts), and the events the progress view
 * and the log lines are drawn from (progress.ts).
 *
 * @example
 * ```ts
 * const report: CheckReport = { passed: true, checks: [], duration_ms: 3 };
 * ```
 */

/** Durations are kept in milliseconds. */
export type Millis = number;

/** `expect` of an http or prometheus check (spec keys plus the http extras). */
export interface Expect {
  status?: number;
  body?: string;
  json?: string;
  min?: number;
  max?: number;
  /** Response headers that must be present with exactly this value (names case-insensitive). */
  headers?: Record<string, string>;
  /** A regular expression (RE2 syntax, as the `regex` builtin) the body must match. */
  body_matches?: string;
  max_latency_ms?: number;
}

export interface CheckSpec {
  /** Position in the config's `checks` list. */
  index: number;
  name: string;
  type: "http" | "prometheus" | "script";
  url?: string;
  expect?: Expect;
  follow_redirects: boolean;
  query?: string;
  file?: string;
  /** Overlay seen by `env.get` in a script check. */
  env: Record<string, string>;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Extra attempts after a failure; the run's `retries` unless the check sets its own. */
  retries: number;
  backoff: Millis;
  /** Limit of one attempt, when set. */
  timeout?: Millis;
  /** Names of checks that must pass before this one runs. */
  needs: string[];
}

export interface CheckConfig {
  /** Wall-clock limit of the whole run. */
  timeout: Millis;
  retries: number;
  backoff: Millis;
  parallel: boolean;
  max_parallel: number;
  checks: CheckSpec[];
  /** Check indices in run order (plan.ts). */
  order: number[];
  /** For each check, the indices of the checks it needs. */
  dependencies: number[][];
}

/** How one attempt of a check ended. */
export interface Outcome {
  passed: boolean;
  message: string | null;
}

/**
 * When an attempt must end (epoch ms, the earlier of its own timeout and the run's) and the
 * message it then ends with; Lua code that never yields is stopped by the hook at `at`.
 */
export interface AttemptDeadline {
  at: number;
  reason: () => string;
}

/** One check's line in the report; key order is the JSON's (checks.md §6). */
export interface CheckResult {
  name: string;
  passed: boolean;
  /** Present (true) only when the check was not run because a dependency failed. */
  skipped?: true;
  /** The last attempt's wall time; 0 when skipped or cut off by the global timeout. */
  duration_ms: number;
  /** Why it failed, the prometheus no-expect note, or null. */
  message: string | null;
}

export interface CheckReport {
  passed: boolean;
  checks: CheckResult[];
  /** Wall time of the whole run. */
  duration_ms: number;
}

/** What the runner tells the progress view (or the plain log lines) as the run goes. */
export interface RunEvents {
  /** An attempt begins (attempt counts from 1). */
  attempt(check: CheckSpec, attempt: number, maxAttempts: number): void;
  /** An attempt failed and another follows after `backoff` ms. */
  retrying(check: CheckSpec, attempt: number, maxAttempts: number, backoff: Millis, message: string): void;
  /** The check has its final result (also for skipped and timed-out checks). */
  completed(check: CheckSpec, result: CheckResult): void;
  /** The global timeout passed; the remaining checks are being cut off. */
  globalTimeout(timeout: Millis): void;
}
