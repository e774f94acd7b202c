/**
 * The read-eval-print loop over one VM, shared by `assay`'s REPL and `lua` mode's `-i`: each
 * input (repl/input.ts) runs as a task of the VM's scheduler (repl/docall.ts), so async
 * builtins work and tasks it spawns go on running while the next line is typed; its values
 * are shown, an error is printed as `stdin:1: message` with its traceback and the loop goes
 * on; the end of input ends it. Prompts are `_PROMPT` and `_PROMPT2` when set, as in lua.c.
 *
 * Values are shown by `show`: "inspect" formats each with the embedded `assay.inspect`
 * (strings quoted, tables expanded), "print" hands them to the global `print` as lua.c does.
 *
 * @example
 * ```ts
 * await runSession({ vm, caller, lines: new TerminalLines(history), show: "inspect" });
 * ```
 */
import { writeStd } from "../std-write.ts";
import { LUA_OK, LUA_TNIL } from "../lua-api.ts";
import type { Vm } from "../vm.ts";
import type { Caller } from "./docall.ts";
import { readChunk } from "./input.ts";
import type { LineSource } from "./lines.ts";

export interface SessionOptions {
  vm: Vm;
  caller: Caller;
  lines: LineSource;
  show: "inspect" | "print";
}

/** Runs the loop until the input ends. */
export async function runSession(options: SessionOptions): Promise<void> {
  const { vm, caller, lines } = options;
  const { api, L, scheduler, ctx } = vm;
  const printRef = options.show === "inspect" ? inspector(vm) : 0;
  const errorLine = (message: string) => {
    ctx.flushStdio();
    writeStd(2, message + "\n");
  };
  // While the user types, the VM's other tasks (servers, spawned tasks) keep running.
  const read = async (first: boolean) => {
    const line = lines.read(prompt(vm, first));
    await scheduler.runUntil(line);
    return line;
  };
  for (;;) {
    api.settop(L, 0);
    const input = await readChunk(api, L, read);
    if (input.kind === "eof") break;
    if (input.kind === "cancelled") continue;
    if (input.kind === "error") {
      errorLine(input.message);
      continue;
    }
    lines.suspend();
    const result = await caller.call(0, "repl");
    if (!result.ok) {
      errorLine(result.message);
      continue;
    }
    if (result.count > 0) {
      api.xmove(result.thread, L, result.count);
      if (printRef) api.pushref(L, printRef);
      else api.getglobal(L, "print");
      api.insert(L, -result.count - 1);
      if (api.pcall(L, result.count, 0) !== LUA_OK) {
        errorLine(`error calling 'print' (${api.tostring(L, -1) ?? `(error object is a ${api.typename(L, -1)} value)`})`);
      }
    }
    result.release();
  }
  api.settop(L, 0);
  lines.close();
  // As lua.c ends its REPL: the shell's prompt starts on a line of its own.
  ctx.flushStdio();
  writeStd(1, "\n");
}

/** `_PROMPT` or `_PROMPT2` through `tostring` when set, else the defaults. */
function prompt(vm: Vm, first: boolean): string {
  const { api, L } = vm;
  let text = first ? "> " : ">> ";
  api.protect(L, 0, (P) => {
    if (api.getglobal(P, first ? "_PROMPT" : "_PROMPT2") === LUA_TNIL) return;
    text = api.tolstring(P, -1);
  });
  return text;
}

/**
 * A function that prints its arguments formatted by `assay.inspect`, tab-separated, with the
 * `print` of the session's start (so redefining `print` does not hide values); 0 when
 * inspect cannot be loaded, and the global `print` is used instead.
 */
function inspector(vm: Vm): number {
  const { api, L } = vm;
  const source = `local inspect, print, select, unpack = require("assay.inspect"), print, select, table.unpack
return function(...)
  local n, out = select("#", ...), {}
  for i = 1, n do out[i] = inspect((select(i, ...))) end
  print(unpack(out, 1, n))
end`;
  let ref = 0;
  api.protect(L, 0, (P) => {
    if (api.load(P, new TextEncoder().encode(source), "=[repl]", "t") !== LUA_OK) return;
    api.call(P, 0, 1);
    ref = api.ref(P);
  });
  return ref;
}
