/**
 * The count hook a VM gets once something may have to stop its Lua code: every HOOK_EVERY
 * instructions it checks whether the running task was asked to stop (cancellation, VM stop)
 * and whether the run's deadline has passed. It is how Lua code that never yields is stopped
 * from outside; a long call into C (a pathological `string.find`) runs no instructions, so the
 * deadline has an off-thread backstop as well (watchdog.ts). Until then there is no hook, as
 * in `lua5.4` (the official suite checks that `debug.gethook()` is nil).
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

  private hook = 0;
  /**
   * Why the VM was stopped, once it is: Lua code running outside any task (a finalizer, an
   * error's __tostring) cannot be cancelled like a task and gets this as an error instead.
   */
  private stopReason: unknown = undefined;
  private interrupted: ((L: number) => boolean) | null = null;

  constructor(private api: LuaApi, private L: number, private scheduler: Scheduler) {}

  /**
   * Installs the hook on the main state (threads created later inherit it) and on every task
   * that exists already. Idempotent.
   */
  arm(): void {
    if (this.hook) return;
    const m = this.api.m;
    this.hook = m.addFunction((L: number, _ar: number) => this.check(L), "vii");
    this.scheduler.hook = { fn: this.hook, mask: LUA_MASKCOUNT, count: HOOK_EVERY };
    m._lua_sethook(this.L, this.hook, LUA_MASKCOUNT, HOOK_EVERY);
    for (const thread of this.scheduler.liveThreads()) m._lua_sethook(thread, this.hook, LUA_MASKCOUNT, HOOK_EVERY);
  }

  /** Calls `onDeadline` (which must not return to Lua normally: exit or stop) once `at` passes. */
  setDeadline(at: number, onDeadline: () => void): void {
    this.deadline = at;
    this.onDeadline = onDeadline;
    this.arm();
  }

  /**
   * The VM is being stopped: Lua code outside tasks is stopped too from now on, and the task
   * running now (if any) at its very next instruction rather than the next regular check, so a
   * `pcall(os.exit, 0)` cannot run on for long.
   */
  stopping(reason: unknown): void {
    this.stopReason ??= reason;
    this.arm();
    const task = this.scheduler.current;
    if (task) this.api.m._lua_sethook(task.thread, this.hook, LUA_MASKCOUNT, 1);
  }

  /**
   * Asks `interrupted(L)` at every check (null: no longer); when it answers true, the running
   * code gets the error "interrupted!" with the caller's position, as from lua.c's hook
   * after a Ctrl-C (see repl/interrupt.ts).
   */
  setInterrupt(interrupted: ((L: number) => boolean) | null): void {
    this.interrupted = interrupted;
    if (interrupted) this.arm();
  }

  private check(L: number): void {
    if (this.onDeadline && Date.now() >= this.deadline) this.onDeadline();
    if (this.scheduler.stopRequested || (this.stopReason !== undefined && !this.scheduler.current)) return this.stop(L);
    if (this.interrupted?.(L)) {
      this.api.m._luaL_where(L, 1);
      this.api.pushstring(L, "interrupted!");
      this.api.m._lua_concat(L, 2);
      this.api.m._lua_error(L);
    }
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
    const reason = task?.cancelReason ?? this.stopReason;
    this.api.pushstring(L, reason === undefined ? "task cancelled" : messageOf(reason));
    this.api.m._lua_error(L);
  }
}
