/**
 * The host as builtins see it: files, child processes and HTTP, each call asking the sandbox
 * policy first with the Lua-visible function name, so a denial reads
 * `fs.read: read access to "/etc/passwd" denied by ...`. Builtins never import `node:fs`,
 * `node:child_process` or `node:net` themselves (a lint rule enforces it), so tests and
 * profiles can swap this object and no builtin can skip the policy.
 *
 * @example
 * ```ts
 * const bytes = await ctx.host.readFile("fs.read", path, call.signal);
 * const { code, stdout } = await ctx.host.shell("shell.exec", cmd, { signal: call.signal, timeoutMs: 5000 });
 * ```
 */
import * as fs from "node:fs";
import { type ChildProcess, spawn } from "node:child_process";
import type { Policy } from "./sandbox/policy.ts";
import type { VariableProvider } from "./variables.ts";
import { environmentOf } from "./variables.ts";
import { endWithProcess, listProcesses, type ProcessInfo, type ProcessRef, processTree, signalGroup, signalTree } from "./process-tree.ts";
import { osErrorText } from "./os-error.ts";
import * as files from "./host-files.ts";
import type { DirEntry, DiskSpace, Reserve } from "./host-files.ts";
import { readChunks } from "./host-chunks.ts";
import { HostNet, type NetOptions, type OpenWebSocket } from "./host-net.ts";
import { type Listener, serve, type ServeOptions } from "./runtime/serve.ts";

export interface RunOptions {
  /** Aborting kills the child and its process group (SIGTERM, then SIGKILL after a grace period). */
  signal?: AbortSignal;
  /** Written to the child's stdin; without it, stdin is /dev/null. */
  input?: Uint8Array;
  cwd?: string;
  env?: Record<string, string>;
  /** After this long the child and its process group are killed (SIGKILL). */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Killed at `timeoutMs` (the output is what came before). */
  timedOut: boolean;
}

/** `shell`'s options: `addEnv` is added to the run's variables (as `env.set` left them). */
export type ShellOptions = Omit<RunOptions, "env"> & { addEnv?: Record<string, string> };

