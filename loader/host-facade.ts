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
}

/** How long an aborted child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** The real host, checked against `policy`. */
export function policyHost(policy: Policy, vars: VariableProvider): Host {
  return {
    async readFile(fn, path, signal) {
      policy.check(fn, "read", path);
      return new Uint8Array(await fs.promises.readFile(path, { signal }));
    },
    async writeFile(fn, path, data, signal) {
      policy.check(fn, "write", path);
      await fs.promises.writeFile(path, data, { signal });
    },
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
    run(fn, argv, options = {}) {
      policy.check(fn, "run", argv.join(" "));
      return runChild(argv, { ...options, env: options.env ?? environmentOf(vars) });
    },
    async fetch(fn, url, init) {
      const target = new URL(url);
      const port = target.port || (target.protocol === "https:" ? "443" : "80");
      policy.check(fn, "net", `${target.hostname}:${port}`);
      return await fetch(url, init);
    },
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
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (e) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) return reject(options.signal.reason);
      resolve({ code, signal, stdout: new Uint8Array(Buffer.concat(out)), stderr: new Uint8Array(Buffer.concat(err)) });
    });
  });
}
