/**
 * Buffering of the standard output as C gives it: line-buffered on a terminal, fully
 * buffered otherwise (glibc and musl decide at the first write). emscripten's musl skips that
 * check and keeps stdout line-buffered everywhere, which makes output to a pipe interleave
 * with child processes and stderr differently from `lua5.4`; so the decision is made here.
 */
import { isatty } from "node:tty";
import type { BuiltinContext } from "../plugin.ts";

/** Offsets in musl's `struct _IO_FILE` (wasm32). */
const FILE_FD = 60, FILE_LBF = 80;
const NEWLINE = 10, NO_LINE_BUFFER = -1;

export function setStdoutBuffering(ctx: BuiltinContext): void {
  const { api, L } = ctx;
  if (isatty(1)) return;
  api.getglobal(L, "io");
  api.getfield(L, -1, "stdout");
  const stream = api.m._lua_touserdata(L, -1);
  api.pop(L, 2);
  if (!stream) return;
  const file = api.m.HEAPU32[stream >> 2];
  const heap = api.m.HEAP32;
  // Only touch the FILE when it looks as expected (a line-buffered descriptor 1).
  if (heap[(file + FILE_FD) >> 2] === 1 && heap[(file + FILE_LBF) >> 2] === NEWLINE) {
    heap[(file + FILE_LBF) >> 2] = NO_LINE_BUFFER;
  }
}
