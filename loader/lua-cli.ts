/**
 * `lua` mode: when the binary is invoked through a link or copy named `lua` or `lua5.4`, its
 * command line is `lua.c`'s, `lua [options] [script [args]]`, over a VM with every assay
 * builtin (the `full` profile):
 *
 *   -e stat  run `stat` (chunk `=(command line)`)   -l mod / -l g=mod  `g = require(mod)`
 *   -i       the REPL after the rest (implies -v)  -v  print the version line
 *   -E       ignore LUA_INIT, LUA_PATH and LUA_CPATH -W  warnings on
 *   --       end of options                        -   run standard input
 *
 * in lua.c's order: options checked first (a bad one prints the usage, exit 1), then
 * `LUA_INIT_5_4` or `LUA_INIT` (`@file` or code), then `-e`/`-l`/`-W` from left to right,
 * then the script with its arguments, then the REPL. With neither a script nor `-e`/`-v`:
 * the REPL with the version banner on a terminal, else standard input is run. `arg` holds
 * the whole command line, the script at index 0. Errors print as `<progname>: <message>`
 * with the traceback, and the exit code is 1; in the REPL they have no prefix. Each chunk
 * runs as a scheduler task (repl/docall.ts), so async builtins work everywhere and Ctrl-C
 * gives "interrupted!"; a server the code started keeps the run going, as in script mode.
 *
 * @example
 * ```ts
 * if (isLuaName(process.argv0)) process.exit(await luaMain(process.argv0, process.argv.slice(2), VERSION));
 * ```
 */
import { isatty } from "node:tty";
import { writeStd } from "./std-write.ts";
import { basename, dirname } from "node:path";
import { LUA_OK, LUA_REGISTRYINDEX, LUA_TTABLE } from "./lua-api.ts";
import { createVm, type Vm } from "./vm.ts";
import { parseFilter, stderrSink } from "./log-sink.ts";
import { processVariables } from "./variables.ts";
import { Policy } from "./sandbox/policy.ts";
import { executablePath, wasmLocation } from "./host.ts";
import { defaultLuaPath } from "./require.ts";
import { watchShutdown } from "./shutdown.ts";
import { Caller } from "./repl/docall.ts";
import { interrupts } from "./repl/interrupt.ts";

/** The Lua release the runtime's wasm build is. */
export const LUA_RELEASE = "Lua 5.4.4";
/** lua.c's version line (`-v`, `-i`, the REPL banner). */
export const LUA_COPYRIGHT = `${LUA_RELEASE}  Copyright (C) 1994-2022 Lua.org, PUC-Rio`;
/** The `package.cpath` the wasm build compiles in (shown only: native modules never load). */
const DEFAULT_CPATH = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";

/** Whether the program was invoked under a name that selects `lua` mode. */
export function isLuaName(argv0: string | undefined): argv0 is string {
  if (!argv0) return false;
  const name = basename(argv0);
  return name === "lua" || name === "lua5.4";
}

export interface LuaArgs {
  /** Index in argv of the script (0: none); of the bad option when `bad` is set. */
  script: number;
  bad: boolean;
  interactive: boolean;
  version: boolean;
  /** Some `-e` was given. */
  exec: boolean;
  ignoreEnv: boolean;
}

/**
 * Reads the options of `argv` (argv[0] is the program name) as lua.c does: they end at the
 * first word that is not an option, after `--`, or at `-`; `-e` and `-l` take the next word
 * unless their argument is attached, and that word may not start with `-`.
 */
export function collectLuaArgs(argv: string[]): LuaArgs {
  const a: LuaArgs = { script: 0, bad: false, interactive: false, version: false, exec: false, ignoreEnv: false };
  const bad = (i: number) => ({ ...a, script: i, bad: true });
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i];
    a.script = i;
    if (!word.startsWith("-")) return a;
    const rest = word.slice(2);
    switch (word[1]) {
      case "-":
        if (rest) return bad(i);
        a.script = i + 1 < argv.length ? i + 1 : 0;
        return a;
      case undefined:
        return a;
      case "E":
        if (rest) return bad(i);
        a.ignoreEnv = true;
        break;
      case "W":
        if (rest) return bad(i);
        break;
      case "i":
      case "v":
        if (rest) return bad(i);
        if (word[1] === "i") a.interactive = true;
        a.version = true;
        break;
      case "e":
      case "l":
        if (word[1] === "e") a.exec = true;
        if (!rest) {
          const next = argv[i + 1];
          if (next === undefined || next.startsWith("-")) return bad(i);
          i++;
        }
        break;
      default:
        return bad(i);
    }
  }
  a.script = 0;
  return a;
}

/** lua.c's usage text after a bad option. */
export function usageText(progname: string, badOption: string): string {
  const what = badOption[1] === "e" || badOption[1] === "l" ? `'${badOption}' needs argument` : `unrecognized option '${badOption}'`;
  return `${progname}: ${what}
usage: ${progname} [options] [script [args]]
Available options are:
  -e stat   execute string 'stat'
  -i        enter interactive mode after executing 'script'
  -l mod    require library 'mod' into global 'mod'
  -l g=mod  require library 'mod' into global 'g'
  -v        show version information
  -E        ignore environment variables
  -W        turn warnings on
  --        stop handling options
  -         stop handling options and execute stdin
`;
}

