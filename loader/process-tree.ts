/**
 * Ending a child process with everything it started: a command run through `sh -c "a; b"` is a
 * shell whose own children would outlive a kill of the shell alone. Linux's /proc gives each
 * process's parent; elsewhere only the child itself is signalled.
 *
 * @example
 * ```ts
 * killTree(child.pid!, "SIGKILL");
 * ```
 */
import { readdirSync, readFileSync } from "node:fs";

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
