#!/usr/bin/env -S deno run -A
/**
 * The `assay` command line: runs a Lua script (or inline code) as the main task of a fresh
 * VM with the builtins its sandbox profile admits.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { dirname, extname } from "node:path";
import "./builtins/index.ts";
import { type Command, ExecWithoutCode, type GlobalOptions, parseArgs, UsageError } from "./loader/cli-args.ts";
import { createVm } from "./loader/vm.ts";
import { runMain } from "./loader/run.ts";
import { parseFilter, stderrSink, writeFailure } from "./loader/log-sink.ts";
import { processVariables } from "./loader/variables.ts";
import { Policy } from "./loader/sandbox/policy.ts";
import { executablePath, wasmLocation } from "./loader/host.ts";
import { armTimeout, effectiveTimeout } from "./loader/limits.ts";
import { helpText } from "./loader/help.ts";
import { runCheckMode } from "./loader/checks/check-mode.ts";
import { serveChecks } from "./loader/checks/serve-checks.ts";
import { runTestCommand } from "./loader/testing/test-command.ts";
import { contextOutput, modulesOutput, typesOutput } from "./loader/docs/commands.ts";
import { writeStd } from "./loader/std-write.ts";
import { TypesError } from "./loader/docs/write-types.ts";
import { isLuaName } from "./loader/lua-cli.ts";
import { isatty } from "node:tty";
import { VERSION } from "./loader/version.ts";

/**
 * Reports a failure that is not a Lua error as `assay: <message>` and returns `code`. Once the
 * flags are parsed, `--log-format json` turns it into a JSON record like every other line;
 * usage errors come before that and stay plain text.
 */
function fail(message: string, code: number, format: GlobalOptions["logFormat"] = "text"): number {
  writeFailure(format, message);
  return code;
}

/**
 * Runs the CLI with the given arguments; resolves with the exit code. `invokedAs` is the name
 * the program was started under: `lua` or `lua5.4` select lua.c's command line.
 */
export async function main(argv: string[], invokedAs?: string): Promise<number> {
  if (isLuaName(invokedAs)) return await (await import("./loader/lua-cli.ts")).luaMain(invokedAs, argv, VERSION);
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof ExecWithoutCode) return fail(e.message, 1);
    if (e instanceof UsageError) return fail(`${e.message}\nRun 'assay --help' for usage.`, 2);
    throw e;
  }
  const { options, command } = parsed;
  const failed = (message: string) => fail(message, 1, options.logFormat);
  const misuse = misplacedFlag(options, command);
  if (misuse) return fail(`${misuse}\nRun 'assay --help' for usage.`, 2);
  switch (command.kind) {
    case "help":
      writeSync(1, helpText(VERSION) + (command.exitCode === 1 ? "\n" : ""));
      return command.exitCode;
    case "repl":
      // The help and exit 1 of cli.md §1 unless both ends are a terminal (README "REPL").
      if (!isatty(0) || !isatty(1)) {
        writeSync(1, helpText(VERSION) + "\n");
        return 1;
      }
      // Loaded only here: a script run does not pay for readline.
      return await (await import("./loader/repl/start.ts")).startRepl(options, VERSION);
    case "version":
      writeSync(1, `assay ${VERSION}\n`);
      return 0;
    case "modules":
      writeStd(1, modulesOutput({ json: command.json, cwd: process.cwd(), env: process.env }));
      return 0;
    case "context":
      writeStd(1, contextOutput({ query: command.query, limit: command.limit, cwd: process.cwd(), env: process.env }));
      return 0;
    case "types":
      try {
        writeStd(1, typesOutput({ cwd: process.cwd(), dir: command.dir }));
        return 0;
      } catch (e) {
        if (e instanceof TypesError) return failed(`types: ${e.message}`);
        throw e;
      }
    case "serve-checks":
      return await serveChecks({ ...checkOptions(options), file: command.file, port: command.port, host: command.host, cacheMs: command.cacheMs });
    case "test":
      return await runTestCommand({ ...checkOptions(options), paths: command.paths, filter: command.filter, format: command.format, timeout: options.timeout });
    case "eval":
      return await runLua(options, { source: new TextEncoder().encode(command.code), name: "<eval>", scriptPath: "<eval>", args: command.args, mode: "inline eval" });
    case "script": {
      if (command.file === "-") {
        // As in `lua -`: the script is read from standard input.
        const source = readSource(0, "stdin", failed);
        if (typeof source === "number") return source;
        return await runLua(options, { source, name: "stdin", scriptPath: "-", args: command.args, mode: "script" });
      }
      const ext = extname(command.file);
      const anyExt = command.anyExtension === true;
      if (!anyExt && (ext === ".yaml" || ext === ".yml")) return await runCheckMode({ ...checkOptions(options), file: command.file, format: options.format ?? "json", timeout: options.timeout });
      if (!anyExt && ext !== ".lua" && !isAssayShebang(command.file)) return failed(unsupportedExtension(command.file, ext));
      const source = readSource(command.file, command.file, failed);
      if (typeof source === "number") return source;
      return await runLua(options, { source, name: command.file, scriptPath: command.file, args: command.args, mode: "script" });
    }
  }
}

/**
 * A flag given to a command it means nothing to, or arguments after a check config: a usage
 * error rather than a flag silently ignored (`assay checks.yaml --format junit` would
 * otherwise print JSON and look like it worked).
 */
