/**
 * Signals: on SIGTERM or SIGINT the process flushes every Lua VM's C stdio and exits with
 * 128+signo, so buffered `io.write` output is not lost. While `os.execute` runs a child,
 * SIGINT is left to the child, as system(3) does.
 *
 * JS signal handlers run on the event loop, which Lua code that never yields would block: a
 * handler installed while such code runs would leave SIGTERM and Ctrl-C without effect. So
 * the handlers are armed only while the scheduler waits for I/O or timers (after the first few
 * milliseconds of a wait); while Lua code
 * computes, the signals keep their default action and end the process at once, as they end
 * lua5.4 (whose buffered output is lost the same way). When some other part of the runtime
 * listens for the signal too (a server's graceful shutdown), it is left to that listener,
 * which exits through `ctx.exit` and so flushes.
 *
 * The handlers and the list of VMs are process-wide by nature, hence module state.
 */
import { constants } from "node:os";
import type { BuiltinContext } from "../plugin.ts";

const HANDLED = ["SIGINT", "SIGTERM"] as const;
const live = new Set<WeakRef<BuiltinContext>>();
let installed = false;
let children = 0;
let lastChildEnded = false;

/** The number of a signal name such as "SIGKILL". */
export function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 0;
}

/**
 * Marks a child process as running; call the returned function when it ends (`sync` when
 * it ran with spawnSync: signals that arrived meanwhile are delivered only afterwards and
 * must still count as "during the child").
 */
export function trackChild(): (sync: boolean) => void {
  children++;
  return (sync) => {
    if (sync) {
      lastChildEnded = true;
      setImmediate(() => {
        lastChildEnded = false;
        children--;
      });
    } else {
      children--;
    }
  };
}

/**
 * Whether a SIGINT now belongs to a child process: one runs, or a synchronous one has just
 * ended (its signals arrive afterwards). The REPL's Ctrl-C (repl/interrupt.ts) ignores those.
 */
export function sigintForChild(): boolean {
  return children > 0 || lastChildEnded;
}

function onSignal(signal: (typeof HANDLED)[number]): void {
  if (signal === "SIGINT" && sigintForChild()) return;
  if (process.listenerCount(signal) > 1) return;
  let exit: ((code: number) => never) | undefined;
  for (const ref of live) {
    const ctx = ref.deref();
    if (!ctx) {
      live.delete(ref);
      continue;
    }
    ctx.flushStdio();
    // A VM inside a larger run (a check, a test file) ends its run, not the process, by exit.
    if (ctx.ownsProcess) exit = ctx.exit;
  }
  const code = 128 + signalNumber(signal);
  if (exit) exit(code);
  process.exit(code);
}

const handlers = HANDLED.map((signal) => [signal, () => onSignal(signal)] as const);

function arm(): void {
  if (installed) return;
  installed = true;
  for (const [signal, handler] of handlers) process.on(signal, handler);
}

function disarm(): void {
  if (!installed) return;
  installed = false;
  for (const [signal, handler] of handlers) process.off(signal, handler);
}

/**
 * How long the scheduler must have waited before the handlers are armed. Installing and
 * removing a signal listener costs tens of microseconds in Bun, and a script making HTTP calls
 * goes idle and busy again thousands of times a second; a signal that lands in the first
 * milliseconds of a wait gets the default action, as one landing while Lua computes does.
 */
const ARM_DELAY_MS = 5;
let armTimer: ReturnType<typeof setTimeout> | undefined;

function armSoon(): void {
  if (installed || armTimer !== undefined) return;
  armTimer = setTimeout(() => {
    armTimer = undefined;
    arm();
  }, ARM_DELAY_MS);
  (armTimer as { unref?: () => void }).unref?.();
}

function busy(): void {
  if (armTimer !== undefined) {
    clearTimeout(armTimer);
    armTimer = undefined;
  }
  disarm();
}

/** Registers a VM whose stdio the signal handlers flush while its scheduler is idle. */
export function installSignals(ctx: BuiltinContext): void {
  const ref = new WeakRef(ctx);
  live.add(ref);
  // A closed VM has nothing to flush: runs that make many VMs (check mode) must not pile them up.
  ctx.onClose(() => live.delete(ref));
  ctx.scheduler.idleHooks.push(armSoon);
  ctx.scheduler.busyHooks.push(busy);
}
