#!/usr/bin/env -S deno run -A
/**
 * The `assay` command line: runs a Lua script (or inline code) as the main task of a fresh
 * VM with the builtins its sandbox profile admits.
 */
import { readFileSync, writeSync } from "node:fs";
import { dirname, extname } from "node:path";
import pkg from "./package.json" with { type: "json" };
import "./builtins/index.ts";
import { ExecWithoutCode, type GlobalOptions, parseArgs, UsageError } from "./loader/cli-args.ts";
import { createVm } from "./loader/vm.ts";
import { runMain } from "./loader/run.ts";
import { parseFilter, stderrSink } from "./loader/log-sink.ts";
import { processVariables } from "./loader/variables.ts";
import { Policy } from "./loader/sandbox/policy.ts";
import { executablePath, wasmLocation } from "./loader/host.ts";
import { armTimeout } from "./loader/limits.ts";
import { helpText } from "./loader/help.ts";

export const VERSION: string = pkg.version;

const RESTRICTED_TIMEOUT = 60;

function fail(message: string, code: number): number {
  writeSync(2, `assay: ${message}\n`);
  return code;
}

/** Runs the CLI with the given arguments; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof ExecWithoutCode) return fail(e.message, 1);
    if (e instanceof UsageError) return fail(`${e.message}\nRun 'assay --help' for usage.`, 2);
    throw e;
  }
  const { options, command } = parsed;
  switch (command.kind) {
    case "help":
      writeSync(1, helpText(VERSION) + (command.exitCode === 1 ? "\n" : ""));
      return command.exitCode;
    case "version":
      writeSync(1, `assay ${VERSION}\n`);
      return 0;
    case "context":
    case "modules":
      return fail(`${command.kind}: not yet available in this build`, 1);
    case "eval":
      return await runLua(options, { source: new TextEncoder().encode(command.code), name: "<eval>", scriptPath: "<eval>", args: command.args, mode: "inline eval" });
    case "script": {
      const ext = extname(command.file);
      const anyExt = command.anyExtension === true;
      if (!anyExt && (ext === ".yaml" || ext === ".yml")) return fail("check mode: not yet available in this build", 1);
      if (!anyExt && ext !== ".lua") {
        return fail(`unsupported file extension ${JSON.stringify(ext.slice(1))} (expected .yaml, .yml, or .lua)`, 1);
      }
      let source: Uint8Array;
      try {
        source = readFileSync(command.file);
      } catch (e) {
        return fail(`reading ${command.file}: ${(e as Error).message}`, 1);
      }
      return await runLua(options, { source, name: command.file, scriptPath: command.file, args: command.args, mode: "script" });
    }
  }
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
    return fail(`creating Lua VM: ${(e as Error).message}`, 1);
  }
  log.write("DEBUG", "assay", `starting assay (${run.mode} mode)`, { script: run.scriptPath });
  const timeout = options.timeout ?? (options.profile === "restricted" ? RESTRICTED_TIMEOUT : undefined);
  if (timeout !== undefined) armTimeout(vm, timeout);
  const code = await runMain(vm, run);
  vm.ctx.flushStdio();
  return code;
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
