/**
 * The off-thread backstop of `--timeout`. The Lua thread checks its deadline between
 * instructions and in timers, but one long call into C (`string.find` backtracking, a blocking
 * read) runs no instructions and no timers. A Worker thread waits for the deadline plus a
 * grace period; if the run has not ended by then, it writes the timeout line and ends the
 * whole process with the exit code (Bun: `_exit` through FFI, since `process.exit` in a Worker
 * ends only the Worker), after killing the processes the run started (the exit handlers that
 * would do it do not run). Buffered Lua output is lost on that path, as it is when `lua5.4` is
 * killed. Where FFI is not available (running from source on another runtime), there is no
 * backstop.
 *
 * @example
 * ```ts
 * const stop = startWatchdog(deadline + 500, "assay: timeout: run exceeded 1 s\n", 124);
 * // ... the run ended in time:
 * stop();
 * ```
 */

/** The worker: sleeps until the deadline unless woken; then writes the line and exits. */
const WORKER_SOURCE = `
const { readdirSync, readFileSync, writeSync } = require("node:fs");
// Every process below this one (the commands the script started, and theirs), from /proc:
// _exit skips the exit handlers that would end them.
function killDescendants() {
  const children = new Map();
  let names = [];
  try { names = readdirSync("/proc"); } catch { return; }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync("/proc/" + name + "/stat", "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {}
  }
  const pids = [];
  const walk = (pid) => { for (const c of children.get(pid) || []) { pids.push(c); walk(c); } };
  walk(process.pid);
  for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch {} }
}
self.onmessage = (event) => {
  const { cell, at, line, code } = event.data;
  const flag = new Int32Array(cell);
  for (;;) {
    const left = at - Date.now();
    if (left <= 0) break;
    if (Atomics.wait(flag, 0, 0, left) !== "timed-out" && Atomics.load(flag, 0) !== 0) return;
  }
  if (Atomics.load(flag, 0) !== 0) return;
  // Found before anything is written: a line saying the run ended must be followed by its end.
  const { dlopen, FFIType } = require("bun:ffi");
  const libc = dlopen(process.platform === "darwin" ? "libSystem.B.dylib" : "libc.so.6",
    { _exit: { args: [FFIType.i32], returns: FFIType.void } });
  killDescendants();
  try { writeSync(2, line); } catch {}
  libc.symbols._exit(code);
};
`;

/** Starts the backstop; returns the function that disarms it. A no-op outside Bun. */
export function startWatchdog(at: number, line: string, code: number): () => void {
  if (typeof (globalThis as { Bun?: unknown }).Bun === "undefined") return () => {};
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
  const worker = new Worker(url);
  (worker as { unref?: () => void }).unref?.();
  const cell = new SharedArrayBuffer(4);
  worker.postMessage({ cell, at, line, code });
  return () => {
    const flag = new Int32Array(cell);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    worker.terminate();
    URL.revokeObjectURL(url);
  };
}
