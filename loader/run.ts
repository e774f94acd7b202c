/**
 * Runs a chunk as the main task of a VM: source prepared as `luaL_loadfilex` does, `arg` and
 * `...` set as `lua` does, uncaught errors reported as one ERROR line plus the traceback.
 */
import { LUA_OK, LUA_TSTRING, type LuaApi } from "./lua-api.ts";
import type { Vm } from "./vm.ts";
import type { Task } from "./scheduler.ts";

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Prepares source bytes like `luaL_loadfilex`: skips a UTF-8 BOM, and a first line starting
 * with `#` while keeping its newline so line numbers stay those of the file.
 */
export function prepareSource(bytes: Uint8Array): Uint8Array {
  let start = 0;
  if (UTF8_BOM.every((b, i) => bytes[i] === b)) start = 3;
  if (bytes[start] === 0x23 /* # */) {
    let nl = start;
    while (nl < bytes.length && bytes[nl] !== 0x0a) nl++;
    // Keep the newline itself (or the empty remainder).
    return bytes.subarray(nl);
  }
  return bytes.subarray(start);
}

/** The load mode a profile allows: binary chunks only in `full`. */
export function loadMode(profile: string): string {
  return profile === "full" ? "bt" : "t";
}

/** Text of an error value as `lua.c` prints it. */
export function errorText(api: LuaApi, L: number, idx: number): string {
  if (api.type(L, idx) === LUA_TSTRING) return api.tostring(L, idx) ?? "";
  if (api.m._luaL_callmeta(L, idx, api.cstr("__tostring")) && api.type(L, -1) === LUA_TSTRING) {
    const s = api.tostring(L, -1) ?? "";
    api.pop(L);
    return s;
  }
  return `(error object is a ${api.typename(L, idx)} value)`;
}

export interface MainChunk {
  source: Uint8Array;
  /** Chunk name without the leading `@`. */
  name: string;
  /** `arg[0]`. */
  scriptPath: string;
  args: string[];
}

/** Loads and runs the main chunk; resolves with the process exit code. */
export async function runMain(vm: Vm, chunk: MainChunk): Promise<number> {
  const { api, L, scheduler, ctx } = vm;
  const status = api.load(L, prepareSource(chunk.source), "@" + chunk.name, loadMode(ctx.policy.profile));
  if (status !== LUA_OK) {
    ctx.log.write("ERROR", "assay", errorText(api, L, -1));
    api.pop(L);
    return 1;
  }
  setArgTable(api, L, ctx.runtime.executable, chunk.scriptPath, chunk.args);
  for (const a of chunk.args) api.pushstring(L, a);

  scheduler.onTaskEnd = (task, outcome) => {
    if (!outcome.ok && !task.awaited) {
      ctx.log.write("ERROR", "assay", `async task failed: ${errorText(api, task.thread, -1)}`);
    }
  };
  const main: Task = scheduler.spawn(L, chunk.args.length, "main");
  const outcome = await scheduler.run(main);
  if (outcome.ok) return 0;
  reportError(vm, main.thread);
  return 1;
}

/** Logs an uncaught error at ERROR, followed by the traceback of the failed thread. */
export function reportError(vm: Vm, thread: number): void {
  const { api, L, ctx } = vm;
  const message = errorText(api, thread, -1);
  api.traceback(L, thread, null, 0);
  const traceback = api.tostring(L, -1) ?? "";
  api.pop(L);
  ctx.log.write("ERROR", "lua", message, traceback ? { traceback } : {});
}

function setArgTable(api: LuaApi, L: number, exe: string, script: string, args: string[]): void {
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
