/**
 * The detail of a failed HTTP exchange as people read it: what the runtimes' fetch errors
 * mean by their code where the message says less, the cause Deno hides behind "fetch
 * failed", and without the runtime's advice to the JS programmer. Shared by the http builtin
 * and check mode's native http checks.
 *
 * @example
 * ```ts
 * try { await fetch("http://127.0.0.1:1/") } catch (e) { describe(e) } // "connection refused"
 * ```
 */

/** What the runtimes' fetch errors mean, by their code, where the message says less. */
const KNOWN_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ECONNRESET: "the connection was closed before the response was complete",
  ConnectionClosed: "the connection was closed before the response was complete",
  ENOTFOUND: "could not resolve the host name",
};

/** The detail of a failure, without the runtime's advice to the JS programmer. */
export function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const cause = (e as { cause?: unknown }).cause;
  let text = (typeof code === "string" && KNOWN_CODES[code]) || e.message;
  // Deno says "fetch failed" and puts the reason in the cause.
  if (cause instanceof Error && cause.message) text = /^fetch failed$/i.test(text) ? cause.message : `${text}: ${cause.message}`;
  text = text.replace(/\.?\s*For more information, pass `verbose: true`[\s\S]*$/, "");
  if (typeof code === "string" && code && !text.includes(code)) text += ` (${code})`;
  return text;
}
