/**
 * The builtin plugin registry. A builtin is a module under builtins/ that calls
 * `registerBuiltin` when imported, with a declaration at the top of its file: its global, and
 * per function a signature, a one-line description, the argument schema (the one the
 * argument reader enforces, see bridge/args.ts), the capabilities it may ask the policy for
 * and the profiles that include it. The VM installs each function that the sandbox profile
 * (or a capability flag) admits, so one global can be partly present (`http.get` without
 * `http.serve`). `assay modules`, `context`, the editor types (`assay types`) and the README's
 * table of builtins are generated from the same declarations (loader/docs/), so every function
 * also declares what it returns, and a builtin its search keywords, the non-function values it
 * puts on its global (`json.null`) and the tables and handles its functions hand out (`http.Client`).
 * tests/declarations.test.ts fails when anything installed lacks a declaration.
 *
 * A builtin reaches logging, variables, policy, the scheduler and the host only through the
 * context it is given, never through module-level state.
 *
 * @example
 * ```ts
 * registerBuiltin({
 *   name: "greet",
 *   description: "Greetings",
 *   functions: {
 *     hello: { signature: "greet.hello(name) -> string", description: "Says hello",
 *              args: [{ name: "name", type: "text" }], returns: [{ type: "string" }],
 *              profiles: ["restricted", "pure"] },
 *   },
 *   keywords: ["greeting", "hello"],
 *   install: () => ({ hello: ([name]) => `hello, ${name}` }),
 * });
 * ```
 */
import type { CFunction, LuaApi } from "./lua-api.ts";
import type { LogSink } from "./log-sink.ts";
import type { VariableProvider } from "./variables.ts";
import type { Capability, Policy, ProfileName } from "./sandbox/policy.ts";
import type { Scheduler } from "./scheduler.ts";
import type { HeapBudget } from "./heap-budget.ts";
import type { ArgSpec } from "./bridge/args.ts";
import type { Objects } from "./bridge/objects.ts";
import type { Callbacks } from "./bridge/callback.ts";
import type { Host } from "./host-facade.ts";
import type { JsErrors } from "./js-errors.ts";
import type { Services } from "./services.ts";

export type { Capability };

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
  /** The Lua heap limit's budget: charge JS buffers held for Lua to it. */
  heap: HeapBudget;
  /** Closures and handles held by Lua (released when collected). */
  objects: Objects;
  /** Lua functions kept by JS, to call later as tasks (`callback` arguments). */
  callbacks: Callbacks;
  /** Files, processes and the network, each call checked against the policy first. */
  host: Host;
  /** Stacks of JS errors that became Lua errors, for the uncaught-error report at `-v`. */
  jsErrors: JsErrors;
  /** Aborted when the VM closes: pass it to anything long-lived the builtin starts. */
  signal: AbortSignal;
  /** Registers a cleanup to run when the VM closes (servers, pools, timers). */
  onClose(cleanup: () => void): void;
  /** Long-running services (servers): the run waits for them and shuts them down on SIGTERM/SIGINT. */
  services: Services;
  /** Flushes every C stdio stream (before exit or running a child process). */
  flushStdio(): void;
  /** Exits the process the way the runtime does (flushes stdout first). */
  exit(code: number): never;
  /**
   * False for a VM that runs inside a larger run (a check's script): `os.exit` then ends that
   * VM's run through `exit`, and must not close the state under it first.
   */
  ownsProcess: boolean;
  /**
   * The descriptor child processes that inherit standard output get (`os.execute`, write-mode
   * `io.popen`): 1, or 2 when the VM's own output is captured (a check's stdout is the report).
   */
  childStdout: number;
}

/**
 * One value a function returns, for the generated documentation: its type in LuaCATS syntax
 * (`string`, `integer?`, `http.Response`, `table<string, string>`, a class of the builtin's
 * `classes`), and optionally a name (`...` for any number of values) and a description.
 */
export interface ReturnDecl {
  type: string;
  name?: string;
  description?: string;
}

/** What a function or method documents: the part the editor types and `assay context` show. */
export interface CallDoc {
  /** How it is called, e.g. `http.get(url, opts?) -> resp`. */
  signature: string;
  /** One line for `assay modules` and editor hovers. */
  description: string;
  /**
   * Its parameters: for functions, read and checked before the implementation runs (raw
   * implementations read them themselves; the schema then documents them).
   */
  args: ArgSpec[];
  /**
   * The values it returns, in order; `[]` for none. Optional in the type so test fixtures stay
   * short, but every registered builtin must give it (tests/declarations.test.ts).
   */
  returns?: ReturnDecl[];
  /** Error texts it raises that a script may want to match (`<placeholders>` in angle brackets). */
  errors?: string[];
}

