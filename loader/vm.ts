/**
 * Creates one Lua VM: the wasm module with host syscalls, the state with the standard
 * libraries, the scheduler, the host-backed standard library patches (including coroutine
 * functions that forward scheduler yields), `require`, and the builtins the sandbox profile
 * admits.
 */
import { loadLuaWasm } from "./wasm.ts";
import { LUA_OK, LuaApi, LuaError } from "./lua-api.ts";
import { Scheduler } from "./scheduler.ts";
import { type BuiltinContext, builtins, type RuntimeInfo } from "./plugin.ts";
import type { LogSink } from "./log-sink.ts";
import { environmentOf, type VariableProvider } from "./variables.ts";
import type { Policy } from "./sandbox/policy.ts";
import { EMBEDDED } from "../stdlib/embedded.gen.ts";
import { installLuaStd } from "./luastd/index.ts";
import { installRequire } from "./require.ts";

export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;

export interface VmOptions {
  wasmPath: string;
  policy: Policy;
  log: LogSink;
  vars: VariableProvider;
  runtime: RuntimeInfo;
  /** Lua heap limit in bytes. */
  memoryLimit?: number;
  /** Directory of the script, searched first by `require` (`package.path`). */
  scriptDir?: string;
  /** How the process ends (flushing is done before); tests may throw instead. */
  exit?: (code: number) => never;
}

export interface Vm {
  api: LuaApi;
  L: number;
  scheduler: Scheduler;
  ctx: BuiltinContext;
}

/** Runs an embedded Lua chunk (from loader/lua/) with the values pushed by `pushArgs`. */
export function runEmbedded(api: LuaApi, L: number, path: string, pushArgs: () => number): void {
  const source = EMBEDDED[path];
  if (source === undefined) throw new Error(`assay: embedded chunk missing: ${path}`);
  if (api.load(L, new TextEncoder().encode(source), `=[assay ${path}]`, "t") !== LUA_OK) {
    throw new Error(`assay: loading ${path}: ${api.tostring(L, -1)}`);
  }
  const nargs = pushArgs();
  if (api.pcall(L, nargs, 0) !== LUA_OK) {
    const msg = api.tostring(L, -1);
    api.pop(L);
    throw new Error(`assay: running ${path}: ${msg}`);
  }
}

export async function createVm(options: VmOptions): Promise<Vm> {
  let flushStdio = () => {};
  const exit = (code: number): never => {
    flushStdio();
    if (options.exit) return options.exit(code);
    process.exit(code);
  };
  const wasm = await loadLuaWasm({
    wasmPath: options.wasmPath,
    hooks: { exit, environ: () => environmentOf(options.vars) },
  });
  const m = wasm.module;
  flushStdio = () => m._fflush(0);
  const api = new LuaApi(m);
  const L = m._luaL_newstate();
  if (!L) throw new Error("error: creating Lua VM: out of memory");
  m._luaL_openlibs(L);
  // Count the limit from what the runtime itself occupies once the libraries are open.
  wasm.setHeapCap(m.HEAPU8.length + (options.memoryLimit ?? DEFAULT_MEMORY_LIMIT));

  const scheduler = new Scheduler(api, L);
  const ctx: BuiltinContext = {
    api,
    L,
    log: options.log,
    vars: options.vars,
    policy: options.policy,
    scheduler,
    runtime: options.runtime,
    flushStdio: () => flushStdio(),
    exit,
  };
  installLuaStd(ctx);
  installRequire(ctx, { scriptDir: options.scriptDir ?? "." });
  installBuiltins(ctx);
  return { api, L, scheduler, ctx };
}

/** Installs every registered builtin the profile includes or a flag grants. */
function installBuiltins(ctx: BuiltinContext): void {
  const { policy } = ctx;
  for (const builtin of builtins()) {
    const included = policy.profile === "full" ||
      (builtin.profiles as string[]).includes(policy.profile) ||
      builtin.capabilities.some((cap) => policy.flagGrants(cap));
    if (!included) continue;
    try {
      builtin.install(ctx);
    } catch (e) {
      if (e instanceof LuaError) throw new Error(`assay: installing ${builtin.name}: ${e.message}`);
      throw e;
    }
  }
}
