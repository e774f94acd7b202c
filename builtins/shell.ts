/**
 * `shell.exec` (builtins.md §18): a command line run by `/bin/sh -c`, its output collected.
 * Unlike the reference it does not block the runtime: the calling task waits, other tasks
 * (async.spawn, intervals, request handlers) keep running.
 *
 * The child leads a process group of its own, and nothing it starts outlives the call's
 * cancellation: a timeout kills the whole group with SIGKILL; a cancelled task, a closed VM or
 * the run's `--timeout` end it too (host-facade.ts `runChild`). A normal exit waits for the
 * output pipes to close, as the reference does, so a background process that keeps them open
 * keeps the call waiting; one that redirects its output is left running (a script may start a
 * daemon). stdout and stderr are the bytes the command wrote (README §0 item 8), not text with
 * U+FFFD in place of invalid UTF-8 as in the reference.
 *
 * | function | |
 * |---|---|
 * | `shell.exec(cmd, opts?) -> {status, stdout, stderr, timed_out}` | runs `cmd`; opts `cwd`, `env` (added to the environment), `stdin`, `timeout` (seconds) |
 */
import { registerBuiltin } from "../loader/plugin.ts";
import { LuaError } from "../loader/lua-api.ts";
import { osErrorText } from "../loader/os-error.ts";

interface ExecOptions {
  cwd?: string;
  env?: Map<string, string>;
  stdin?: Uint8Array;
  timeout?: unknown;
}

const TIMEOUT_ERROR = "shell.exec: timeout must be a non-negative finite number";

/** The timeout in milliseconds, or undefined without one; raises the spec's text for anything else. */
function timeoutMs(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || !(timeout >= 0) || !Number.isFinite(timeout)) throw new LuaError(TIMEOUT_ERROR);
  return timeout * 1000;
}

/** The variables to add, checked as the OS environment can hold them. */
function addedVariables(env: Map<string, string> | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  for (const [name, value] of env) {
    if (name === "" || /[=\0]/.test(name)) throw new LuaError(`shell.exec: invalid environment variable name ${JSON.stringify(name)}`);
    if (value.includes("\0")) throw new LuaError(`shell.exec: value of ${JSON.stringify(name)} contains a NUL byte`);
  }
  return Object.fromEntries(env);
}

registerBuiltin({
  name: "shell",
  description: "Run shell commands",
  keywords: ["command", "exec", "execute", "sh", "bash", "subprocess", "spawn", "run", "stdout", "stderr", "exit"],
  example: 'local r = shell.exec("git rev-parse HEAD", { cwd = "repo", timeout = 10 }); print(r.status, r.stdout)',
  functions: {
    exec: {
      signature: "shell.exec(cmd, opts?) -> {status, stdout, stderr, timed_out}",
      description: "Run a command line with /bin/sh -c and collect its exit status and output; a non-zero exit is not an error",
      args: [
        { name: "cmd", type: "text", optional: true, expect: "a command string", description: "run by /bin/sh -c" },
        {
          name: "opts",
          type: "options",
          optional: true,
          luaType: "shell.ExecOptions",
          fields: {
            cwd: { name: "cwd", type: "text", optional: true, description: "working directory" },
            env: {
              name: "env",
              type: "map",
              items: { name: "value", type: "text" },
              optional: true,
              description: "variables added to the inherited environment",
            },
            stdin: { name: "stdin", type: "bytes", optional: true, description: "written to the command's stdin (else /dev/null)" },
            // Any value, so that every bad one gets the spec's one message.
            timeout: {
              name: "timeout",
              type: ["number", "value"],
              optional: true,
              luaType: "number",
              description: "seconds; then the command is killed",
            },
          },
        },
      ],
      returns: [{ type: "shell.Result" }],
      errors: [
        "shell.exec: command string required",
        "shell.exec: timeout must be a non-negative finite number",
        "shell.exec: failed to spawn command: <why>",
      ],
      capabilities: ["run"],
      async: true,
    },
  },
  classes: {
    "shell.Result": {
      description: "What shell.exec returns",
      fields: {
        status: { type: "integer", description: "exit status; -1 when killed by a signal or timed out" },
        stdout: { type: "string", description: "the bytes the command wrote to stdout" },
        stderr: { type: "string", description: "the bytes it wrote to stderr" },
        timed_out: { type: "boolean", description: "the timeout killed it (stdout and stderr are then empty)" },
      },
    },
  },
  install: (ctx) => ({
    exec: async ([cmd, opts = {}]: [string | undefined, ExecOptions | undefined], { fn, signal }) => {
      if (cmd === undefined) throw new LuaError("shell.exec: command string required");
      const ms = timeoutMs(opts.timeout);
      const addEnv = addedVariables(opts.env);
      // The script's buffered writes (a file it has not closed yet) first, as popen does.
      ctx.flushStdio();
      let r;
      try {
        r = await ctx.host.shell(fn, cmd, { signal, cwd: opts.cwd, input: opts.stdin, addEnv, timeoutMs: ms });
      } catch (e) {
        if (e instanceof LuaError || signal.aborted) throw e;
        throw new LuaError(`shell.exec: failed to spawn command: ${osErrorText(e)}`);
      }
      if (r.timedOut) return { status: -1, stdout: "", stderr: "", timed_out: true };
      return { status: r.code ?? -1, stdout: r.stdout, stderr: r.stderr, timed_out: false };
    },
  }),
});