/** Runs lua.c's command line `argv` (without the program name); resolves with the exit code. */
export async function luaMain(progname: string, args: string[], version: string): Promise<number> {
  const argv = [progname, ...args];
  const opts = collectLuaArgs(argv);
  const name = progname || "lua";
  if (opts.bad) {
    writeStd(2, usageText(name, argv[opts.script]));
    return 1;
  }
  if (opts.version) writeStd(1, LUA_COPYRIGHT + "\n");
  const script = opts.script > 0 ? argv[opts.script] : undefined;
  const fromStdin = script === "-" && argv[opts.script - 1] !== "--";
  const scriptDir = script !== undefined && !fromStdin ? dirname(script) : ".";
  let vm: Vm;
  try {
    vm = await createVm({
      wasmPath: wasmLocation(),
      policy: new Policy({ profile: "full" }),
      log: stderrSink({ format: "text", filter: parseFilter(process.env.RUST_LOG) }),
      vars: processVariables(),
      runtime: { version, executable: executablePath(), scriptPath: script ?? name },
      scriptDir,
    });
  } catch (e) {
    writeStd(2, `${name}: cannot create state: ${(e as Error).message}\n`);
    return 1;
  }
  // SIGTERM or SIGINT while a server runs shuts it down gracefully, exit 0, as in script mode.
  const shutdown = watchShutdown(vm);
  try {
    const ok = await new LuaRun(vm, name, argv, opts, scriptDir).run(fromStdin);
    return ok || shutdown.requested ? 0 : 1;
  } finally {
    shutdown.dispose();
    vm.close();
  }
}

/** One run of the command line over its VM; each step answers whether to go on. */
class LuaRun {
  private caller: Caller;
  private warnRef: number;

  constructor(private vm: Vm, private progname: string, private argv: string[], private opts: LuaArgs, private scriptDir: string) {
    const { api, L } = vm;
    this.caller = new Caller(vm, interrupts(), { servicesTakeSigint: true });
    // The original `warn`, for -W even after LUA_INIT replaced the global.
    api.getglobal(L, "warn");
    this.warnRef = api.ref(L);
  }

  async run(fromStdin: boolean): Promise<boolean> {
    const { opts } = this;
    if (opts.ignoreEnv) this.ignoreEnvironment();
    this.createArgTable();
    if (!opts.ignoreEnv && !(await this.luaInit())) return false;
    if (!(await this.runArgs())) return false;
    if (opts.script > 0 && !(await this.handleScript(fromStdin))) return false;
    if (opts.interactive) await this.repl();
    else if (opts.script === 0 && !opts.exec && !opts.version) {
      if (isatty(0)) {
        this.vm.ctx.flushStdio();
        writeStd(1, LUA_COPYRIGHT + "\n");
        await this.repl();
      } else if (!(await this.dochunk(this.loadfile(null)))) return false;
    }
    await this.serve();
    return true;
  }

  /**
   * A server still live when the code is done keeps the run going until SIGTERM or SIGINT
   * shuts it down, as in assay's script mode (lua.c has no servers to wait for).
   */
  private async serve(): Promise<void> {
    const { ctx, scheduler } = this.vm;
    if (ctx.services.size > 0) await scheduler.runUntil(ctx.services.idle());
  }

  /** `l_message`: the error on stderr after the program name. */
  private report(message: string): void {
    writeStd(2, `${this.progname}: ${message}\n`);
  }

  /** `-E`: package.path and cpath as without LUA_PATH/LUA_CPATH (and LUA_NOENV set, as lua.c does). */
  private ignoreEnvironment(): void {
    const { api, L } = this.vm;
    api.pushboolean(L, true);
    api.setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
    api.getglobal(L, "package");
    api.pushstring(L, defaultLuaPath(this.scriptDir));
    api.setfield(L, -2, "path");
    api.pushstring(L, DEFAULT_CPATH);
    api.setfield(L, -2, "cpath");
    api.pop(L);
  }

  /** `arg`: the whole command line, the script (or the program name) at index 0. */
  private createArgTable(): void {
    const { api, L } = this.vm;
    const base = this.opts.script;
    api.newtable(L, Math.max(0, this.argv.length - base - 1), base + 1);
    this.argv.forEach((word, i) => {
      api.pushstring(L, word);
      api.rawseti(L, -2, i - base);
    });
    api.setglobal(L, "arg");
  }

  /** Calls the function under `nargs` arguments on the stack as lua.c's `docall` + `report`. */
  private async docall(nargs: number, keep = 0): Promise<boolean> {
    const result = await this.caller.call(nargs, "main");
    if (!result.ok) {
      if (!result.cancelled) this.report(result.message);
      return false;
    }
    if (keep > 0) {
      const { api, L } = this.vm;
      // The first `keep` results, padded with nils.
      api.settop(result.thread, Math.min(result.count, keep) + 1);
      api.xmove(result.thread, L, Math.min(result.count, keep));
      for (let n = result.count; n < keep; n++) api.pushnil(L);
    }
    result.release();
    return true;
  }

