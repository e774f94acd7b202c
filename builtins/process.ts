/**
 * `process` (builtins.md §19): the host's processes, by name. The list comes from /proc on
 * Linux and from `ps -eo pid,comm` elsewhere (process-tree.ts `listProcesses`); names and
 * command lines are the bytes the OS gives. Listing asks the policy for `read` of "/proc",
 * signalling for `run` of "kill" (`--allow-run=kill`), so only `full` has them by default.
 *
 * | function | |
 * |---|---|
 * | `process.list() -> {{pid=, name=, cmdline=?}, ...}` | every process with a name (zombies too) |
 * | `process.is_running(name) -> boolean` | whether a process has exactly this name (comm: 15 bytes on Linux) |
 * | `process.kill(pid, signal?) -> true` | sends a signal (default 15; 0 checks that the process exists) |
 * | `process.wait_idle(names, timeout?, interval?) -> boolean` | polls until none of the names runs (true) or the timeout passes (false); async |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import type { Host } from "../loader/host-facade.ts";
import { osErrorText } from "../loader/os-error.ts";
import { sleepFor } from "../loader/timers.ts";

/** The largest pid the OS can have (pid_t); a larger one names no process. */
const MAX_PID = 2 ** 31 - 1;

/** Whether any two byte strings are equal. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Whether a process has one of `names`, for `is_running` and `wait_idle`: a denial raises, a
 * listing that fails counts as none running (the spec's "listing errors give false"), and a
 * zombie does not run (an init that never collects would keep it "running" for ever).
 */
function running(host: Host, fn: string, names: Uint8Array[]): boolean {
  let list;
  try {
    list = host.processes(fn);
  } catch (e) {
    if (e instanceof LuaError) throw e;
    return false;
  }
  return list.some((p) => p.running && names.some((n) => sameBytes(p.name, n)));
}

/** Checks a duration argument of wait_idle; returns it in milliseconds. */
function duration(value: number, what: string, allowZero: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new LuaError(`process.wait_idle: ${what} must be a ${allowZero ? "non-negative" : "positive"} finite number`);
  }
  return value * 1000;
}


registerBuiltin({
  name: "process",
  description: "List, find, signal and wait for host processes",
  keywords: ["pid", "kill", "signal", "ps", "running", "wait", "idle", "proc"],
  example: 'if not process.wait_idle({ "apt", "dpkg" }, 120) then error("apt still running") end',
  functions: {
    list: {
      signature: "process.list() -> {{pid=, name=, cmdline=?}, ...}",
      description: "Every process of the host: pid, name (comm) and command line (absent when empty)",
      args: [],
      returns: [{ type: "process.Info[]" }],
      capabilities: ["read"],
    },
    is_running: {
      signature: "process.is_running(name) -> boolean",
      description: "Whether some process's name (comm, 15 bytes on Linux) equals name exactly",
      args: [{ name: "name", type: "bytes", description: "the exact process name" }],
      returns: [{ type: "boolean" }],
      capabilities: ["read"],
    },
    kill: {
      signature: "process.kill(pid, signal?) -> true",
      description: "Send a signal number to a process (default 15, SIGTERM; 0 only checks that it exists)",
      args: [{ name: "pid", type: "number" }, { name: "signal", type: "number", optional: true, description: "a signal number (default 15)" }],
      returns: [{ type: "true" }],
      errors: ["process.kill: failed to send signal <signal> to pid <pid>: <why>"],
      capabilities: ["run"],
    },
    wait_idle: {
      signature: "process.wait_idle(names, timeout?, interval?) -> boolean",
      description: "Poll every interval seconds (default 1) until no process has one of the names (true) or timeout seconds (default 30) pass (false)",
      args: [
        { name: "names", type: ["bytes", "list"], items: { name: "name", type: "bytes" }, expect: "a string or an array of strings" },
        { name: "timeout", type: "number", optional: true, description: "seconds (default 30)" },
        { name: "interval", type: "number", optional: true, description: "seconds between looks (default 1)" },
      ],
      returns: [{ type: "boolean", description: "false when the timeout passed first" }],
      capabilities: ["read"],
      async: true,
    },
  },
  classes: {
    "process.Info": {
      description: "One process, as process.list returns it",
      fields: {
        pid: { type: "integer" },
        name: { type: "string", description: "the command name (comm)" },
        cmdline: { type: "string", optional: true, description: "the command line, arguments separated by spaces" },
      },
    },
  },
  install: ({ host }) => ({
    list: (_: [], { fn }) => host.processes(fn).map(({ pid, name, cmdline }) => ({ pid, name, cmdline })),
    is_running: ([name]: [Uint8Array], { fn }) => running(host, fn, [name]),
    kill: ([pid, signal = 15]: [number, number | undefined], { fn }) => {
      if (!(pid > 0)) throw new LuaError(`process.kill: pid must be > 0, got ${pid}`);
      if (!Number.isInteger(pid)) throw new LuaError(`process.kill: pid must be an integer, got ${pid}`);
      if (!(signal >= 0)) throw new LuaError(`process.kill: signal must be >= 0, got ${signal}`);
      if (!Number.isInteger(signal)) throw new LuaError(`process.kill: signal must be an integer, got ${signal}`);
      const failed = (why: string) => new LuaError(`process.kill: failed to send signal ${signal} to pid ${pid}: ${why}`);
      if (pid > MAX_PID) throw failed(osErrorText({ code: "ESRCH" }));
      try {
        host.kill(fn, pid, signal);
      } catch (e) {
        if (e instanceof LuaError) throw e;
        throw failed(osErrorText(e));
      }
      return true;
    },
    wait_idle: async (
      [names, timeout = 30, interval = 1]: [Uint8Array | Uint8Array[], number | undefined, number | undefined],
      { fn, signal },
    ) => {
      const list = Array.isArray(names) ? names : [names];
      const limit = duration(timeout, "timeout", true);
      const every = duration(interval, "interval", false);
      const deadline = performance.now() + limit;
      for (;;) {
        if (!running(host, fn, list)) return true;
        const left = deadline - performance.now();
        if (left <= 0) return false;
        // The last wait ends at the deadline, so a timeout shorter than the interval is kept.
        await sleepFor(Math.min(every, left), signal);
      }
    },
  }),
});
