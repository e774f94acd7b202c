/**
 * Runs assay as a user would: the built binary (`dist/assay`, or `$ASSAY_BIN`), or the
 * source under Deno when `ASSAY_FROM_SOURCE=deno`.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isRunning } from "../loader/process-tree.ts";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Uint8Array;
  timeoutMs?: number;
}

/** The command that starts assay: [program, ...leading args]. */
export function assayCommand(): string[] {
  if (process.env.ASSAY_FROM_SOURCE === "deno") {
    return [process.env.DENO_BIN ?? "deno", "run", "-A", "--quiet", join(ROOT, "main.ts")];
  }
  return [process.env.ASSAY_BIN ?? join(ROOT, "dist", "assay")];
}

/** Runs assay with the given arguments and waits for it. */
export function runAssay(args: string[], options: RunOptions = {}): RunResult {
  const [cmd, ...lead] = assayCommand();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const r = spawnSync(cmd, [...lead, ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    input: options.input,
    timeout: options.timeoutMs ?? 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout?.toString("utf8") ?? "",
    stderr: r.stderr?.toString("utf8") ?? "",
    stdoutBytes: r.stdout ?? Buffer.alloc(0),
  };
}

/**
 * Runs assay without blocking the event loop, for tests whose peers (servers) live in the
 * test process itself. Killed (by its PID) when `timeoutMs` passes.
 */
export function runAssayAsync(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...lead] = assayCommand();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const child = spawn(cmd, [...lead, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), stdoutBytes });
    });
  });
}

/** Directories tempDir made in this test file, removed when the file is done. */
const created: string[] = [];

function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// Deno runs each test file in a worker of its own and fires `unload` when the file is done;
// node:test's `after` is not enough there (Deno skips it when a file's last test is skipped).
// Node runs each file in its own process, which fires `exit`.
globalThis.addEventListener?.("unload", removeTempDirs);
process.on("exit", removeTempDirs);

/** A fresh temporary directory, removed with everything in it when the test file is done. */
export function tempDir(prefix = "assay-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes a Lua script into a fresh temporary directory and returns its path. */
export function writeScript(source: string, name = "script.lua", dir = tempDir()): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

/** Lua helpers for scripts the tests write: `err(f, ...)` is the error message of a call that must fail, `has(s, part)` asserts a substring. */
export const LUA_ERR = `local function err(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected a failure")
  return tostring(e)
end
local function has(s, part) assert(s:find(part, 1, true), ("%q does not contain %q"):format(s, part)) end
`;

/** Runs Lua `code` as t.lua in `dir` with `flags`; it must exit 0. Returns its stdout. */
export function passLua(dir: string, code: string, flags: string[] = []): string {
  writeFileSync(join(dir, "t.lua"), code);
  const r = runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
  if (r.code !== 0) throw new Error(`exited ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** Runs `python3 -c code` in `cwd`; it must exit 0. Returns its stdout (a peer for the tests). */
export function python(code: string, cwd: string): string {
  const r = spawnSync("python3", ["-c", code], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Whether process `pid` stops running within `ms` (checked every 50 ms; blocks meanwhile). */
export function endsWithin(pid: number, ms: number): boolean {
  const until = Date.now() + ms;
  while (isRunning(pid) && Date.now() < until) spawnSync("sleep", ["0.05"]);
  return !isRunning(pid);
}
