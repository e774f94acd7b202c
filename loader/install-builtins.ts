/**
 * Installs the registered builtins into a VM from their declarations (plugin.ts): each
 * function the profile or a capability flag admits is wrapped so that its arguments are read
 * by the declared schema, its result is pushed by the conversion rules, an async one suspends
 * the calling task (cancellable through the call's signal), and a JS failure reaches Lua as
 * `<fn>: <message>` (its stack logged at debug level, so `-v` shows where it came from).
 *
 * @example
 * ```ts
 * installBuiltins(ctx); // after the standard library and require are in place
 * ```
 */
import { type CFunction, LUA_REGISTRYINDEX, LUA_TTABLE, LuaError } from "./lua-api.ts";
import { type Builtin, type BuiltinContext, type FunctionDecl, type Impl, qualifiedName } from "./plugin.ts";
import { builtins } from "./plugin.ts";
import { readArgs } from "./bridge/args.ts";
import { ConversionError, Multi, push } from "./bridge/values.ts";
import type { Policy } from "./sandbox/policy.ts";

/** Whether the profile includes the function, or a flag grants a capability it needs. */
export function admits(policy: Policy, decl: FunctionDecl): boolean {
  return policy.profile === "full" ||
    (decl.profiles ?? []).includes(policy.profile as never) ||
    (decl.capabilities ?? []).some((cap) => policy.flagGrants(cap));
}

/** Installs every registered builtin that has at least one admitted function. */
export function installBuiltins(ctx: BuiltinContext): void {
  for (const builtin of builtins()) installBuiltin(ctx, builtin);
}

/** Installs one builtin's admitted functions; fails when implementations and declarations differ. */
export function installBuiltin(ctx: BuiltinContext, builtin: Builtin): void {
  const admitted = Object.entries(builtin.functions).filter(([, decl]) => admits(ctx.policy, decl));
  if (admitted.length === 0) return;
  const impls = builtin.install(ctx);
  for (const name of Object.keys(builtin.functions)) {
    if (!(name in impls)) throw new Error(`builtin ${builtin.name}: ${name} is declared but not implemented`);
  }
  for (const name of Object.keys(impls)) {
    if (!(name in builtin.functions)) throw new Error(`builtin ${builtin.name}: ${name} is implemented but not declared`);
  }
  const { api, L } = ctx;
  if (builtin.callable) {
    api.pushfunction(L, wrap(ctx, qualifiedName(builtin, builtin.name), builtin.functions[builtin.name], impls[builtin.name]));
    record(ctx, builtin.name);
    api.setglobal(L, builtin.name);
    return;
  }
  api.newtable(L, 0, admitted.length);
  const table = api.gettop(L);
  for (const [name, decl] of admitted) {
    api.pushfunction(L, wrap(ctx, qualifiedName(builtin, name), decl, impls[name]));
    api.setfield(L, table, name);
  }
  record(ctx, builtin.name);
  if (builtin.publish) builtin.publish(ctx, table);
  else api.setglobal(L, builtin.name);
  api.settop(L, table - 1);
}

/** The registry field listing what each builtin installed (for introspection and tests). */
export const INSTALLED_KEY = "assay.builtins";

/** Records the value on top of the stack (kept there) as what builtin `name` installed. */
function record(ctx: BuiltinContext, name: string): void {
  const { api, L } = ctx;
  if (api.getfield(L, LUA_REGISTRYINDEX, INSTALLED_KEY) !== LUA_TTABLE) {
    api.pop(L);
    api.newtable(L);
    api.pushvalue(L, -1);
    api.setfield(L, LUA_REGISTRYINDEX, INSTALLED_KEY);
  }
  api.pushvalue(L, -2);
  api.setfield(L, -2, name);
  api.pop(L);
}

/** Pushes an implementation's result; returns the number of values. */
export function pushResult(ctx: BuiltinContext, L: number, fn: string, result: unknown): number {
  const pushFunction = (L: number, f: CFunction) => ctx.objects.pushClosure(L, f);
  try {
    if (result === undefined) return 0;
    if (result instanceof Multi) {
      ctx.api.checkstack(L, result.values.length);
      for (const v of result.values) push(ctx.api, L, v, pushFunction);
      return result.values.length;
    }
    push(ctx.api, L, result, pushFunction);
    return 1;
  } catch (e) {
    if (e instanceof ConversionError) throw new LuaError(`${fn}: ${e.message}`);
    throw e;
  }
}

/** A JS failure as the Lua error the script sees; an unexpected one's stack is kept for the report. */
export function asLuaError(ctx: BuiltinContext, fn: string, e: unknown): unknown {
  if (e instanceof LuaError || typeof e === "number") return e;
  const message = `${fn}: ${e instanceof Error ? e.message : String(e)}`;
  if (e instanceof Error && e.stack) ctx.jsErrors.record(message, e.stack);
  return new LuaError(message);
}

/**
 * Suspends the task at L on `work` (given the call's abort signal): its result is pushed by the
 * conversion rules, its failure raised as `<fn>: ...`. For raw implementations that do async
 * work; declared `async` functions get the same through the installer.
 */
export function suspendCall(ctx: BuiltinContext, L: number, fn: string, work: (signal: AbortSignal) => Promise<unknown>): number {
  return ctx.scheduler.suspend(L, (signal) =>
    work(signal).then(
      (result) => (co: number) => pushResult(ctx, co, fn, result),
      (e) => Promise.reject(asLuaError(ctx, fn, e)),
    ));
}

/** The C function Lua calls for one declared function. */
function wrap(ctx: BuiltinContext, fn: string, decl: FunctionDecl, impl: Impl): CFunction {
  if (typeof impl !== "function") {
    const raw = impl.raw;
    return (L) => {
      try {
        return raw(L);
      } catch (e) {
        throw asLuaError(ctx, fn, e);
      }
    };
  }
  const { api } = ctx;
  const never = new AbortController().signal;
  const keep = (L: number, idx: number) => ctx.callbacks.keep(L, idx);
  const callSync = (L: number, args: unknown[]): number => {
    let result: unknown;
    try {
      result = impl(args, { L, fn, signal: never });
    } catch (e) {
      throw asLuaError(ctx, fn, e);
    }
    return pushResult(ctx, L, fn, result);
  };
  // The implementation runs before the task yields, so a failure it throws at once (a bad
  // argument, a policy denial) is raised without waiting.
  const callAsync = (L: number, args: unknown[]): number => {
    try {
      return suspendCall(ctx, L, fn, (signal) => Promise.resolve(impl(args, { L, fn, signal })));
    } catch (e) {
      throw asLuaError(ctx, fn, e);
    }
  };
  const call = decl.async ? callAsync : callSync;
  const needs = decl.needs;
  return (L) => {
    if (needs && !needs.loaded) {
      // First use: load it now, synchronously, so the call can be made from anywhere.
      try {
        needs.get();
      } catch (e) {
        throw asLuaError(ctx, fn, e);
      }
    }
    return call(L, readArgs(api, L, fn, decl.args, 1, keep));
  };
}
