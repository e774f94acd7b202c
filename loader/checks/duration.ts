/**
 * Check-mode duration strings (checks.md §1): a non-negative integer followed by `ms`, `s` or
 * `m`, surrounding whitespace allowed. Anything else (`1.5s`, `1h`, a bare `30`, a YAML
 * number) is refused with the spec's message, so a config that works here works on the
 * reference too.
 *
 * @example
 * ```ts
 * parseDuration(" 500ms ") // 500
 * parseDuration("5m")      // 300000
 * parseDuration("30")      // throws: unsupported duration format: "30" (use e.g. '120s', '5m', '500ms')
 * ```
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Milliseconds of a duration string; throws an Error with the spec's message otherwise. */
export function parseDuration(value: unknown): number {
  const text = typeof value === "string" ? value : String(value);
  const m = typeof value === "string" ? /^\s*(\d+)(ms|s|m)\s*$/.exec(value) : null;
  if (!m) throw new Error(`unsupported duration format: ${JSON.stringify(text)} (use e.g. '120s', '5m', '500ms')`);
  const ms = Number(m[1]) * UNITS[m[2]];
  // The reference parses into a u64: a number past that is its parse error, not a duration.
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid duration number ${JSON.stringify(m[1])}: number too large`);
  return ms;
}

/** How a duration reads back in messages: `2s`, `500ms`, `5m`. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
