/**
 * Runs a chunk as the main task of a VM: source prepared as `luaL_loadfilex` does, `arg` and
 * `...` set as `lua` does, uncaught errors reported as one ERROR line plus the traceback. A
 * run with a live server goes on after the main chunk until SIGTERM/SIGINT shuts it down.
 */
import { LUA_OK, type LuaApi } from "./lua-api.ts";
import { errorText } from "./error-text.ts";
import { loadMode, prepareSource } from "./source.ts";
import type { Vm } from "./vm.ts";
import type { Task } from "./scheduler.ts";
import { watchShutdown } from "./shutdown.ts";

export interface MainChunk {
  source: Uint8Array;
  /** Chunk name without the leading `@`. */
  name: string;
  /** `arg[0]`. */
  scriptPath: string;
  args: string[];
}

/**
 * Loads the chunk and makes it the VM's main task, with `arg` and `...` set; a load or set-up
 * failure is returned as its message (`file:line: ...`) instead.
 */
export function startMain(vm: Vm, chunk: MainChunk): Task | string {
  const { api, L, scheduler, ctx } = vm;
  const status = api.load(L, prepareSource(chunk.source), "@" + chunk.name, loadMode(ctx.policy.profile));
  if (status !== LUA_OK) {
    const message = errorText(api, L, -1);
    api.pop(L);
    return message;
  }
  // Protected: a tiny --memory-limit and long arguments must give an error, not a Lua panic.
  let main: Task | undefined;
  const failed = api.protect(L, 1, (P) => {
    setArgTable(api, P, ctx.runtime.executable, chunk.scriptPath, chunk.args);
    for (const a of chunk.args) api.pushstring(P, a);
    main = scheduler.spawn(P, chunk.args.length, "main");
  });
  return failed ?? main ?? "the main chunk could not be started";
}

/** Loads and runs the main chunk; resolves with the process exit code. */
export async function runMain(vm: Vm, chunk: MainChunk): Promise<number> {
  const { scheduler, ctx } = vm;
  const main = startMain(vm, chunk);
  if (typeof main === "string") {
    ctx.log.write("ERROR", "lua", main);
    return 1;
  }
  const shutdown = watchShutdown(vm);
  try {
    const outcome = await scheduler.run(main);
    if (outcome.ok) {
      // A server started by the script keeps the run going until it is shut down (README §0 item 7).
      if (ctx.services.size > 0) await scheduler.runUntil(ctx.services.idle());
      return 0;
    }
    if (outcome.cancelled) return shutdown.requested ? 0 : 1;
    reportError(vm, main.thread);
    return 1;
  } finally {
    shutdown.dispose();
  }
}

/** Logs an uncaught error at ERROR, followed by the traceback of the failed thread. */
export function reportError(vm: Vm, thread: number): void {
  const { api, L, ctx } = vm;
  // The script may have failed by filling the heap: the report must still be made (its
  // traceback is built in Lua memory, outside any pcall, where a failure would be a panic).
  ctx.heap.lift();
  const message = errorText(api, thread, -1, L);
  let traceback = "";
  api.protect(L, 0, (P) => {
    api.traceback(P, thread, null, 0);
    traceback = api.tostring(P, -1) ?? "";
  });
  // At -v, an error that began as a JS exception in the runtime shows where it was thrown.
  const jsStack = ctx.log.enabled("DEBUG", "assay") ? ctx.jsErrors.find(message) : undefined;
  if (jsStack) traceback += `${traceback ? "\n" : ""}JavaScript stack of the error:\n${jsStack}`;
  ctx.log.write("ERROR", "lua", message, traceback ? { traceback } : {});
}

/** Sets the global `arg` as `lua` does: the script at 0, the interpreter at -1, the arguments from 1. */
export function setArgTable(api: LuaApi, L: number, exe: string, script: string, args: string[]): void {
  api.newtable(L, args.length, 2);
  api.pushstring(L, exe);
  api.rawseti(L, -2, -1);
  api.pushstring(L, script);
  api.rawseti(L, -2, 0);
  args.forEach((a, i) => {
    api.pushstring(L, a);
    api.rawseti(L, -2, i + 1);
  });
  api.setglobal(L, "arg");
}
