/**
 * One database server process started by the tests: launched (as a service user when we are
 * root, since PostgreSQL refuses to run as root), polled until it accepts connections, stopped
 * by its pid, and killed by the exit hook if the test file ends without stopping it. Nothing is
 * ever signalled by name, and only the temp directory made for the server is removed.
 */
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, resolve } from "node:path";
import { isRunning } from "../../loader/process-tree.ts";
import type { DbServer } from "../db-servers.ts";

export const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

/** The command that runs `argv` as `user` when we are root (else as ourselves). */
export function asUser(user: string, argv: string[]): string[] {
  if (process.getuid?.() !== 0) return argv;
  return ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--init-groups", "--", ...argv];
}

/**
 * Where to make a server's temp directory: the system's temp dir when every directory on its
 * path lets others through (the service user must reach it), else /tmp (a TMPDIR under /root
 * would lock a server running as postgres out).
 */
export function serverTempBase(): string {
  if (process.getuid?.() !== 0) return tmpdir();
  let path = resolve(tmpdir());
  for (;;) {
    if ((statSync(path).mode & 0o001) === 0) return "/tmp";
    const up = dirname(path);
    if (up === path) return tmpdir();
    path = up;
  }
}

/** Gives `dir` (and everything below it) to `user` when we are root, so the server can use it. */
export function giveTo(user: string, dir: string): void {
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", `${user}:`, dir]);
}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(argv: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: { ...baseEnv(), ...options.env },
      timeout: options.timeoutMs ?? 60_000,
      encoding: "utf8",
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(" ")} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

/** Whether the OS has this user (the servers run as their service users when we are root). */
export function userExists(user: string): boolean {
  return spawnSync("id", [user], { stdio: "ignore" }).status === 0;
}

/** Whether a command exits 0 (a readiness probe). */
export async function succeeds(argv: string[], env: Record<string, string> = {}): Promise<boolean> {
  try {
    await run(argv, { env, timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** A port on 127.0.0.1 that was free a moment ago (the server may still lose a race for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A small, predictable environment: the servers must not pick up the caller's PG and MYSQL variables. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C", LC_ALL: "C" };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServerLaunch {
  /** What the log and errors call it: "postgres" or "mariadb". */
  name: string;
  /** The service user it runs as when we are root. */
  user: string;
  /** The server command line. */
  argv: string[];
  /** Working directory and log file (appended to across restarts). */
  cwd: string;
  logFile: string;
  /** Ends it cleanly (closing client connections), and when that takes too long. */
  stopSignal: NodeJS.Signals;
  killSignal: NodeJS.Signals;
  /** One readiness check: true once the server accepts connections. */
  probe(): Promise<boolean>;
}

/** Servers started and not yet stopped, for the exit hook. */
const live = new Set<ManagedServer>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const server of live) server.killNow();
    live.clear();
  };
  globalThis.addEventListener?.("unload", killAll);
  // Deno ends on an uncaught error without the exit or unload events; these come first.
  globalThis.addEventListener?.("error", killAll);
  globalThis.addEventListener?.("unhandledrejection", killAll);
  process.on("exit", killAll);
}

export class ManagedServer {
  pid = 0;
  private child?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();
  private removed = false;

  /** `dir` is the temp directory made for this server: removed by stop() and the exit hook. */
  constructor(readonly launch: ServerLaunch, private dir: string) {
    hookExit();
    live.add(this);
  }

  /** Starts the process and resolves once it accepts connections; else stops it and throws with the log's tail. */
  async start(): Promise<void> {
    const { argv, user, cwd, logFile, name } = this.launch;
    if (this.removed) throw new Error(`${name} was stopped and its data removed; it cannot start again`);
    // The shell redirects the server's output to the log and then becomes the server (exec),
    // so the pid we hold is the server's own.
    const cmd = asUser(user, ["sh", "-c", 'exec "$@" >>"$SERVER_LOG" 2>&1', "sh", ...argv]);
    const child = spawn(cmd[0], cmd.slice(1), { cwd, stdio: "ignore", env: { ...baseEnv(), SERVER_LOG: logFile } });
    this.child = child;
    let gone = false;
    let code: number | string | null = null;
    this.exited = new Promise((resolve) => {
      child.once("exit", (c, signal) => {
        gone = true;
        code = c ?? signal;
        resolve();
      });
      child.once("error", (err) => {
        gone = true;
        code = err.message;
        resolve();
      });
    });
    this.pid = child.pid ?? 0;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!gone) {
      if (await this.launch.probe()) return;
      if (Date.now() > deadline) {
        await this.halt();
        throw new Error(`${name} did not accept connections within ${READY_TIMEOUT_MS / 1000} s; its log ends:\n${this.logTail()}`);
      }
      await sleep(100);
    }
    throw new Error(`${name} exited (${code}) before accepting connections; its log ends:\n${this.logTail()}`);
  }

  /** Ends the process (cleanly, then by force) and waits for it; the directory stays. */
  async halt(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // Whether it exits within `ms`; the timer is cleared so it cannot hold the event loop open.
    const within = (ms: number) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms));
      return Promise.race([this.exited.then(() => true), late]).finally(() => clearTimeout(timer));
    };
    signal(this.pid, this.launch.stopSignal);
    if (await within(STOP_TIMEOUT_MS)) return;
    signal(this.pid, this.launch.killSignal);
    if (await within(5_000)) return;
    signal(this.pid, "SIGKILL");
    await this.exited;
  }

  /**
   * Starts it on a fresh port until it binds (another process can take a port between
   * freePort() and the server's bind): `configure` sets the launch for a port.
   */
  async startOnFreePort(configure: (port: number) => void): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      configure(port);
      try {
        await this.start();
        return port;
      } catch (err) {
        if (attempt >= 3 || !/address already in use/i.test(this.logTail(5))) throw err;
      }
    }
  }

  /** Stops the process and removes the directory; calling it again does nothing. */
  async stop(): Promise<void> {
    await this.halt();
    this.removeDir();
    live.delete(this);
  }

  /** For the exit hook, which cannot wait for events: signal, poll /proc briefly, remove the directory. */
  killNow(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      signal(this.pid, this.launch.killSignal);
      const until = Date.now() + 5_000;
      const pause = new Int32Array(new SharedArrayBuffer(4));
      while (isRunning(this.pid) && Date.now() < until) Atomics.wait(pause, 0, 0, 20);
    }
    this.removeDir();
  }

  /** The last lines of the server's log, for errors. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.launch.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  private removeDir(): void {
    if (this.removed) return;
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** The DbServer that a started server is, given what its engine set up. */
export function serverHandle(managed: ManagedServer, fields: Omit<DbServer, "pid" | "stop" | "restart">): DbServer {
  return {
    ...fields,
    get pid() {
      return managed.pid;
    },
    stop: () => managed.stop(),
    restart: async () => {
      await managed.halt();
      await managed.start();
    },
  };
}
