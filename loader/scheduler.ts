/**
 * Runs Lua tasks (the main chunk, each `async.spawn`, later each request handler) as
 * coroutines. An async builtin calls `suspend` with a promise: the calling coroutine yields a
 * sentinel that user coroutines forward outwards (see luastd/coroutine.ts) until it reaches the
 * task's root, where the scheduler waits for the promise and then resumes the task. The
 * builtin's continuation then runs inside the original coroutine and pushes the result or
 * raises the error there, so pcall, <close> and the user's own coroutines work around it.
 */
import { LUA_OK, LUA_TLIGHTUSERDATA, LUA_YIELD, type LuaApi, LuaError } from "./lua-api.ts";

/** Pushes an operation's results onto the resumed coroutine's stack; returns how many. */
export type Deliver = (L: number) => number;

interface Op {
  task?: Task;
  settled: boolean;
  deliver?: Deliver;
  error?: unknown;
}

export type TaskState = "ready" | "waiting" | "done" | "failed";

/** One coroutine the scheduler drives from its root. */
export class Task {
  state: TaskState = "ready";
  /** Set once someone awaits the task (or it is the main task). */
  awaited = false;
  private finished: Promise<void>;
  private finish!: () => void;

  constructor(readonly id: number, readonly thread: number, readonly ref: number, readonly label: string) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  /** Resolves when the task returns or fails. */
  done(): Promise<void> {
    return this.finished;
  }

  settle(state: "done" | "failed"): void {
    this.state = state;
    this.finish();
  }
}

export interface TaskOutcome {
  ok: boolean;
  /** Number of results (ok) or 1 (the error value), left on the task thread's stack. */
  count: number;
}

export class Scheduler {
  private ops = new Map<number, Op>();
  private nextOp = 1;
  private nextTask = 1;
  private ready: Task[] = [];
  private wake: (() => void) | null = null;
  private tasksRef: number;
  private continuation: number;
  /** Light userdata address that marks a scheduler yield. */
  readonly sentinel: number;
  /** Called when a task other than the main one ends; the main task ends the run. */
  onTaskEnd: (task: Task, outcome: TaskOutcome) => void = () => {};
  /** Called when no Lua code is running and the scheduler waits for I/O or timers. */
  readonly idleHooks: (() => void)[] = [];
  /** Called when Lua code is about to run again. */
  readonly busyHooks: (() => void)[] = [];

  constructor(private api: LuaApi, private L: number) {
    this.sentinel = api.m._malloc(1);
    // A weak-keyed set of task threads, shared with the coroutine prelude.
    api.newtable(L);
    api.newtable(L);
    api.pushstring(L, "k");
    api.setfield(L, -2, "__mode");
    api.setmetatable(L, -2);
    this.tasksRef = api.ref(L);
    this.continuation = api.kfunction((co, _status, ctx) => this.resumeOp(co, ctx));
  }

  /** Pushes the weak set of task threads (for the coroutine prelude). */
  pushTaskSet(L: number): void {
    this.api.pushref(L, this.tasksRef);
  }

  /**
   * Suspends the calling coroutine until `work` settles, then delivers its result in that
   * coroutine. Call as `return scheduler.suspend(L, promise)` from a C function.
   */
  suspend(L: number, work: Promise<Deliver>): number {
    if (!this.api.isyieldable(L)) {
      work.catch(() => {});
      throw new LuaError("attempt to yield across a C-call boundary");
    }
    const id = this.nextOp++;
    const op: Op = { settled: false };
    this.ops.set(id, op);
    work.then(
      (deliver) => (op.deliver = deliver),
      (error) => (op.error = error),
    ).finally(() => {
      op.settled = true;
      if (op.task) this.schedule(op.task);
    });
    this.api.pushlightuserdata(L, this.sentinel);
    this.api.pushinteger(L, id);
    return this.api.yieldk(L, 2, id, this.continuation);
  }

  private resumeOp(co: number, id: number): number {
    const op = this.ops.get(id);
    this.ops.delete(id);
    this.api.settop(co, 0);
    if (!op || !op.settled) throw new LuaError("assay: scheduler: resumed before its operation settled");
    if (op.error !== undefined) throw op.error instanceof LuaError ? op.error : new LuaError(messageOf(op.error));
    return op.deliver ? op.deliver(co) : 0;
  }

  /**
   * Creates a task running the function on top of L's stack (popped) with `nargs` arguments
   * below it... the arguments are moved along. It starts at the next scheduling point.
   */
  spawn(L: number, nargs: number, label: string): Task {
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
    this.pendingArgs.set(task, nargs);
    this.schedule(task);
    return task;
  }

  private pendingArgs = new Map<Task, number>();

  private schedule(task: Task): void {
    task.state = "ready";
    this.ready.push(task);
    if (this.wake) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  }

  /** Runs ready tasks until `main` ends; resolves with its outcome. */
  async run(main: Task): Promise<TaskOutcome> {
    main.awaited = true;
    for (;;) {
      while (this.ready.length) {
        const task = this.ready.shift()!;
        const outcome = this.step(task);
        if (outcome) {
          if (task === main) return outcome;
          this.onTaskEnd(task, outcome);
        }
      }
      for (const hook of this.idleHooks) hook();
      await new Promise<void>((resolve) => (this.wake = resolve));
      for (const hook of this.busyHooks) hook();
    }
  }

  /** Resumes a task once; returns its outcome if it ended. */
  private step(task: Task): TaskOutcome | null {
    const api = this.api;
    const nargs = this.pendingArgs.get(task) ?? 0;
    this.pendingArgs.delete(task);
    const [status, nres] = api.resume(task.thread, this.L, nargs);
    if (status === LUA_YIELD) {
      const co = task.thread;
      if (nres === 2 && api.type(co, -2) === LUA_TLIGHTUSERDATA && api.topointer(co, -2) === this.sentinel) {
        const id = Number(api.tointeger(co, -1));
        api.settop(co, 0);
        const op = this.ops.get(id);
        if (op) {
          op.task = task;
          task.state = "waiting";
          if (op.settled) this.schedule(task);
          return null;
        }
      }
      // A plain yield at a task root (not reachable from Lua code): resume it later.
      api.settop(co, 0);
      this.schedule(task);
      return null;
    }
    if (status === LUA_OK) {
      task.settle("done");
      return { ok: true, count: nres };
    }
    task.settle("failed");
    return { ok: false, count: 1 };
  }

  /** Releases a finished task's thread. */
  release(task: Task): void {
    this.api.unref(this.L, task.ref);
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
