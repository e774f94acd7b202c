/**
 * One Lua VM: its own wasm instance (host syscalls, native allocator with the heap limit),
 * the state with the standard libraries, the scheduler, the host-backed standard library
 * patches, `require`, and the builtins the sandbox profile admits. `Vm.close()` releases all
 * of it: in-flight operations are aborted, builtins' cleanups run, `lua_close` collects every
 * object (handles release their JS resources in `__gc`), and the instance is dropped.
 *
 * Everything after the (shared, compiled-once) modules are ready is synchronous, so VMs
 * created concurrently never interleave.
 *
 * @example
 * ```ts
 * const vm = await createVm({ policy, log, vars, runtime });
 * try { await runMain(vm, chunk) } finally { vm.close() }
 * ```
 */
import { compiledLua, instantiateLua, type LuaModule } from "./wasm.ts";
import { attachNative, compiledNative } from "./wasm/native.ts";
import { LuaApi, LuaError } from "./lua-api.ts";
import { Scheduler } from "./scheduler.ts";
import type { BuiltinContext, RuntimeInfo } from "./plugin.ts";
import { installBuiltins } from "./install-builtins.ts";
import { Objects } from "./bridge/objects.ts";
import { Callbacks } from "./bridge/callback.ts";
import { policyHost } from "./host-facade.ts";
import { JsErrors } from "./js-errors.ts";
import { Services } from "./services.ts";
import type { LogSink } from "./log-sink.ts";
import { environmentOf, type VariableProvider } from "./variables.ts";
import type { Policy } from "./sandbox/policy.ts";
import { installLuaStd } from "./luastd/index.ts";
import { installRequire } from "./require.ts";
import { HeapBudget } from "./heap-budget.ts";
import { InstructionHook } from "./instruction-hook.ts";
import { nativeLocation, wasmLocation } from "./host.ts";

export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
/**
 * The wasm memory cap, as a backstop only: the heap limit is enforced by counting; the cap
 * leaves room for fragmentation and for buffers malloc'd outside Lua's allocator.
 */
function memoryCap(current: number, limit: number): number {
  return current + 2 * limit + 16 * 1024 * 1024;
}

export interface VmOptions {
  policy: Policy;
  log: LogSink;
  vars: VariableProvider;
  runtime: RuntimeInfo;
  /** Where the Lua wasm and the native helpers are; the runtime's own by default. */
  wasmPath?: string;
  nativePath?: string;
  /** Lua heap limit in bytes. */
  memoryLimit?: number;
  /** Directory of the script, searched first by `require` (`package.path`). */
  scriptDir?: string;
  /** How the process ends (flushing is done before); tests may throw instead. */
  exit?: (code: number) => never;
  /** False when `exit` ends only this VM's run (check scripts); see BuiltinContext. */
  ownsProcess?: boolean;
  /** Takes Lua's standard output and error instead of descriptors 1 and 2 (see HostHooks). */
  output?: (fd: 1 | 2, bytes: Uint8Array) => void;
  /**
   * Keep Lua's own allocator, with no heap limit: only for the benchmark that measures what
   * counting costs (bench/vm-cost.ts).
   */
  uncountedAllocator?: boolean;
}

/** A running VM. Close it from outside Lua code (not from a builtin it is running). */
export class Vm {
  private closed = false;

