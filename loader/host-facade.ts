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
 * const { code, stdout } = await ctx.host.run("shell.exec", ["sh", "-c", cmd], { signal: call.signal });
 * ```
 */
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import type { Policy } from "./sandbox/policy.ts";
import type { VariableProvider } from "./variables.ts";
import { environmentOf } from "./variables.ts";
import { processTree, signalTree } from "./process-tree.ts";
import { openChecked } from "./sandbox/backstop.ts";
import { HostNet, type NetOptions } from "./host-net.ts";

export interface RunOptions {
  /** Aborting kills the child (SIGTERM, then SIGKILL after a grace period). */
  signal?: AbortSignal;
  input?: Uint8Array;
  cwd?: string;
  env?: Record<string, string>;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export interface Host {
  readFile(fn: string, path: string, signal?: AbortSignal): Promise<Uint8Array>;
  writeFile(fn: string, path: string, data: Uint8Array, signal?: AbortSignal): Promise<void>;
  stat(fn: string, path: string): Promise<fs.Stats>;
  readdir(fn: string, path: string): Promise<fs.Dirent[]>;
  mkdir(fn: string, path: string): Promise<void>;
  remove(fn: string, path: string): Promise<void>;
  rename(fn: string, from: string, to: string): Promise<void>;
  /** Runs a program (argv[0] looked up on PATH) without a shell; `argv.join(" ")` is what the policy judges. */
  run(fn: string, argv: string[], options?: RunOptions): Promise<RunResult>;
  /** `fetch` after a `net` check of the URL's host and port. */
  fetch(fn: string, url: string, init?: RequestInit): Promise<Response>;
  // ---- network for http and ws (host-net.ts) ----
  /**
   * An HTTP request after a `net` check of every hop (redirects followed unless
   * `init.redirect` is "manual"), trusting the system's roots plus `options.tls`, through the
   * environment's proxy.
   */
  request(fn: string, url: string, init: RequestInit, options?: NetOptions): Promise<Response>;
  /** An open WebSocket (ws: or wss:) after a `net` check, with the same trust as `request`. */
  websocket(fn: string, url: string, options?: NetOptions, signal?: AbortSignal): Promise<WebSocket>;
  /** Streams `body` into the file at `path` (asks `write`), replacing it only once complete; returns the bytes. */
  saveBody(fn: string, path: string, body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<number>;
}

/** The result of synchronous work as a promise, a throw as a rejection. */
function settled<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

/** How long an aborted child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** The real host, checked against `policy`. */
export function policyHost(policy: Policy, vars: VariableProvider): Host {
  const net = new HostNet(policy, vars);
  return {
    // Files are opened where the policy judged them (no symlink swapped in since is followed),
    // then read or written through that descriptor.
    readFile: (fn, path, signal) =>
      settled(() => {
        policy.check(fn, "read", path);
        signal?.throwIfAborted();
        const fd = openChecked(policy, Buffer.from(path), fs.constants.O_RDONLY, 0);
        try {
          return new Uint8Array(fs.readFileSync(fd));
        } finally {
          fs.closeSync(fd);
        }
      }),
    writeFile: (fn, path, data, signal) =>
      settled(() => {
        policy.check(fn, "write", path);
        signal?.throwIfAborted();
        const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC;
        const fd = openChecked(policy, Buffer.from(path), flags, 0o666);
        try {
          fs.writeFileSync(fd, data);
        } finally {
          fs.closeSync(fd);
        }
      }),
    async stat(fn, path) {
      policy.check(fn, "read", path);
      return await fs.promises.stat(path);
    },
    async readdir(fn, path) {
      policy.check(fn, "read", path);
      return await fs.promises.readdir(path, { withFileTypes: true });
    },
    async mkdir(fn, path) {
      policy.check(fn, "write", path);
      await fs.promises.mkdir(path, { recursive: true });
    },
    async remove(fn, path) {
      policy.check(fn, "write", path);
      await fs.promises.rm(path, { recursive: true });
    },
    async rename(fn, from, to) {
      policy.check(fn, "write", from);
      policy.check(fn, "write", to);
      await fs.promises.rename(from, to);
    },
    async run(fn, argv, options = {}) {
      policy.check(fn, "run", argv.join(" "));
      return await runChild(argv, { ...options, env: options.env ?? environmentOf(vars) });
    },
    async fetch(fn, url, init = {}) {
      return await net.fetch(fn, url, init);
    },
    // ---- network for http and ws (host-net.ts) ----
    request: (fn, url, init, options) => net.fetch(fn, url, init, options),
    websocket: (fn, url, options, signal) => net.websocket(fn, url, options, signal),
    saveBody: (fn, path, body, signal) => net.saveBody(fn, path, body, signal),
  };
}

/** Runs a child to its end, collecting its output; the signal kills it. */
export function runChild(argv: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    child.stdin!.on("error", () => {}); // a child that does not read its input
    child.stdin!.end(options.input ?? new Uint8Array(0));
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      if (!child.pid) return;
      // The processes as they are now: SIGKILL later goes to these same ones (checked by their
      // start time, so a reused pid is left alone), not to whatever descends from the pid then.
      const tree = processTree(child.pid);
      signalTree(tree, "SIGTERM");
      killTimer = setTimeout(() => signalTree(tree, "SIGKILL"), KILL_GRACE_MS);
      (killTimer as { unref?: () => void }).unref?.();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (e) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    // Aborted: done when the child itself has exited, even if a grandchild keeps its pipes open.
    child.once("exit", () => {
      if (options.signal?.aborted) reject(options.signal.reason);
    });
    child.once("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) return reject(options.signal.reason);
      clearTimeout(killTimer);
      resolve({ code, signal, stdout: new Uint8Array(Buffer.concat(out)), stderr: new Uint8Array(Buffer.concat(err)) });
    });
  });
}
