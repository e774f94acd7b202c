/**
 * The two ways an attempt ends, as every check type reports them.
 *
 * @example
 * ```ts
 * return status === 200 ? pass() : fail(`expected status 200, got ${status}`);
 * ```
 */
import type { Outcome } from "./types.ts";

export const pass = (message: string | null = null): Outcome => ({ passed: true, message });
export const fail = (message: string): Outcome => ({ passed: false, message });