  constructor(
    readonly api: LuaApi,
    readonly L: number,
    readonly scheduler: Scheduler,
    readonly ctx: BuiltinContext,
    readonly hook: InstructionHook,
    private readonly cleanups: (() => void)[],
    private readonly abort: AbortController,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops every task from outside (a check's timeout, shutdown) without ending the process:
   * waiting tasks end at once, a task running Lua code at its next hook check. The run's
   * `scheduler.run` then returns as cancelled. A task inside one long C call ends only when
   * the call returns; see watchdog.ts and docs/architecture.md.
   */
  stop(reason: unknown = new LuaError("the Lua VM was stopped", 0)): void {
    // Called from inside Lua (a builtin), the running task must be reached by the hook, and so
    // must Lua code that runs outside any task from now on (finalizers, __tostring).
    this.hook.stopping(reason);
    this.scheduler.cancelAll(reason);
  }

  /** Releases everything the VM holds; further use of it is an error. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Finalizers and cleanups run now must not fail for want of memory the script used up.
    this.ctx.heap.lift();
    this.abort.abort(new LuaError("the Lua VM was closed", 0));
    this.scheduler.close();
    this.ctx.objects.closeAll((e) => this.ctx.log.write("WARN", "assay", `closing the VM: ${(e as Error).message}`));
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch (e) {
        this.ctx.log.write("WARN", "assay", `closing the VM: ${(e as Error).message}`);
      }
    }
    this.ctx.flushStdio();
    try {
      this.api.m._lua_close(this.L);
    } catch (e) {
      // A __gc that longjmps out of lua_close has nowhere to go; the instance is dropped anyway.
      if (typeof e !== "number") throw e;
    }
    // What finalizers wrote at close (lua5.4 flushes at exit too).
    this.ctx.flushStdio();
  }
}

/** Creates a VM; the compiled modules are shared, the instance is its own. */
export async function createVm(options: VmOptions): Promise<Vm> {
  const [lua, native] = await Promise.all([
    compiledLua(options.wasmPath ?? wasmLocation()),
    compiledNative(options.nativePath ?? nativeLocation()),
  ]);
  return buildVm(options, lua, native);
}

function buildVm(options: VmOptions, lua: WebAssembly.Module, native: WebAssembly.Module): Vm {
  // The exit hook given to the instance flushes its streams, so it closes over `m`.
  // deno-lint-ignore prefer-const
  let m: LuaModule | undefined;
  const flushStdio = () => m?._fflush(0);
  const exit = (code: number): never => {
    flushStdio();
    if (options.exit) return options.exit(code);
    process.exit(code);
  };
  m = instantiateLua(lua, { exit, environ: () => environmentOf(options.vars), policy: options.policy, output: options.output });
  const helpers = attachNative(m, native);
  const api = new LuaApi(m);
  const L = m._luaL_newstate();
  if (!L) throw new Error("creating Lua VM: out of memory");
  const heap = new HeapBudget(m);
  if (!options.uncountedAllocator) m._lua_setallocf(L, helpers.alloc, heap.address);
  m._luaL_openlibs(L);
  // Last resort for a Lua error outside any protected call: a JS exception the caller sees
  // (the CLI reports "assay: internal error: ..."), instead of Lua's abort().
  m._lua_atpanic(L, m.addFunction((P: number) => {
    throw new Error(`Lua panic: ${api.tostring(P, -1) ?? "unprotected error"}`);
  }, "ii"));

  const cleanups: (() => void)[] = [];
  const abort = new AbortController();
  const scheduler = new Scheduler(api, L);
  const objects = new Objects(api, L);
  const callbacks = new Callbacks(api, L, scheduler, objects);
  cleanups.push(() => callbacks.close());
  const ctx: BuiltinContext = {
    api,
    L,
    log: options.log,
    vars: options.vars,
    policy: options.policy,
    scheduler,
    runtime: options.runtime,
    heap,
    objects,
    callbacks,
    host: policyHost(options.policy, options.vars),
    jsErrors: new JsErrors(),
    signal: abort.signal,
    onClose: (cleanup) => void cleanups.push(cleanup),
    services: new Services(),
    flushStdio,
    exit,
    ownsProcess: options.ownsProcess ?? true,
    childStdout: options.output ? 2 : 1,
  };
  installLuaStd(ctx);
  installRequire(ctx, { scriptDir: options.scriptDir ?? "." });
  installBuiltins(ctx);
  const limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  heap.limitFromNow(limit);
  m.setMemoryCap(memoryCap(m.HEAPU8.length, limit));
  return new Vm(api, L, scheduler, ctx, new InstructionHook(api, L, scheduler), cleanups, abort);
}
