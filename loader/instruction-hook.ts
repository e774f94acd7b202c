/**
 * The count hook every VM carries: every HOOK_EVERY instructions of Lua code it checks
 * whether the running task was asked to stop (cancellation, VM stop) and whether the run's
 * deadline has passed. It is how Lua code that never yields is stopped from outside; a long
 * call into C (a pathological `string.find`) runs no instructions, so the deadline has an
 * off-thread backstop as well (watchdog.ts).
 *
 * @example
 * ```ts
 * const hook = new InstructionHook(api, L, scheduler);
 * hook.setDeadline(Date.now() + 5000, () => exitWithTimeout());
 * ```
 */
import type { LuaApi } from "./lua-api.ts";
import { messageOf, type Scheduler } from "./scheduler.ts";

const LUA_MASKCOUNT = 8;
/** Instructions between two checks: a few ms of work at most, and no measurable cost. */
export const HOOK_EVERY = 100_000;

export class InstructionHook {
  private deadline = Infinity;
  private onDeadline: (() => void) | null = null;

  constructor(private api: LuaApi, L: number, private scheduler: Scheduler) {
    // Threads created later (tasks, user coroutines) inherit the hook from the main state.
    const hook = api.m.addFunction((L: number, _ar: number) => this.check(L), "vii");
    api.m._lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
  }

  /** Calls `onDeadline` (which must not return to Lua normally: exit or stop) once `at` passes. */
  setDeadline(at: number, onDeadline: () => void): void {
    this.deadline = at;
    this.onDeadline = onDeadline;
  }

  private check(L: number): void {
    if (this.onDeadline && Date.now() >= this.deadline) this.onDeadline();
    if (this.scheduler.stopRequested) this.stop(L);
  }

  /**
   * Stops the running task: at its root, a hook may yield (with no values), which brings the
   * task back to the scheduler, which closes it. Inside a user coroutine or where Lua cannot
   * yield, an error is raised instead; the next check, back in the task's own code, yields.
   */
  private stop(L: number): void {
    const task = this.scheduler.current;
    if (task && task.thread === L && this.api.isyieldable(L)) {
      this.api.m._lua_yieldk(L, 0, 0, 0);
      return;
    }
    this.api.pushstring(L, task?.cancelReason === undefined ? "task cancelled" : messageOf(task.cancelReason));
    this.api.m._lua_error(L);
  }
}
