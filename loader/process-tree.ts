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
    try {
      // "pid (comm) state ppid ...": the name may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // It ended meanwhile.
    }
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
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, signal);
    } catch {
      // Already gone.
    }
  }
}
