/**
 * The builtin plugin registry. A builtin is a module under builtins/ that calls
 * `registerBuiltin` when imported: it names its global, the capabilities it needs and an
 * install function. The VM installs the builtins the sandbox profile (or a capability flag)
 * admits, and hands each a context through which it reaches logging, variables, policy and
 * the scheduler; builtins never use module-level globals for those.
 */
import type { LuaApi } from "./lua-api.ts";
import type { LogSink } from "./log-sink.ts";
import type { VariableProvider } from "./variables.ts";
import type { Policy } from "./sandbox/policy.ts";
import type { Scheduler } from "./scheduler.ts";

/** What a builtin may touch outside the VM; `--allow-*`/`--deny-*` flags use the same names. */
export type Capability = "net" | "listen" | "read" | "write" | "env" | "run" | "timer";

export interface RuntimeInfo {
  version: string;
  /** Path of the running binary (`arg[-1]`). */
  executable: string;
  /** The script as given on the command line, or "<eval>". */
  scriptPath: string;
}

/** Everything a builtin's install function gets. */
export interface BuiltinContext {
  api: LuaApi;
  /** The main Lua state; install functions create their globals here. */
  L: number;
  log: LogSink;
  vars: VariableProvider;
  policy: Policy;
  scheduler: Scheduler;
  runtime: RuntimeInfo;
  /** Flushes every C stdio stream (before exit or running a child process). */
  flushStdio(): void;
  /** Exits the process the way the runtime does (flushes stdout first). */
  exit(code: number): never;
}

export interface Builtin {
  /** The global it installs, as listed by `assay modules`. */
  name: string;
  description: string;
  /** Capabilities any of its functions may ask the policy for. */
  capabilities: Capability[];
  /** Profiles that install it without a flag (`full` installs everything). */
  profiles: ("restricted" | "pure")[];
  install(ctx: BuiltinContext): void;
}

const registry = new Map<string, Builtin>();

/** Adds a builtin; called at import time by each module under builtins/. */
export function registerBuiltin(builtin: Builtin): void {
  if (registry.has(builtin.name)) throw new Error(`builtin ${builtin.name} registered twice`);
  registry.set(builtin.name, builtin);
}

/** Every registered builtin, in registration order. */
export function builtins(): Builtin[] {
  return [...registry.values()];
}
