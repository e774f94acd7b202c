/**
 * Runs Lua tasks (the main chunk, each `async.spawn`, later each request handler) as
 * coroutines. An async builtin calls `suspend` with the work to wait for: the calling
 * coroutine yields a sentinel that user coroutines forward outwards (see luastd/coroutine.ts)
 * until it reaches the task's root, where the scheduler waits for the work and then resumes
 * the task. The builtin's continuation then runs inside the original coroutine and pushes the
 * result or raises the error there, so pcall, <close> and the user's own coroutines work
 * around it.
 *
 * Every operation gets an AbortSignal. Cancelling a task (an act of the runtime: a timeout,
 * shutdown, closing the VM; scripts cannot cancel spawned tasks) aborts the operation it waits
 * for, closes the task's coroutine (its pending `<close>` variables run) and ends it as
 * "cancelled". A task busy in Lua code is stopped by the instruction hook (`stopRunning`).
 *
 * @example
 * ```ts
 * // in a builtin: wait for a timer that closing the VM or cancelling the task cuts short
 * return scheduler.suspend(L, (signal) => sleepFor(ms, signal).then(() => () => 0));
 * ```
 */
import { LUA_OK, LUA_TLIGHTUSERDATA, LUA_YIELD, type LuaApi, LuaError } from "./lua-api.ts";

/** Pushes an operation's results onto the resumed coroutine's stack; returns how many. */
export type Deliver = (L: number) => number;

/** The work a task waits for: a promise, or a function given the operation's abort signal. */
export type Work = Promise<Deliver> | ((signal: AbortSignal) => Promise<Deliver>);

interface Op {
  task?: Task;
  settled: boolean;
  deliver?: Deliver;
  /** Set when the work rejected (with whatever reason, `undefined` included). */
  failed: boolean;
  error?: unknown;
  controller: AbortController;
  /** The stack height of the suspended C function: its arguments stay for the continuation. */
  base: number;
}

export type TaskState = "ready" | "waiting" | "done" | "failed" | "cancelled";

/** One coroutine the scheduler drives from its root. */
export class Task {
  state: TaskState = "ready";
  /** Set once someone awaits the task (or it is the main task). */
  awaited = false;
  /** Why the task is being cancelled, once it is. */
  cancelReason: unknown = undefined;
  /** The operation the task waits for, while it waits. */
  op: number | undefined;
  private finished: Promise<void>;
  private finish!: () => void;

  constructor(readonly id: number, readonly thread: number, readonly ref: number, readonly label: string) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  /** Resolves when the task returns, fails or is cancelled. */
  done(): Promise<void> {
    return this.finished;
  }

  get ended(): boolean {
    return this.state === "done" || this.state === "failed" || this.state === "cancelled";
  }

  settle(state: "done" | "failed" | "cancelled"): void {
    this.state = state;
    this.finish();
  }
}

export interface TaskOutcome {
  ok: boolean;
  /** The task was cancelled (timeout, shutdown, VM closed): nothing on its stack. */
  cancelled?: boolean;
  /** Number of results (ok) or 1 (the error value), left on the task thread's stack. */
  count: number;
}

export type TaskEndListener = (task: Task, outcome: TaskOutcome) => void;

export class Scheduler {
  private ops = new Map<number, Op>();
  /** Operations created while the current task ran; any not claimed by its root is orphaned. */
  private fresh: number[] = [];
  private nextOp = 1;
  private nextTask = 1;
  private ready: Task[] = [];
  private wake: (() => void) | null = null;
  private tasksRef: number;
  private continuation: number;
  private pendingArgs = new Map<Task, number>();
  private listeners: TaskEndListener[] = [];
  /** Tasks that have not ended, for `cancelAll`. */
  private tasks = new Set<Task>();
  private closed = false;
  /** The task whose coroutine is running now, if any. */
  current: Task | null = null;
  /**
   * The instruction hook, once armed (instruction-hook.ts): coroutines made before it was
   * armed get it when they are next resumed (luastd/coroutine.ts).
   */
  hook: { fn: number; mask: number; count: number } | null = null;
  /** Light userdata address that marks a scheduler yield. */
  readonly sentinel: number;
  /** Called when no Lua code is running and the scheduler waits for I/O or timers. */
  readonly idleHooks: (() => void)[] = [];
  /** Called when Lua code is about to run again. */
  readonly busyHooks: (() => void)[] = [];

