/**
 * Turns the lines a REPL reads into one compiled chunk, as `lua.c`'s `loadline` does: a
 * first line starting with `=` means `return ...`; a line is first tried as an expression
 * (`return <line>;`), so bare expressions show their values; otherwise it is compiled as
 * statements, and while the only error is that the chunk ends too early (a syntax error
 * ending in `<eof>`) more lines are read with the continuation prompt and joined with
 * newlines. The chunk name is `=stdin`, so errors read `stdin:1: ...`.
 *
 * @example
 * ```ts
 * const r = await readChunk(api, L, (first) => source.read(first ? "> " : ">> "));
 * if (r.kind === "chunk") await caller.call(0, "repl");   // the function is on L's stack
 * ```
 */
import { LUA_OK, type LuaApi } from "../lua-api.ts";

const LUA_ERRSYNTAX = 3;

/**
 * What a line source gives: a line without its newline (text from a terminal, bytes as read
 * from a pipe), end of input, or a cancelled line.
 */
export type LineRead = string | Uint8Array | null | typeof CANCELLED;
/** Ctrl-C at a prompt: the input so far is dropped. */
export const CANCELLED: unique symbol = Symbol("cancelled");

export type ChunkRead =
  /** The compiled function is on top of L's stack. */
  | { kind: "chunk" }
  /** A syntax error: its message (`stdin:1: ...`), nothing on the stack. */
  | { kind: "error"; message: string }
  | { kind: "cancelled" }
  | { kind: "eof" };

/** Whether a failed load means only that the chunk is not finished yet. */
export function isIncomplete(status: number, message: string): boolean {
  return status === LUA_ERRSYNTAX && message.endsWith("<eof>");
}

/**
 * Reads lines through `read` (`first` tells which prompt to show) until they make a chunk
 * or an error.
 */
export async function readChunk(api: LuaApi, L: number, read: (first: boolean) => Promise<LineRead>): Promise<ChunkRead> {
  const first = await read(true);
  if (first === null) return { kind: "eof" };
  if (first === CANCELLED) return { kind: "cancelled" };
  let text = bytesOf(first);
  if (text[0] === 0x3d /* = */) text = concat(RETURN, text.subarray(1));
  if (load(api, L, concat(RETURN, text, SEMICOLON)).status === LUA_OK) return { kind: "chunk" };
  for (;;) {
    const { status, message } = load(api, L, text);
    if (status === LUA_OK) return { kind: "chunk" };
    if (!isIncomplete(status, message)) return { kind: "error", message };
    const more = await read(false);
    // At the end of input the chunk stays as it is: its error is the one to report.
    if (more === null) return { kind: "error", message };
    if (more === CANCELLED) return { kind: "cancelled" };
    text = concat(text, NEWLINE, bytesOf(more));
  }
}

const encoder = new TextEncoder();
const RETURN = encoder.encode("return ");
const SEMICOLON = encoder.encode(";");
const NEWLINE = encoder.encode("\n");

function bytesOf(line: string | Uint8Array): Uint8Array {
  return typeof line === "string" ? encoder.encode(line) : line;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Compiles `text` as the chunk `=stdin`; on failure pops the message and returns it. */
function load(api: LuaApi, L: number, text: Uint8Array): { status: number; message: string } {
  const status = api.load(L, text, "=stdin", "t");
  if (status === LUA_OK) return { status, message: "" };
  const message = api.tostring(L, -1) ?? "";
  api.pop(L);
  return { status, message };
}
