/**
 * Where a REPL's lines come from. `TerminalLines`: node:readline on the terminal (line
 * editing, history from repl/history.ts, Ctrl-C cancels the line, Ctrl-D on an empty line ends
 * the input); while Lua code runs, readline is paused and the terminal is back in cooked mode,
 * so the code can read standard input itself and Ctrl-C sends SIGINT (repl/interrupt.ts).
 * `StreamLines`: standard input that is not a terminal (`lua -i < file`), read through Lua's
 * own `io.stdin`, so that lines and the code's own reads share one buffer as in lua.c; the
 * prompt and the line read are echoed on stdout, as GNU readline does there (lua5.4 as
 * packaged by Debian), so a transcript reads like a session.
 *
 * @example
 * ```ts
 * const lines = new TerminalLines(History.open(path));
 * const line = await lines.read("> ");   // string, null (end) or CANCELLED
 * lines.suspend();                       // before running code
 * ```
 */
import { writeStd } from "../std-write.ts";
import * as readline from "node:readline";
import { LUA_TSTRING } from "../lua-api.ts";
import type { Vm } from "../vm.ts";
import { CANCELLED, type LineRead } from "./input.ts";
import { type History, MAX_ENTRIES } from "./history.ts";

export interface LineSource {
  /** Shows `prompt` and reads one line. */
  read(prompt: string): Promise<LineRead>;
  /** Lua code is about to run: give it the terminal. */
  suspend(): void;
  /** The session is over. */
  close(): void;
}

/** A readline key event, as `rl.write(null, key)` takes it. */
const key = (name: string) => ({ ctrl: true, name });

export class TerminalLines implements LineSource {
  private rl: readline.Interface;
  /** Lines entered before anyone asked (a paste of several lines). */
  private queue: LineRead[] = [];
  private waiting: ((line: LineRead) => void) | null = null;
  private ended = false;
  private suspended = false;

  constructor(private history: History) {
    this.rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: history.newestFirst(),
      historySize: MAX_ENTRIES,
      tabSize: 2,
    });
    this.rl.on("line", (line) => {
      this.history.add(line);
      this.deliver(line);
    });
    this.rl.on("close", () => {
      this.ended = true;
      this.deliver(null);
    });
    this.rl.on("SIGINT", () => this.cancelLine());
  }

  private deliver(line: LineRead): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(line);
    else this.queue.push(line);
  }

  /** Ctrl-C at the prompt: show it, drop what was typed, and start over. */
  private cancelLine(): void {
    const rl = this.rl;
    rl.write(null, key("e"));
    process.stdout.write("^C\n");
    // Clears readline's buffer; it redraws the line, empty and without a prompt, on the new
    // row, where the next read shows its own prompt.
    rl.setPrompt("");
    rl.write(null, key("u"));
    this.deliver(CANCELLED);
  }

  read(prompt: string): Promise<LineRead> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(null);
    if (this.suspended) {
      this.suspended = false;
      process.stdin.setRawMode?.(true);
    }
    this.rl.setPrompt(prompt);
    // prompt() resumes the paused input too.
    this.rl.prompt();
    return new Promise((resolve) => (this.waiting = resolve));
  }

  suspend(): void {
    if (this.ended || this.suspended) return;
    this.suspended = true;
    this.rl.pause();
    process.stdin.setRawMode?.(false);
  }

  close(): void {
    if (!this.ended) {
      this.ended = true;
      this.rl.close();
    }
    process.stdin.pause();
  }
}

/**
 * Lines from a standard input that is not a terminal, read with the original `io.stdin`'s
 * `read("L")` on the main state.
 */
export class StreamLines implements LineSource {
  private reader = 0;
  private ended = false;

  constructor(private vm: Vm, private echo: boolean) {
    const { api, L } = vm;
    const source = new TextEncoder().encode(`local f = io.stdin; local read = f.read; return function() return read(f, "L") end`);
    api.protect(L, 0, (P) => {
      if (api.load(P, source, "=[repl]", "t") !== 0) return;
      api.call(P, 0, 1);
      this.reader = api.ref(P);
    });
    // Without io (it cannot happen in lua mode, which has everything), there is no input.
    if (!this.reader) this.ended = true;
  }

  read(prompt: string): Promise<LineRead> {
    if (this.ended) return Promise.resolve(null);
    const { api, L, ctx } = this.vm;
    ctx.flushStdio();
    writeStd(1, prompt);
    let line: Uint8Array | null = null;
    api.protect(L, 0, (P) => {
      api.pushref(P, this.reader);
      api.call(P, 0, 1);
      if (api.type(P, -1) === LUA_TSTRING) line = api.tobytes(P, -1);
    });
    if (line === null) {
      this.ended = true;
      return Promise.resolve(null);
    }
    const bytes: Uint8Array = line;
    const text = bytes[bytes.length - 1] === 0x0a ? bytes.subarray(0, -1) : bytes;
    if (this.echo) {
      writeStd(1, text);
      writeStd(1, "\n");
    }
    return Promise.resolve(text);
  }

  suspend(): void {}

  close(): void {
    if (this.reader) this.vm.api.unref(this.vm.L, this.reader);
    this.reader = 0;
  }
}