  constructor(private api: LuaApi, private L: number) {
    this.sentinel = api.m._malloc(1);
    // A weak-keyed set of task threads, shared with the coroutine functions and require.
    api.newtable(L);
    api.newtable(L);
    api.pushstring(L, "k");
    api.setfield(L, -2, "__mode");
    api.setmetatable(L, -2);
    this.tasksRef = api.ref(L);
    this.continuation = api.kfunction((co, _status, ctx) => this.resumeOp(co, ctx));
  }

  /** Operations started and not yet delivered (for tests: it must not grow with abandoned ones). */
  get pendingOperations(): number {
    return this.ops.size;
  }

  /** Pushes the weak set of task threads. */
  pushTaskSet(L: number): void {
    this.api.pushref(L, this.tasksRef);
  }

  /**
   * Adds a listener called when a task other than the one `run` waits for ends; returns a
   * function that removes it.
   */
  onTaskEnd(listener: TaskEndListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Suspends the calling coroutine until `work` settles, then delivers its result in that
   * coroutine. Call as `return scheduler.suspend(L, work)` from a C function. The work's
   * signal is aborted when the task is cancelled or the VM closes.
   */
  suspend(L: number, work: Work): number {
    if (!this.api.isyieldable(L)) {
      throw new LuaError("attempt to yield across a C-call boundary");
    }
    if (this.closed) throw new LuaError("the Lua VM was closed", 0);
    const id = this.nextOp++;
    const op: Op = { settled: false, failed: false, controller: new AbortController(), base: this.api.gettop(L) };
    this.ops.set(id, op);
    this.fresh.push(id);
    const promise = typeof work === "function" ? work(op.controller.signal) : work;
    // An operation already settled by `interrupt` keeps the error it was given.
    promise.then(
      (deliver) => {
        if (!op.settled) op.deliver = deliver;
      },
      (error) => {
        if (op.settled) return;
        op.failed = true;
        op.error = error;
      },
    ).finally(() => {
      op.settled = true;
      if (op.task && op.task.op === id && !this.closed) this.schedule(op.task);
    });
    this.api.pushlightuserdata(L, this.sentinel);
    this.api.pushinteger(L, id);
    return this.api.yieldk(L, 2, id, this.continuation);
  }

  private resumeOp(co: number, id: number): number {
    const op = this.ops.get(id);
    this.ops.delete(id);
    this.api.settop(co, op ? op.base : 0);
    if (!op) throw new LuaError("the operation this coroutine waited for was abandoned (it could not yield to the scheduler)");
    if (!op.settled) throw new LuaError("assay: scheduler: resumed before its operation settled");
    if (op.failed) throw op.error instanceof LuaError ? op.error : new LuaError(messageOf(op.error));
    return op.deliver ? op.deliver(co) : 0;
  }

  /**
   * Creates a task running the function on top of L's stack (popped) with the `nargs`
   * arguments below it... they are moved along. It starts at the next scheduling point.
   */
  spawn(L: number, nargs: number, label: string): Task {
    if (this.closed) throw new LuaError("the Lua VM was closed", 0);
    const api = this.api;
    const thread = api.newthread(L);
    // Mark as a task root before anything runs on it.
    api.pushref(L, this.tasksRef);
    api.pushvalue(L, -2);
    api.pushboolean(L, true);
    api.rawset(L, -3);
    api.pop(L);
    const ref = api.ref(L);
    // Stack now: ... fn args...
    api.xmove(L, thread, nargs + 1);
    const task = new Task(this.nextTask++, thread, ref, label);
    this.tasks.add(task);
    task.done().then(() => this.tasks.delete(task));
    this.pendingArgs.set(task, nargs);
    this.schedule(task);
    return task;
  }

  private schedule(task: Task): void {
    if (task.ended) return;
    task.state = "ready";
    this.ready.push(task);
    this.wakeUp();
  }

  /**
   * Runs ready tasks until `main` ends (or the VM closes); resolves with its outcome. Other
   * tasks' ends go to the task-end listeners.
   */
  async run(main: Task): Promise<TaskOutcome> {
    main.awaited = true;
    let result: TaskOutcome | undefined;
    await this.drive(main, (outcome) => (result = outcome), () => main.ended);
    return result ?? { ok: false, cancelled: true, count: 0 };
  }

  /**
   * Runs ready tasks until `until` settles (or the VM closes): the run goes on after its main
   * task has returned while a service (a server) still has tasks to run. Tasks' ends go to
   * the task-end listeners.
   */
  async runUntil(until: Promise<unknown>): Promise<void> {
    let settled = false;
    const done = () => {
      settled = true;
      this.wakeUp();
    };
    until.then(done, done);
    await this.drive(null, () => {}, () => settled);
  }

  /** The scheduling loop: `main`'s outcome goes to `onMain`, it stops once `stop()` holds. */
  private async drive(main: Task | null, onMain: (outcome: TaskOutcome) => void, stop: () => boolean): Promise<void> {
    for (;;) {
      while (this.ready.length) {
        const task = this.ready.shift()!;
        const outcome = this.step(task);
        if (outcome) {
          if (task === main) return onMain(outcome);
          for (const listener of [...this.listeners]) listener(task, outcome);
        }
      }
      if (this.closed || stop()) return;
      for (const hook of this.idleHooks) hook();
      await new Promise<void>((resolve) => (this.wake = resolve));
      for (const hook of this.busyHooks) hook();
    }
  }

  private wakeUp(): void {
    if (!this.wake) return;
    const wake = this.wake;
    this.wake = null;
    wake();
  }

  /** Resumes a task once; returns its outcome if it ended. */
  private step(task: Task): TaskOutcome | null {
    if (task.ended) return null;
    if (task.cancelReason !== undefined) return this.finishCancel(task);
    const api = this.api;
    const nargs = this.pendingArgs.get(task) ?? 0;
    this.pendingArgs.delete(task);
    this.current = task;
    this.fresh.length = 0;
    let status: number, nres: number;
    try {
      [status, nres] = api.resume(task.thread, this.L, nargs);
    } finally {
      this.current = null;
    }
    const claimed = status === LUA_YIELD ? this.claim(task, nres) : undefined;
    this.dropOrphans(claimed);
    if (status === LUA_YIELD) {
      if (task.cancelReason !== undefined) return this.finishCancel(task);
      if (claimed !== undefined) return null;
      // A plain yield at a task root (a hook yielding the task): resume it later. Only the
      // yielded values go; below them is the frame of whatever yielded.
      api.pop(task.thread, nres);
      this.schedule(task);
      return null;
    }
    if (status === LUA_OK) {
      task.settle("done");
      return { ok: true, count: nres };
    }
    if (task.cancelReason !== undefined) return this.finishCancel(task);
    task.settle("failed");
    return { ok: false, count: 1 };
  }

  /** Takes the operation a yield brought to the task's root; returns its id. */
  private claim(task: Task, nres: number): number | undefined {
    const api = this.api, co = task.thread;
    if (nres !== 2 || api.type(co, -2) !== LUA_TLIGHTUSERDATA || api.topointer(co, -2) !== this.sentinel) return;
    const id = Number(api.tointeger(co, -1));
    // Pop the yielded pair only: the suspended C function's arguments stay for its continuation.
    api.pop(co, 2);
    const op = this.ops.get(id);
    if (!op) return;
    op.task = task;
    task.op = id;
    task.state = "waiting";
    if (op.settled) this.schedule(task);
    return id;
  }

  /** Drops an operation nobody can receive any more (see luastd/coroutine.ts). */
  abandon(id: number): void {
    const op = this.ops.get(id);
    if (!op || op.task) return;
    this.ops.delete(id);
    op.controller.abort(new LuaError("abandoned", 0));
  }

  /**
   * Operations started during the last step that never reached a task root: forwarding the
   * yield failed (a coroutine resumed where Lua cannot yield). Nobody will deliver them.
   */
  private dropOrphans(claimed: number | undefined): void {
    for (const id of this.fresh) if (id !== claimed) this.abandon(id);
    this.fresh.length = 0;
  }

  /**
   * Cancels a task: aborts what it waits for and closes its coroutine. A task running Lua
   * code right now stops at its next instruction-hook check (see limits.ts); one that waits or
   * is ready ends at once. Returns false when the task had already ended.
   */
  cancel(task: Task, reason: unknown = new LuaError("task cancelled", 0)): boolean {
    if (task.ended) return false;
    if (task.cancelReason === undefined) task.cancelReason = reason;
    if (task === this.current) return true;
    const op = task.op === undefined ? undefined : this.ops.get(task.op);
    if (op) {
      this.ops.delete(task.op!);
      op.controller.abort(reason);
    }
    this.schedule(task);
    return true;
  }

  /**
   * Makes the operation `task` waits for fail now with `error`, which its continuation raises
   * in the task (so `pcall` can catch it): how Ctrl-C reaches a REPL line that waits, as
   * "interrupted!". The work itself is aborted. Returns false when the task is not waiting.
   */
  interrupt(task: Task, error: LuaError): boolean {
    const id = task.op;
    const op = id === undefined ? undefined : this.ops.get(id);
    if (task.ended || task.state !== "waiting" || !op) return false;
    op.failed = true;
    op.error = error;
    op.settled = true;
    op.controller.abort(error);
    // The work's own settling later must not schedule the task again.
    task.op = undefined;
    this.schedule(task);
    return true;
  }

  /** The threads of the tasks that have not ended. */
  liveThreads(): number[] {
    return [...this.tasks].filter((t) => !t.ended).map((t) => t.thread);
  }

  /** Cancels every task that has not ended (the VM is being stopped). */
  cancelAll(reason: unknown): void {
    for (const task of this.tasks) this.cancel(task, reason);
  }

  private finishCancel(task: Task): TaskOutcome {
    this.pendingArgs.delete(task);
    // An operation it started after being cancelled (while still running) goes too.
    if (task.op !== undefined) {
      const op = this.ops.get(task.op);
      this.ops.delete(task.op);
      op?.controller.abort(task.cancelReason);
    }
    task.op = undefined;
    // Runs the coroutine's pending <close> variables; their errors are dropped with it.
    this.api.m._lua_resetthread(task.thread, this.L);
    this.api.settop(task.thread, 0);
    task.settle("cancelled");
    return { ok: false, cancelled: true, count: 0 };
  }

  /** Whether the running task should stop (the instruction hook asks). */
  get stopRequested(): boolean {
    return this.current?.cancelReason !== undefined;
  }

  /** Releases a finished task's thread. */
  release(task: Task): void {
    if (!this.closed) this.api.unref(this.L, task.ref);
  }

  /** Aborts every operation and stops scheduling; `run` returns as cancelled. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = new LuaError("the Lua VM was closed", 0);
    for (const op of this.ops.values()) op.controller.abort(reason);
    this.ops.clear();
    this.ready.length = 0;
    // Each task's pending <close> variables run, and whoever waits for a task in JS (an
    // interval, an await) goes on.
    for (const task of [...this.tasks]) {
      if (task.ended || task === this.current) continue;
      task.cancelReason ??= reason;
      this.finishCancel(task);
    }
    this.wakeUp();
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
