/**
 * An OS failure in the words the reference prints (Rust's `io::Error` display):
 * `No such process (os error 3)`. Node and Bun word the same failure differently
 * (`kill ESRCH`, `kill() failed: ESRCH: No such process`); scripts and the spec's examples see
 * the strerror text and the errno.
 *
 * @example
 * ```ts
 * try { process.kill(pid, 0); } catch (e) { throw new LuaError(`process.kill: ... ${osErrorText(e)}`); }
 * ```
 */
import { getSystemErrorMap } from "node:util";
import { constants } from "node:os";

/** `<Strerror> (os error <n>)` for a Node system error; its own message for anything else. */
export function osErrorText(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const errno = typeof code === "string" ? (constants.errno as Record<string, number>)[code] : undefined;
  if (errno === undefined) return err instanceof Error ? err.message : String(err);
  // The map is keyed by libuv's negative numbers; its texts are strerror's, lower-cased.
  const text = getSystemErrorMap().get(-errno)?.[1] ?? code as string;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (os error ${errno})`;
}