export interface Host {
  /** The whole file, read off the Lua thread; `reserve` is asked before each buffer growth. */
  readFile(fn: string, path: string, signal?: AbortSignal, reserve?: Reserve): Promise<Uint8Array>;
  /** Replaces the file's contents without losing the old ones on failure (see host-files.ts). */
  writeFile(fn: string, path: string, data: Uint8Array, signal?: AbortSignal): Promise<void>;
  stat(fn: string, path: string): Promise<fs.Stats>;
  mkdir(fn: string, path: string): Promise<void>;
  /** Removes a file, a symlink itself, or a directory recursively. */
  remove(fn: string, path: string): Promise<void>;
  /** Renames a directory entry (a symlink itself, not its target). */
  rename(fn: string, from: string, to: string): Promise<void>;
  /** Runs a program (argv[0] looked up on PATH) without a shell; `argv.join(" ")` is what the policy judges. */
  run(fn: string, argv: string[], options?: RunOptions): Promise<RunResult>;
  /**
   * Runs `/bin/sh -c command` after a `run` check of the command line as given (first word,
   * and `sh` when it has shell metacharacters); see runChild for the process group, the
   * timeout and cancellation.
   */
  shell(fn: string, command: string, options?: ShellOptions): Promise<RunResult>;
  /** The host's processes (process-tree.ts `listProcesses`), after a `read` check of "/proc". */
  processes(fn: string): ProcessInfo[];
  /** Sends signal number `signal` to `pid` after a `run` check of "kill"; throws the OS error. */
  kill(fn: string, pid: number, signal: number): void;
  // ---- files for fs and disk (host-files.ts) ----
  /** A directory's entries in the OS's order, symlinks not followed. */
  list(fn: string, path: string): Promise<DirEntry[]>;
  /** The entry itself, a final symlink not followed. */
  lstat(fn: string, path: string): Promise<fs.Stats>;
  /** Whether the path leads to something (symlinks followed); only a denial raises. */
  exists(fn: string, path: string): Promise<boolean>;
  /** Copies a regular file's contents and mode, replacing `dst` as writeFile does; returns the bytes. */
  copy(fn: string, src: string, dst: string, signal?: AbortSignal): Promise<number>;
  chmod(fn: string, path: string, mode: number): Promise<void>;
  /** Creates a fresh directory under the system temporary directory and returns its path. */
  tempdir(fn: string): Promise<string>;
  /** The file system's size and free blocks (statvfs), for the one holding `path`. */
  statfs(fn: string, path: string): Promise<DiskSpace>;
  // ---- streaming reads (crypto.hash_file; host-chunks.ts) ----
  /**
   * The file's bytes in chunks of at most `chunkSize` (1 MiB by default), read off the Lua
   * thread after a `read` check; a chunk is valid until the next is asked for. Aborting
   * `signal` stops the reading; the file is closed however the iteration ends.
   */
  readChunks(fn: string, path: string, signal?: AbortSignal, chunkSize?: number): AsyncIterable<Uint8Array>;
  // ---- network for http and ws (host-net.ts) ----
  /**
   * An HTTP request after a `net` check of every hop (redirects followed unless
   * `init.redirect` is "manual"), trusting the system's roots plus `options.tls`, through the
   * environment's proxy.
   */
  request(fn: string, url: string, init: RequestInit, options?: NetOptions): Promise<Response>;
  /** An open WebSocket (ws: or wss:) after a `net` check, with the same trust as `request`. */
  websocket(fn: string, url: string, options?: NetOptions, signal?: AbortSignal): Promise<OpenWebSocket>;
  /** Streams `body` into the file at `path` (asks `write`), replacing it only once complete; returns the bytes. */
  saveBody(fn: string, path: string, body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<number>;
  // ---- listening for http.serve (runtime/serve.ts) ----
  /** Starts an HTTP server after a `listen` check of `host:port`; throws BindError when it cannot listen. */
  listen(fn: string, options: ServeOptions): Listener;
}

/** How long an aborted child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** The real host, checked against `policy`. */
export function policyHost(policy: Policy, vars: VariableProvider): Host {
  const net = new HostNet(policy, vars);
  return {
    // Files are opened where the policy judged them (no symlink swapped in since is followed),
    // then read or written through that descriptor.
    readFile: (fn, path, signal, reserve) => files.readFile(policy, fn, path, signal, reserve),
    writeFile: (fn, path, data, signal) => files.writeFile(policy, fn, path, data, signal),
    stat: (fn, path) => files.stat(policy, fn, path),
    mkdir: (fn, path) => files.mkdirs(policy, fn, path),
    remove: (fn, path) => files.remove(policy, fn, path),
    rename: (fn, from, to) => files.rename(policy, fn, from, to),
    async run(fn, argv, options = {}) {
      policy.check(fn, "run", argv.join(" "));
      return await runChild(argv, { ...options, env: options.env ?? environmentOf(vars) });
    },
    async shell(fn, command, options = {}) {
      policy.check(fn, "run", command);
      const { addEnv, ...rest } = options;
      return await runChild(["/bin/sh", "-c", command], { ...rest, env: { ...environmentOf(vars), ...addEnv } });
    },
    processes(fn) {
      policy.check(fn, "read", "/proc");
      return listProcesses();
    },
    kill(fn, pid, signal) {
      policy.check(fn, "run", "kill");
      process.kill(pid, signal);
    },
    list: (fn, path) => files.list(policy, fn, path),
    lstat: (fn, path) => files.lstat(policy, fn, path),
    exists: (fn, path) => files.exists(policy, fn, path),
    copy: (fn, src, dst, signal) => files.copy(policy, fn, src, dst, signal),
    chmod: (fn, path, mode) => files.chmod(policy, fn, path, mode),
    tempdir: (fn) => files.tempdir(policy, fn),
    statfs: (fn, path) => files.statfs(policy, fn, path),
    readChunks: (fn, path, signal, chunkSize) => readChunks(policy, fn, path, signal, chunkSize),
    // ---- network for http and ws (host-net.ts) ----
    request: (fn, url, init, options) => net.fetch(fn, url, init, options),
    websocket: (fn, url, options, signal) => net.websocket(fn, url, options, signal),
    saveBody: (fn, path, body, signal) => net.saveBody(fn, path, body, signal),
    listen(fn, options) {
      policy.check(fn, "listen", listenTarget(options.hostname, options.port));
      return serve(options);
    },
  };
}

/** What a `listen` grant names: `host:port`, IPv6 hosts in brackets (`--allow-listen=8080` admits any host). */
function listenTarget(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * Runs a child to its end, collecting its output. The child leads a process group (a session)
 * of its own, so what it starts, including what it backgrounds and leaves behind, can be ended
 * with it: the signal (SIGTERM, then SIGKILL after a grace period), `timeoutMs` (SIGKILL at
 * once) and the runtime's exit (process-tree.ts `endWithProcess`) each reach the whole group.
 * A normal end waits for the output pipes to close, so a background process that keeps them
 * open keeps the call waiting; one that does not is left running.
 */
export function runChild(argv: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    // Spawn failures blame the program, also when the working directory is what is wrong.
    const failure = (e: unknown) => (options.cwd === undefined ? e : unusableDirectory(options.cwd) ?? e);
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: [options.input ? "pipe" : "ignore", "pipe", "pipe"],
      });
    } catch (e) {
      return reject(failure(e));
    }
    const pid = child.pid;
    const forget = pid ? endWithProcess(pid, { group: true }) : () => {};
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    if (child.stdin) {
      child.stdin.on("error", () => {}); // a child that does not read its input
      child.stdin.end(options.input);
    }
    const kill = (tree: ProcessRef[], signal: NodeJS.Signals) => {
      signalTree(tree, signal);
      signalGroup(pid!, signal);
    };
    const result = (code: number | null, signal: string | null, killed: boolean): RunResult => ({
      code,
      signal,
      stdout: new Uint8Array(Buffer.concat(out)),
      stderr: new Uint8Array(Buffer.concat(err)),
      timedOut: killed,
    });
    let timedOut = false;
    /** How the child itself ended, once it has (its pipes may stay open longer). */
    let ended: { code: number | null; signal: string | null } | undefined;
    /** The processes below the child as they are now; none once it has ended (its pid may be reused). */
    const tree = () => (ended ? [] : processTree(pid!));
    let done = false;
    const settle = () => {
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (!options.signal?.aborted) forget();
    };
    // Aborted or timed out: done once the child itself has ended, even if a process that left
    // the group keeps the pipes open.
    const finishEarly = () => {
      if (done || !ended) return;
      settle();
      child.stdout!.destroy();
      child.stderr!.destroy();
      if (options.signal?.aborted) reject(options.signal.reason);
      else resolve(result(ended.code, ended.signal, true));
    };
    const timer = pid !== undefined && options.timeoutMs !== undefined
      ? setTimeout(() => {
        timedOut = true;
        kill(tree(), "SIGKILL");
        finishEarly();
      }, options.timeoutMs)
      : undefined;
    const onAbort = () => {
      if (!pid) return;
      // SIGKILL later goes to these same processes (checked by their start time, so a reused
      // pid is left alone) and to the group, not to whatever descends from the pid then. Until
      // then the exit hook still ends them.
      const snapshot = tree();
      kill(snapshot, "SIGTERM");
      const killTimer = setTimeout(() => {
        kill(snapshot, "SIGKILL");
        forget();
      }, KILL_GRACE_MS);
      (killTimer as { unref?: () => void }).unref?.();
      finishEarly();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (e) => {
      if (done) return;
      settle();
      reject(failure(e));
    });
    child.once("exit", (code, signal) => {
      ended = { code, signal };
      if (options.signal?.aborted || timedOut) finishEarly();
    });
    child.once("close", (code, signal) => {
      if (done) return;
      if (options.signal?.aborted || timedOut) return finishEarly();
      settle();
      resolve(result(code, signal, false));
    });
  });
}

/** Why `dir` cannot be a child's working directory, or null. */
function unusableDirectory(dir: string): Error | null {
  try {
    if (fs.statSync(dir).isDirectory()) return null;
    return new Error(`working directory ${JSON.stringify(dir)}: ${osErrorText({ code: "ENOTDIR" })}`);
  } catch (e) {
    return new Error(`working directory ${JSON.stringify(dir)}: ${osErrorText(e)}`);
  }
}
