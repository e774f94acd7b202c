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
import { LuaError } from "./lua-api.ts";
import type { VariableProvider } from "./variables.ts";
import { environmentOf } from "./variables.ts";
import { processTree, signalTree } from "./process-tree.ts";
import { openChecked } from "./sandbox/backstop.ts";
import { type Listener, serve, type ServeOptions } from "./runtime/serve.ts";

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
  /** Starts an HTTP server after a `listen` check of `host:port`; throws BindError when it cannot listen. */
  listen(fn: string, options: ServeOptions): Listener;
}

/** The result of synchronous work as a promise, a throw as a rejection. */
function settled<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** Asks the policy for `net` access to a URL's host and port; only http and https are network. */
function checkNet(policy: Policy, fn: string, url: string): void {
  const target = new URL(url);
  // Bun's fetch also reads file: and data: URLs, which would bypass the read policy.
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new LuaError(`${fn}: unsupported URL scheme ${JSON.stringify(target.protocol.slice(0, -1))} (http or https only)`);
  }
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  policy.check(fn, "net", `${target.hostname}:${port}`);
}

/** Headers that must not follow a redirect to another origin (the fetch standard's rule). */
const CREDENTIALS = ["authorization", "cookie", "proxy-authorization"];
/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

/** The request for the next hop of a redirect, as the fetch standard prescribes. */
function redirected(request: RequestInit, status: number, from: URL, to: URL): RequestInit {
  const headers = new Headers(request.headers);
  const method = (request.method ?? "GET").toUpperCase();
  let next: RequestInit = request;
  if (status === 303 && method !== "HEAD" || ((status === 301 || status === 302) && method === "POST")) {
    for (const h of BODY_HEADERS) headers.delete(h);
    next = { ...next, method: method === "HEAD" ? "HEAD" : "GET", body: undefined };
  }
  if (from.origin !== to.origin) for (const h of CREDENTIALS) headers.delete(h);
  return { ...next, headers };
}

/** How long an aborted child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** The real host, checked against `policy`. */
export function policyHost(policy: Policy, vars: VariableProvider): Host {
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
      // Redirects are followed here, each hop asked of the policy: fetch's own following would
      // reach hosts nobody checked.
      const mode = init.redirect ?? "follow";
      let target = url;
      let request: RequestInit = { ...init, redirect: "manual" };
      for (let hop = 0;; hop++) {
        checkNet(policy, fn, target);
        const response = await fetch(target, request);
        const location = response.headers.get("location");
        if (mode === "manual" || !REDIRECTS.has(response.status) || location === null) return response;
        await response.body?.cancel();
        if (mode === "error") throw new Error(`redirected (status ${response.status}) where redirects are refused`);
        if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS})`);
        const next = new URL(location, target);
        request = redirected(request, response.status, new URL(target), next);
        target = next.toString();
      }
    },
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
