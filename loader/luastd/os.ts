/**
 * The `os` library as `lua5.4` has it on a POSIX host (the wasm build of Lua is not
 * LUA_USE_POSIX: its `os.execute` returns a raw wait status, `os.tmpname` uses tmpnam, and
 * `os.exit` would leave the process without flushing). The reference's `os.hostname`,
 * `os.arch` and `os.platform` are a builtin (builtins/os.ts) that adds them to this table.
 * Every call that touches the host asks the policy.
 */
import { closeSync, constants as fsc, openSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { LUA_TBOOLEAN, type LuaApi, LuaError } from "../lua-api.ts";
import type { BuiltinContext } from "../plugin.ts";
import { environmentOf } from "../variables.ts";
import { signalNumber, trackChild } from "./signals.ts";
import { endWithProcess, killTree } from "../process-tree.ts";
import { callOriginal, checkCString, keepOriginal, optCString, replace } from "./cfn.ts";
import type { Errno } from "./errno.ts";

const TMPNAM_TEMPLATE = "/tmp/lua_";
const TMPNAM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOCALE_CATEGORIES = ["all", "collate", "ctype", "monetary", "numeric", "time"];

/** A shell command's end as `luaL_execresult` reports it: true|nil, "exit"|"signal", n. */
export function pushExecResult(api: LuaApi, L: number, code: number | null, signal: string | null): number {
  if (code === null && signal) {
    api.pushnil(L);
    api.pushstring(L, "signal");
    api.pushinteger(L, signalNumber(signal));
  } else {
    const n = code ?? 127;
    if (n === 0) api.pushboolean(L, true);
    else api.pushnil(L);
    api.pushstring(L, "exit");
    api.pushinteger(L, n);
  }
  return 3;
}

/** `luaL_checkoption`: the index of the argument in `options`, or Lua's "invalid option". */
export function checkOption(api: LuaApi, L: number, arg: number, def: string | null, options: string[]): number {
  const name = def === null ? checkCString(api, L, arg) : optCString(api, L, arg, def);
  const i = options.indexOf(name);
  if (i < 0) api.argerror(L, arg, `invalid option '${name}'`);
  return i;
}

export function installOs(ctx: BuiltinContext, errno: Errno): void {
  const { api, L, policy, scheduler } = ctx;
  const m = api.m;
  const shellEnv = () => environmentOf(ctx.vars);

  const execute = (L: number): number => {
    const p = m._luaL_optlstring(L, 1, 0, 0);
    if (!p) {
      // "Is there a shell?": not for a script that may not run one.
      api.pushboolean(L, policy.hasAny("run"));
      return 1;
    }
    const command = api.readCString(p);
    policy.check("os.execute", "run", command);
    if (!api.isyieldable(L)) {
      // A finalizer or a sort comparator cannot wait for the scheduler: block instead.
      const done = trackChild();
      const r = spawnSync("/bin/sh", ["-c", command], { stdio: ["inherit", ctx.childStdout, "inherit"], env: shellEnv() });
      done(true);
      if (r.error) return errno.pushFileResult(L, r.error, null);
      return pushExecResult(api, L, r.status, r.signal);
    }
    // Wait without blocking other tasks; like system(3), SIGINT goes to the child only.
    // Cancelling the task (closing or stopping the VM) kills the child and what it started;
    // so does the process ending (a --timeout).
    return scheduler.suspend(L, (abort) => {
      const done = trackChild();
      return new Promise<(L: number) => number>((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", command], { stdio: ["inherit", ctx.childStdout, "inherit"], env: shellEnv() });
        const forget = child.pid ? endWithProcess(child.pid) : () => {};
        const kill = () => child.pid && killTree(child.pid);
        abort.addEventListener("abort", kill, { once: true });
        child.once("error", (err) => {
          forget();
          resolve((L) => errno.pushFileResult(L, err, null));
        });
        child.once("exit", (code, signal) => {
          forget();
          abort.removeEventListener("abort", kill);
          if (abort.aborted) reject(abort.reason);
          else resolve((L) => pushExecResult(api, L, code, signal));
        });
      }).finally(() => done(false));
    });
  };

  const exit = (L: number): number => {
    let status: number;
    if (api.type(L, 1) === LUA_TBOOLEAN) status = api.toboolean(L, 1) ? 0 : 1;
    else status = Number(BigInt.asIntN(32, m._luaL_optinteger(L, 1, 0n)));
    if (api.toboolean(L, 2) && ctx.ownsProcess) {
      // lua_close runs the main thread's pending <close> variables; the script's main chunk runs
      // on its task's coroutine, whose own go first (as lua5.4 closes the chunk's).
      const task = scheduler.current?.thread;
      if (task !== undefined && task !== ctx.L) m._lua_resetthread(task, ctx.L);
      m._lua_close(ctx.L);
    }
    ctx.flushStdio();
    return ctx.exit(status & 0xff);
  };

  const getenv = (L: number): number => {
    const name = checkCString(api, L, 1);
    policy.check("os.getenv", "env", name);
    const value = ctx.vars.get(name);
    if (value === undefined) api.pushnil(L);
    else api.pushstring(L, value);
    return 1;
  };

  // POSIX lua5.4 uses mkstemp("/tmp/lua_XXXXXX"): the file exists when the name is returned.
  const tmpname = (L: number): number => {
    policy.check("os.tmpname", "write", "/tmp");
    for (let attempt = 0; attempt < 100; attempt++) {
      let name = TMPNAM_TEMPLATE;
      for (let i = 0; i < 6; i++) name += TMPNAM_CHARS[randomInt(TMPNAM_CHARS.length)];
      try {
        closeSync(openSync(name, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL, 0o600));
        api.pushstring(L, name);
        return 1;
      } catch (err) {
        if ((err as { code?: string }).code !== "EEXIST") break;
      }
    }
    throw new LuaError("unable to generate a unique filename");
  };

  const clock = (L: number): number => {
    const { user, system } = process.cpuUsage();
    api.pushnumber(L, (user + system) / 1e6);
    return 1;
  };

  // A C-locale-only build: "C", "POSIX" and "" (the environment's, which is C here) succeed.
  const setlocale = (L: number): number => {
    const locale = optCString(api, L, 1, null);
    checkOption(api, L, 2, "all", LOCALE_CATEGORIES);
    if (locale === null || locale === "" || locale === "C" || locale === "POSIX") api.pushstring(L, "C");
    else api.pushnil(L);
    return 1;
  };

  const removeRef = keepOriginal(api, L, "os", "remove");
  const remove = (L: number): number => {
    const name = checkCString(api, L, 1);
    policy.check("os.remove", "write", name);
    return callOriginal(api, L, removeRef, api.gettop(L));
  };
  const renameRef = keepOriginal(api, L, "os", "rename");
  const rename = (L: number): number => {
    const from = checkCString(api, L, 1);
    const to = checkCString(api, L, 2);
    policy.check("os.rename", "write", from);
    policy.check("os.rename", "write", to);
    return callOriginal(api, L, renameRef, api.gettop(L));
  };

  const fns: Record<string, (L: number) => number> = {
    execute, exit, getenv, tmpname, clock, setlocale, remove, rename,
  };
  for (const [name, fn] of Object.entries(fns)) replace(api, L, "os", name, fn);
}