  /** Runs a loaded chunk (or reports the load error on the stack). */
  private async dochunk(status: number): Promise<boolean> {
    if (status !== LUA_OK) {
      this.report(this.popMessage());
      return false;
    }
    return await this.docall(0);
  }

  private popMessage(): string {
    const { api, L } = this.vm;
    const message = api.tostring(L, -1) ?? `(error object is a ${api.typename(L, -1)} value)`;
    api.pop(L);
    return message;
  }

  /** `luaL_loadfile`: a file, or standard input for null (chunk names `@name` and `=stdin`). */
  private loadfile(file: string | null): number {
    const { api, L } = this.vm;
    const m = api.m;
    const p = file === null ? 0 : m.stringToNewUTF8(file);
    try {
      return m._luaL_loadfilex(L, p, 0);
    } finally {
      if (p) m._free(p);
    }
  }

  private dostring(code: string, chunkname: string): Promise<boolean> {
    const { api, L } = this.vm;
    return this.dochunk(api.load(L, new TextEncoder().encode(code), chunkname, "bt"));
  }

  /** `LUA_INIT_5_4`, else `LUA_INIT`: `@file` runs the file, anything else is code. */
  private luaInit(): Promise<boolean> {
    let name = "LUA_INIT_5_4";
    let init = process.env[name];
    if (init === undefined) {
      name = "LUA_INIT";
      init = process.env[name];
    }
    if (init === undefined) return Promise.resolve(true);
    if (init.startsWith("@")) return this.dochunk(this.loadfile(init.slice(1)));
    return this.dostring(init, "=" + name);
  }

  /** `-e`, `-l` and `-W`, left to right, up to the script. */
  private async runArgs(): Promise<boolean> {
    const { argv } = this;
    const end = this.opts.script > 0 ? this.opts.script : argv.length;
    for (let i = 1; i < end; i++) {
      const option = argv[i][1];
      if (option === "e" || option === "l") {
        let value = argv[i].slice(2);
        if (!value) value = argv[++i];
        const ok = option === "e" ? await this.dostring(value, "=(command line)") : await this.dolibrary(value);
        if (!ok) return false;
      } else if (option === "W") {
        const { api, L } = this.vm;
        api.pushref(L, this.warnRef);
        api.pushstring(L, "@on");
        api.pcall(L, 1, 0);
        api.settop(L, 0);
      }
    }
    return true;
  }

  /** `-l g=mod`: `g = require("mod")` (`-l mod`: `mod = require("mod")`). */
  private async dolibrary(spec: string): Promise<boolean> {
    const { api, L } = this.vm;
    const eq = spec.indexOf("=");
    const global = eq < 0 ? spec : spec.slice(0, eq);
    const module = eq < 0 ? spec : spec.slice(eq + 1);
    api.getglobal(L, "require");
    api.pushstring(L, module);
    if (!(await this.docall(1, 1))) return false;
    api.setglobal(L, global);
    return true;
  }

  /** The script with `arg[1..#arg]` as its arguments; `-` (not after `--`) is standard input. */
  private async handleScript(fromStdin: boolean): Promise<boolean> {
    const { api, L } = this.vm;
    const status = this.loadfile(fromStdin ? null : this.argv[this.opts.script]);
    if (status !== LUA_OK) return await this.dochunk(status);
    let n = 0;
    const failed = api.protect(L, 0, (P) => {
      if (api.getglobal(P, "arg") !== LUA_TTABLE) throw new Error("'arg' is not a table");
      api.m._lua_len(P, -1);
      if (!api.isinteger(P, -1)) throw new Error("object length is not an integer");
      n = Number(api.tointeger(P, -1));
      api.pop(P, 2);
    });
    if (failed !== null) {
      api.pop(L);
      this.report(failed);
      return false;
    }
    api.checkstack(L, n + 3);
    api.getglobal(L, "arg");
    for (let i = 1; i <= n; i++) api.rawgeti(L, -i, i);
    api.remove(L, -n - 1);
    return await this.docall(n);
  }

  /** lua.c's doREPL: values through the global `print`, errors without the program name. */
  private async repl(): Promise<void> {
    const { vm } = this;
    // Loaded only for a REPL: readline is not needed to run a script.
    const [{ History, historyPath }, { StreamLines, TerminalLines }, { runSession }] = await Promise.all([
      import("./repl/history.ts"),
      import("./repl/lines.ts"),
      import("./repl/session.ts"),
    ]);
    const terminal = isatty(0) && isatty(1);
    const lines = terminal ? new TerminalLines(History.open(historyPath())) : new StreamLines(vm, !isatty(0));
    try {
      await runSession({ vm, caller: this.caller, lines, show: "print" });
    } finally {
      lines.close();
    }
  }
}
