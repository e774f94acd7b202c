/**
 * SIGINT for Lua code run interactively (the REPL and `lua` mode), as `lua.c` handles it:
 * while a chunk runs, Ctrl-C (or `kill -INT`) becomes the Lua error "interrupted!" in that
 * chunk instead of ending the process; a second SIGINT before the first was acted on ends
 * the process (a chunk stuck in one long call into C can still be stopped); outside a chunk
 * the signal keeps its usual action.
 *
 * Why native code: Lua code that computes holds the JS thread, so a JS signal listener would
 * run only once the code is done. Under Bun a tiny C handler, compiled at run time with
 * Bun's embedded TinyCC (`bun:ffi` `cc`), records the signal in a C variable that the
 * instruction hook reads every 100 000 instructions (a plain function call, no syscall).
 * Bun's own handler replaces it whenever a JS listener for SIGINT is added (the runtime arms
 * some while the scheduler waits), so a JS listener is kept too, and `refresh` puts the C
 * handler back each time Lua code is about to run. Elsewhere (Deno from source) only the JS
 * listener exists: code waiting on I/O or a timer is interrupted, code computing is not.
 *
 * Signal handlers are process-wide, hence module state; one begin/end pair at a time.
 *
 * @example
 * ```ts
 * const sigint = interrupts();
 * sigint.begin();
 * try { ...run the chunk, calling sigint.take() from the hook... } finally { sigint.end() }
 * ```
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Interrupts {
  /** Whether Lua code that computes can be interrupted (false: only waits can). */
  readonly native: boolean;
  /** Starts catching SIGINT (lua.c's `docall`); forgets any earlier one. */
  begin(): void;
  /** Re-installs the C handler if the runtime's JS listeners displaced it (cheap). */
  refresh(): void;
  /** Whether a SIGINT arrived since the last call; consumes it. */
  take(): boolean;
  /** Catches the next SIGINT too (the last one was not for the code: a child's). */
  rearm(): void;
  /** Gives SIGINT back its previous action. */
  end(): void;
}

/**
 * The C side. `sigint_begin` installs the handler and remembers what was there (Bun's handler,
 * or SIG_IGN in a background job: lua.c catches the signal there too); the handler counts the
 * signal and falls back to the default action, as lua.c's does, so that a second one ends the
 * process. Declarations instead of headers: nothing needs to be installed for TinyCC.
 */
const C_SOURCE = `
typedef void (*handler_t)(int);
handler_t signal(int sig, handler_t handler);
#define SIGINT_NO 2
static volatile int hits;
static volatile int fired;
static handler_t before;
static int saved;
static void on_sigint(int sig) { hits = 1; fired = 1; signal(sig, (handler_t)0); }
void sigint_begin(void) {
  handler_t old = signal(SIGINT_NO, on_sigint);
  if (!saved) { before = old; saved = 1; }
  hits = 0; fired = 0;
}
void sigint_refresh(void) { if (saved && !fired) signal(SIGINT_NO, on_sigint); }
void sigint_rearm(void) { if (saved) { fired = 0; signal(SIGINT_NO, on_sigint); } }
int sigint_take(void) { int h = hits; hits = 0; return h; }
void sigint_end(void) { if (saved) { signal(SIGINT_NO, before); saved = 0; } }
`;

interface NativeSymbols {
  sigint_begin(): void;
  sigint_refresh(): void;
  sigint_rearm(): void;
  sigint_take(): number;
  sigint_end(): void;
}

/** Compiles the C handler with Bun's TinyCC; undefined where that is not possible. */
function compileNative(): NativeSymbols | undefined {
  if (typeof (globalThis as { Bun?: unknown }).Bun === "undefined") return undefined;
  let dir: string | undefined;
  try {
    // `cc` takes a file path, not source text.
    dir = mkdtempSync(join(tmpdir(), "assay-sigint-"));
    const file = join(dir, "sigint.c");
    writeFileSync(file, C_SOURCE);
    const { cc } = require("bun:ffi");
    const none = { args: [], returns: "void" };
    const { symbols } = cc({
      source: file,
      symbols: { sigint_begin: none, sigint_refresh: none, sigint_rearm: none, sigint_take: { args: [], returns: "int" }, sigint_end: none },
    });
    return symbols as NativeSymbols;
  } catch {
    return undefined;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

let shared: Interrupts | undefined;

/** The process's SIGINT catcher (compiled on first use). */
export function interrupts(): Interrupts {
  return shared ??= makeInterrupts(compileNative());
}

function makeInterrupts(native: NativeSymbols | undefined): Interrupts {
  let pending = false;
  let active = false;
  const onSignal = () => {
    pending = true;
  };
  return {
    native: native !== undefined,
    begin() {
      pending = false;
      if (!active) {
        active = true;
        // First the JS listener (adding it makes Bun install its own handler), then ours over it.
        process.on("SIGINT", onSignal);
      }
      native?.sigint_begin();
    },
    refresh() {
      if (active) native?.sigint_refresh();
    },
    rearm() {
      if (active) native?.sigint_rearm();
    },
    take() {
      const hit = pending || (native !== undefined && native.sigint_take() !== 0);
      pending = false;
      return hit;
    },
    end() {
      if (!active) return;
      active = false;
      native?.sigint_end();
      process.off("SIGINT", onSignal);
      pending = false;
    },
  };
}