function misplacedFlag(options: GlobalOptions, command: Command): string | undefined {
  const checks = command.kind === "script" && !command.anyExtension && /\.ya?ml$/.test(command.file);
  if (checks && command.args.length) {
    return `unexpected argument ${JSON.stringify(command.args[0])} after the check config (flags go before the file: assay --format junit ${command.file})`;
  }
  if (options.format !== undefined && (command.kind === "eval" || (command.kind === "script" && !checks))) {
    return "--format applies to check mode (a .yaml or .yml file) and assay test only";
  }
  if (command.kind === "serve-checks") {
    if (options.format !== undefined) return "--format does not apply to serve-checks, which answers with the JSON report";
    if (options.timeout !== undefined) return "--timeout does not apply to serve-checks, which runs until stopped (the config's timeout bounds each run)";
  }
  return undefined;
}

/**
 * Whether a file starts with a `#!` line naming assay: the kernel runs an executable script
 * such as `./deploy` as `assay ./deploy`, whatever its name, so the shebang decides.
 */
function isAssayShebang(file: string): boolean {
  let head: Uint8Array;
  try {
    const fd = openSync(file, "r");
    try {
      head = new Uint8Array(256);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const line = new TextDecoder().decode(head).split("\n")[0];
  return line.startsWith("#!") && /(^|[\s/])assay(\s|$)/.test(line.slice(2));
}

/**
 * The refusal of a file that is neither Lua, YAML nor an assay shebang script. It names the
 * way out, `assay exec`, since tools are often extensionless (`./deploy`).
 */
function unsupportedExtension(file: string, ext: string): string {
  // Quoted for the shell when needed; `./` keeps a leading dash from reading as a flag.
  const path = file.startsWith("-") ? `./${file}` : file;
  const shown = /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
  return `unsupported file extension ${JSON.stringify(ext.slice(1))} (expected .yaml, .yml, or .lua; ` +
    `to run it as Lua anyway: assay exec ${shown})`;
}

/** The script's bytes, or the exit code after reporting `reading <path>: <why>`. */
function readSource(file: string | number, shown: string, failed: (message: string) => number): Uint8Array | number {
  try {
    return readFileSync(file);
  } catch (e) {
    return failed(`reading ${shown}: ${osErrorText(e)}`);
  }
}

const OS_ERRORS: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EMFILE: "Too many open files",
  EIO: "Input/output error",
};

/** strerror-style text of a Node file-system error (its `message` also names the call). */
function osErrorText(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code && OS_ERRORS[code]) ?? (e as Error).message;
}

/** What check mode takes from the global flags: `--sandbox` and the rest apply to script checks. */
function checkOptions(options: GlobalOptions) {
  return {
    logFormat: options.logFormat,
    verbose: options.verbose,
    policy: new Policy({ profile: options.profile, allow: options.allow, deny: options.deny }),
    memoryLimit: options.memoryLimit,
    runtime: { version: VERSION, executable: executablePath() },
  };
}

interface LuaRun {
  source: Uint8Array;
  name: string;
  scriptPath: string;
  args: string[];
  mode: string;
}

async function runLua(options: GlobalOptions, run: LuaRun): Promise<number> {
  const log = stderrSink({
    format: options.logFormat,
    filter: parseFilter(options.verbose ? "debug" : process.env.RUST_LOG),
  });
  const policy = new Policy({ profile: options.profile, allow: options.allow, deny: options.deny });
  let vm;
  try {
    vm = await createVm({
      wasmPath: wasmLocation(),
      policy,
      log,
      vars: processVariables(),
      runtime: { version: VERSION, executable: executablePath(), scriptPath: run.scriptPath },
      memoryLimit: options.memoryLimit,
      scriptDir: run.mode === "script" ? dirname(run.scriptPath) : ".",
    });
  } catch (e) {
    return fail(`creating Lua VM: ${(e as Error).message}`, 1, options.logFormat);
  }
  log.write("DEBUG", "assay", `starting assay (${run.mode} mode)`, { script: run.scriptPath });
  const timeout = effectiveTimeout(options.profile, options.timeout);
  const disarm = timeout === undefined ? () => {} : armTimeout(vm, timeout, options.logFormat);
  try {
    return await runMain(vm, run);
  } catch (e) {
    // A failure of the runtime itself (a Lua panic, a bug): said plainly, never a JS dump.
    return fail(`internal error: ${(e as Error).message ?? e}`, 1, options.logFormat);
  } finally {
    // As lua.c does at the end of every run: collect everything (finalizers run), flush streams.
    try {
      vm.close();
    } finally {
      disarm();
    }
  }
}

if (import.meta.main) {
  // From source the program's name is that of the entry script, main.ts. A link named `lua`
  // to it cannot work (Deno resolves its imports from the link's directory), so a wrapper
  // script named `lua` passes its own name instead: ASSAY_ARGV0="$0" deno run -A main.ts "$@".
  // It is taken out of the environment so that commands the script runs do not inherit it.
  const invokedAs = process.env.ASSAY_ARGV0 ?? process.argv[1];
  delete process.env.ASSAY_ARGV0;
  const code = await main(process.argv.slice(2), invokedAs);
  process.exit(code);
}