/** One function of a builtin, as documented and as the installer enforces it. */
export interface FunctionDecl extends CallDoc {
  /** Capabilities it may ask the policy for. */
  capabilities?: Capability[];
  /** Profiles that install it without a flag (`full` installs everything). */
  profiles?: Exclude<ProfileName, "full">[];
  /**
   * The implementation returns a promise; the calling task suspends until it settles, and
   * the call's signal aborts when the task is cancelled or the VM closes.
   */
  async?: boolean;
  /**
   * The heavy dependency the function needs (see lazy.ts), loaded synchronously on its first
   * call; a failed load raises `<fn>: <why>`.
   */
  needs?: { loaded: boolean; get(): unknown };
}

/** What an implementation is called with besides its arguments. */
export interface Call {
  L: number;
  /** The Lua-visible name, for error messages: `http.get`. */
  fn: string;
  /** Aborted when the calling task is cancelled or the VM closes (async functions). */
  signal: AbortSignal;
}

/**
 * An implementation: given the arguments read by the declared schema, returns the result
 * (pushed by the conversion rules of bridge/values.ts; `undefined` is no value, `multi(...)`
 * several) or, for async functions, a promise of it. `raw` implementations get the Lua stack.
 */
// deno-lint-ignore no-explicit-any
export type Impl = ((args: any, call: Call) => unknown) | { raw: CFunction };

/** A field of a documented table (a result such as `http.Response`, a handler's request). */
export interface FieldDecl {
  /** LuaCATS type. */
  type: string;
  description?: string;
  /** May be absent (nil). */
  optional?: boolean;
}

/**
 * A kind of table or handle that a builtin's functions return or take (`http.Client`,
 * `db.Transaction`, `shell.Result`): its fields and its methods (called with a colon). Its
 * name is its key in `Builtin.classes`, which starts with the builtin's name (`http.Client`).
 */
export interface ClassDecl {
  description: string;
  fields?: Record<string, FieldDecl>;
  methods?: Record<string, CallDoc>;
}

/** A value a builtin puts on its global that is not a function (`json.null`). */
export interface ValueDecl {
  /** LuaCATS type. */
  type: string;
  description: string;
}

export interface Builtin {
  /** The global it installs. */
  name: string;
  description: string;
  /**
   * Words `assay context` finds it by besides its name, description and function names
   * (`crypto`: sha256, jwt...). Required of every registered builtin (tests/declarations.test.ts).
   */
  keywords?: string[];
  /** One line of Lua showing it in use, for the README's table and `assay context`. */
  example?: string;
  /**
   * How the global itself is called when it is a function that also carries functions
   * (`assert(v, msg)` with `assert.eq`...); `callable` builtins document that in `functions`.
   */
  call?: CallDoc;
  /** Its functions by name. */
  functions: Record<string, FunctionDecl>;
  /** Non-function values its global carries (set by `publish`), by name. */
  values?: Record<string, ValueDecl>;
  /** Other globals its functions set (`http.serve` sets `_SERVER_PORT`), by name. */
  globals?: Record<string, ValueDecl>;
  /** Tables and handles its functions hand out or take, by class name (`http.Client`). */
  classes?: Record<string, ClassDecl>;
  /** The global is the function named like the builtin (`sleep`, `time`), not a table. */
  callable?: boolean;
  /** Builds the implementations for one VM; its keys must be exactly the declared functions. */
  install(ctx: BuiltinContext): Record<string, Impl>;
  /**
   * Places the table of installed functions (at `table`, an absolute index) somewhere other
   * than the global of that name (`assert` hangs it off Lua's own function).
   */
  publish?(ctx: BuiltinContext, table: number): void;
}

const registry = new Map<string, Builtin>();

/** Adds a builtin; called at import time by each module under builtins/. */
export function registerBuiltin(builtin: Builtin): void {
  if (registry.has(builtin.name)) throw new Error(`builtin ${builtin.name} registered twice`);
  if (builtin.callable && !builtin.functions[builtin.name]) {
    throw new Error(`builtin ${builtin.name} is callable but declares no function ${builtin.name}`);
  }
  registry.set(builtin.name, builtin);
}

/** Every registered builtin, in registration order. */
export function builtins(): Builtin[] {
  return [...registry.values()];
}

/** The Lua-visible name of a function: `json.parse`, or `sleep` for a callable global. */
export function qualifiedName(builtin: Builtin, fn: string): string {
  return builtin.callable && fn === builtin.name ? fn : `${builtin.name}.${fn}`;
}
