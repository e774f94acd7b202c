/**
 * `io.popen` for a Lua build without it. The handle is a genuine `FILE*` opened by Lua's own
 * `io.open` on a temporary file, so every file method works on it unchanged; its close
 * function is swapped for one that reports the command's end like `pclose` does:
 * `true|nil, "exit"|"signal", n`.
 *
 * Semantics (documented in the README): the command runs through `/bin/sh -c` and blocks.
 * - mode "r": the command runs to completion at `io.popen`, its stdout captured in an
 *   anonymous temp file the handle then reads; stdin and stderr are the script's.
 * - mode "w": writes go to a temp file; at `close` (or garbage collection, or process exit)
 *   the command runs with those bytes on its stdin (a pipe); stdout and stderr are the
 *   script's.
 * Like glibc's popen, opening flushes every C stream first. Unlike a pipe, the handle is
 * seekable, and a command that never ends never returns from `io.popen` in mode "r".
 */
import { closeSync, openSync, readFileSync, unlinkSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { BuiltinContext } from "../plugin.ts";
import { environmentOf } from "../variables.ts";
import { callOriginal, checkCString, optCString } from "./cfn.ts";
import type { Errno } from "./errno.ts";
import { pushExecResult } from "./os.ts";
import { trackChild } from "./signals.ts";
import { hostOwned } from "../sandbox/backstop.ts";

interface Popen {
  mode: "r" | "w";
  command: string;
  /** The temp file a "w" handle collects writes in (unlinked once the command has run). */
  path?: string;
  /** How the command ended ("r": known at open). */
  code?: number | null;
  signal?: string | null;
  error?: unknown;
  /** Lua's own close function for the underlying FILE*. */
  fclose: number;
  env: () => Record<string, string>;
  /** The descriptor the command's standard output goes to (BuiltinContext.childStdout). */
  stdout: number;
  /** Flushes the VM's C streams (the temp file's buffer among them). */
  flush: () => void;
}

/** Write-mode handles still open, run at process exit as lua_close would (via pclose). */
const unclosed = new Set<Popen>();
let exitHookInstalled = false;

function runWriter(p: Popen): void {
  unclosed.delete(p);
  try {
    // The collected bytes go in through a pipe (Deno does not pass a file descriptor as a
    // child's stdin).
    const input = readFileSync(p.path!);
    const done = trackChild();
    const r = spawnSync("/bin/sh", ["-c", p.command], { input, stdio: ["pipe", p.stdout, "inherit"], env: p.env() });
    done(true);
    if (r.error) p.error = r.error;
    p.code = r.status;
    p.signal = r.signal;
  } catch (err) {
    p.error = err;
  } finally {
    try {
      unlinkSync(p.path!);
    } catch {
      // Already gone.
    }
  }
}

function tempPath(): string {
  return join(tmpdir(), `assay-popen-${process.pid}-${randomBytes(6).toString("hex")}`);
}

/** Installs `io.popen`; `openRef` is Lua's original `io.open`. */
export function installPopen(ctx: BuiltinContext, errno: Errno, openRef: number): (L: number) => number {
  const { api, policy } = ctx;
  const m = api.m;
  const handles = new Map<number, Popen>();
  const env = () => environmentOf(ctx.vars);

  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const p of [...unclosed]) {
        p.flush();
        runWriter(p);
      }
    });
  }

  // Called by Lua's aux_close with the handle at index 1 (f:close(), io.close, __gc, __close).
  // Registered on first use: each registration compiles a wasm stub.
  let closePtr = 0;
  const close = (L: number): number => {
    const handle = api.m._lua_touserdata(L, 1);
    const p = handles.get(handle);
    handles.delete(handle);
    if (!p) return 0;
    api.pushcclosure(L, p.fclose, 0);
    api.pushvalue(L, 1);
    api.call(L, 1, 0);
    if (p.mode === "w") runWriter(p);
    if (p.error !== undefined) return errno.pushFileResult(L, p.error, null);
    return pushExecResult(api, L, p.code ?? null, p.signal ?? null);
  };

  return (L: number): number => {
    const command = checkCString(api, L, 1);
    const mode = optCString(api, L, 2, "r");
    if (mode !== "r" && mode !== "w") api.argerror(L, 2, "invalid mode");
    policy.check("io.popen", "run", command);
    ctx.flushStdio();
    const path = tempPath();
    const p: Popen = { mode: mode as "r" | "w", command, fclose: 0, env, stdout: ctx.childStdout, flush: () => ctx.flushStdio() };
    try {
      const fd = openSync(path, "wx", 0o600);
      if (mode === "r") {
        const done = trackChild();
        const r = spawnSync("/bin/sh", ["-c", command], { stdio: ["inherit", fd, "inherit"], env: env() });
        done(true);
        closeSync(fd);
        if (r.error) throw r.error;
        p.code = r.status;
        p.signal = r.signal;
      } else {
        closeSync(fd);
        p.path = path;
      }
    } catch (err) {
      try {
        unlinkSync(path);
      } catch {
        // Never created.
      }
      return errno.pushFileResult(L, err, command);
    }
    api.settop(L, 0);
    api.pushstring(L, path);
    api.pushstring(L, mode);
    // The runtime's own temp file: the syscall backstop must not judge it as the script's open.
    const n = hostOwned(() => callOriginal(api, L, openRef, 2));
    if (mode === "r") unlinkSync(path);
    const handle = api.m._lua_touserdata(L, -n);
    if (n !== 1 || !handle) {
      if (mode === "w") unlinkSync(path);
      return n;
    }
    // luaL_Stream is { FILE *f; lua_CFunction closef; }: route closing through `close`.
    p.fclose = m.HEAPU32[(handle + 4) >> 2];
    m.HEAPU32[(handle + 4) >> 2] = closePtr ||= api.cfunction(close);
    handles.set(handle, p);
    if (mode === "w") unclosed.add(p);
    return 1;
  };
}
