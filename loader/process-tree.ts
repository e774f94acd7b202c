/**
 * Ending a child process with everything it started: a command run through `sh -c "a; b"` is a
 * shell whose own children would outlive a kill of the shell alone. Linux's /proc gives each
 * process's parent; elsewhere only the child itself is signalled. A child started in a process
 * group of its own is also signalled as that group, which reaches the members that were
 * re-parented when their parent ended. And the host's process list (`process.list`).
 *
 * @example
 * ```ts
 * killTree(child.pid!, "SIGKILL");
 * ```
 */
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

/** The pids of every process below `pid` (children first), from /proc; empty where there is none. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (!fields) continue; // it ended meanwhile
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Sends `signal` to `pid` and every process below it; processes already gone are skipped. */
export function killTree(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  signalTree(processTree(pid), signal);
}

/**
 * Children that run while Lua goes on (os.execute in a task, shell.exec): ended with the
 * process; the value says whether the child leads a process group of its own. Process-wide by
 * nature (the exit hook is), hence module state.
 */
const running = new Map<number, boolean>();
let exitHook = false;

/**
 * Marks a child that must not outlive the run: when the process exits (the script ended, a
 * `--timeout`, a signal) it is killed with everything it started, and with its whole process
 * group when it was started as the leader of one (`group`). Returns the unmark function.
 */
export function endWithProcess(pid: number, options: { group?: boolean } = {}): () => void {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const [p, group] of running) {
        killTree(p);
        if (group) signalGroup(p, "SIGKILL");
      }
    });
  }
  running.set(pid, options.group ?? false);
  return () => running.delete(pid);
}

/** A process, named by pid and start time so that a later signal cannot reach a reused pid. */
export interface ProcessRef {
  pid: number;
  started: string | null;
}

/** `pid` and every process below it, as they are now. */
export function processTree(pid: number): ProcessRef[] {
  return [pid, ...descendants(pid)].map((p) => ({ pid: p, started: startTime(p) }));
}

/** Signals the processes of a snapshot that are still the same processes. */
export function signalTree(tree: ProcessRef[], signal: NodeJS.Signals): void {
  for (const { pid, started } of tree) {
    if (started !== startTime(pid)) continue; // gone, or the pid now belongs to another process
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name (state first, then ppid, ...), or null
 * where there is no such process (or no /proc). The name may hold spaces and parentheses, so
 * the fields start after the last ")".
 */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or null where there is none. */
function startTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/**
 * Whether `pid` runs: a zombie (killed, not yet reaped by its parent or by an init that may
 * never reap) runs nothing. Linux (/proc); false where it cannot tell.
 */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z";
}

/**
 * Signals every process of the group `pgid` (a child we started with a group of its own). A
 * group id stays taken while the group has members, so this reaches no other process; with no
 * member left it does nothing.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is empty.
  }
}

/** One process of the host: its command name (comm) and command line, as bytes. */
export interface ProcessInfo {
  pid: number;
  name: Uint8Array;
  /** The arguments joined by spaces; absent when the process has none (a kernel thread). */
  cmdline?: Uint8Array;
  /** False for a zombie: it has ended and only waits for its parent to collect it. */
  running: boolean;
}

/**
 * Every process of the host with a non-empty name: Linux from /proc (the name and state from
 * stat, whose name is comm's; cmdline with its NUL separators as spaces), elsewhere from
 * `ps -eo pid,comm` (name the basename, cmdline the whole comm column). Throws when neither
 * can be read.
 */
export function listProcesses(): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return listFromPs();
  }
  const out: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: Buffer, args: Buffer;
    try {
      stat = readFileSync(`/proc/${entry}/stat`);
      args = readFileSync(`/proc/${entry}/cmdline`);
    } catch {
      continue; // it ended meanwhile
    }
    // "pid (name) state ...": the name may hold spaces and parentheses, the last ")" ends it.
    const close = stat.lastIndexOf(0x29);
    const name = stat.subarray(stat.indexOf(0x28) + 1, close);
    if (name.length === 0) continue;
    let end = args.length;
    while (end > 0 && args[end - 1] === 0) end--;
    const cmdline = new Uint8Array(args.subarray(0, end)).map((b) => (b === 0 ? 0x20 : b));
    out.push({
      pid: Number(entry),
      name: new Uint8Array(name),
      ...(cmdline.length ? { cmdline } : {}),
      running: stat[close + 2] !== 0x5a, // "Z"
    });
  }
  return out;
}

/** The list from `ps` (macOS, BSD): one `pid comm` line per process after the header. */
function listFromPs(): ProcessInfo[] {
  const r = spawnSync("ps", ["-eo", "pid,comm"], { encoding: "buffer", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ps failed: ${r.stderr.toString().trim() || `exit status ${r.status}`}`);
  const out: ProcessInfo[] = [];
  for (const line of r.stdout.toString("latin1").split("\n").slice(1)) {
    const m = /^\s*(\d+)\s+(.+)$/.exec(line);
    if (!m) continue;
    const cmdline = new Uint8Array(Buffer.from(m[2], "latin1"));
    const name = cmdline.slice(cmdline.lastIndexOf(0x2f) + 1);
    if (name.length) out.push({ pid: Number(m[1]), name, cmdline, running: true });
  }
  return out;
}
