/**
 * `assay` with no script on a terminal: an interactive session over one VM with the builtins
 * of the chosen sandbox profile, values shown with `assay.inspect`, history in
 * `~/.assay_history`. A deliberate departure from cli.md §1 (which prints the help and exits
 * 1): that behaviour stays whenever standard input or output is not a terminal (main.ts).
 * `--timeout` does not apply to a session; `--memory-limit` does.
 *
 * @example
 * ```ts
 * if (isatty(0) && isatty(1)) return await startRepl(options, VERSION);
 * ```
 */
import { writeStd } from "../std-write.ts";
import type { GlobalOptions } from "../cli-args.ts";
import { createVm } from "../vm.ts";
import { parseFilter, stderrSink, writeFailure } from "../log-sink.ts";
import { processVariables } from "../variables.ts";
import { Policy } from "../sandbox/policy.ts";
import { executablePath, wasmLocation } from "../host.ts";
import { Caller } from "./docall.ts";
import { History, historyPath } from "./history.ts";
import { LUA_RELEASE } from "../lua-cli.ts";
import { interrupts } from "./interrupt.ts";
import { TerminalLines } from "./lines.ts";
import { runSession } from "./session.ts";

/** Runs the REPL on the terminal; resolves with the exit code once the input ends. */
export async function startRepl(options: GlobalOptions, version: string): Promise<number> {
  const log = stderrSink({ format: options.logFormat, filter: parseFilter(options.verbose ? "debug" : process.env.RUST_LOG) });
  let vm;
  try {
    vm = await createVm({
      wasmPath: wasmLocation(),
      policy: new Policy({ profile: options.profile, allow: options.allow, deny: options.deny }),
      log,
      vars: processVariables(),
      runtime: { version, executable: executablePath(), scriptPath: "stdin" },
      memoryLimit: options.memoryLimit,
      scriptDir: ".",
    });
  } catch (e) {
    writeFailure(options.logFormat, `creating Lua VM: ${(e as Error).message}`);
    return 1;
  }
  log.write("DEBUG", "assay", "starting assay (repl mode)", { profile: options.profile });
  writeStd(1, `assay ${version} (${LUA_RELEASE}, sandbox ${options.profile}): Ctrl-C cancels, Ctrl-D exits\n`);
  const lines = new TerminalLines(History.open(historyPath()));
  try {
    await runSession({ vm, caller: new Caller(vm, interrupts()), lines, show: "inspect" });
    return 0;
  } finally {
    lines.close();
    vm.close();
  }
}
