/**
 * The JavaScript stacks of unexpected JS errors (bugs) that reached Lua as error messages: a
 * Lua error is a string, so the stack would be lost on the way. The uncaught-error report finds
 * the stack again by the message and shows it at debug level (`-v`), so a bug in a builtin can
 * be traced to its line.
 *
 * @example
 * ```ts
 * jsErrors.record("http.get: cannot read properties of undefined", error.stack);
 * jsErrors.find("job.lua:3: http.get: cannot read properties of undefined"); // the stack
 * ```
 */
const KEEP = 32;

export class JsErrors {
  private stacks = new Map<string, string>();

  /** Remembers the stack of the error that became Lua error `message` (the most recent 32). */
  record(message: string, stack: string): void {
    this.stacks.delete(message);
    this.stacks.set(message, stack);
    if (this.stacks.size > KEEP) this.stacks.delete(this.stacks.keys().next().value!);
  }

  /** The stack of a recorded error whose message ends `text` (Lua adds a position before it). */
  find(text: string): string | undefined {
    for (const [message, stack] of this.stacks) if (text.endsWith(message)) return stack;
    return undefined;
  }
}
