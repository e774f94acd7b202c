/**
 * Check names and messages made safe for line-based output. Messages come from scripts and
 * servers and may hold ANSI escapes, control characters and several lines; a report line or a
 * progress line must stay one line, and a terminal line must fit its width, or the text report
 * misaligns and the progress view's cursor maths breaks.
 *
 * @example
 * ```ts
 * oneLine("\x1b[31mboom\x1b[0m\tnow");     // "boom now"
 * textLines("a\r\nb\n");                    // ["a", "b"]
 * fitColumns("日本語のチェック", 7);          // "日本語…"
 * ```
 */

// CSI (ESC [ … final, or its one-byte form 0x9b), OSC (ESC ] … BEL or ESC \) and the
// two-byte ESC sequences.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]/g;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** Removes ANSI escape sequences, keeping the text between them. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/** The text without escapes, split into lines; trailing empty lines are dropped. */
export function textLines(s: string): string[] {
  const lines = stripAnsi(s).split(/\r\n|\r|\n/).map(oneLine);
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  return lines;
}

/** One line of plain text: no escapes, tabs and line breaks as spaces, other controls removed. */
export function oneLine(s: string): string {
  return stripAnsi(s).replace(/[\t\r\n]/g, " ").replace(CONTROL, "");
}

/** The first line of a message, as plain text ("" for none). */
export function firstLine(message: string | null): string {
  return message === null ? "" : (textLines(message)[0] ?? "");
}

// East Asian wide and emoji blocks take two terminal columns; combining marks and
// zero-width characters take none. Close enough for names and messages; a miss only costs
// one column, which the `columns - 1` margin of the progress view absorbs.
const WIDE: [number, number][] = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xa4cf], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60],
  [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
];
const ZERO: [number, number][] = [[0x0300, 0x036f], [0x200b, 0x200f], [0x20d0, 0x20ff], [0xfe00, 0xfe0f]];

const within = (ranges: [number, number][], cp: number) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

function columnsOf(cp: number): number {
  if (within(ZERO, cp)) return 0;
  return within(WIDE, cp) ? 2 : 1;
}

/** Terminal columns a line of plain text takes. */
export function widthOf(s: string): number {
  let width = 0;
  for (const ch of s) width += columnsOf(ch.codePointAt(0)!);
  return width;
}

/** Pads plain text with spaces to `width` columns. */
export function padColumns(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - widthOf(s)));
}

/** Cuts plain text to at most `max` columns, ending in `…` when something was cut. */
export function fitColumns(s: string, max: number): string {
  if (widthOf(s) <= max) return s;
  if (max <= 0) return "";
  let out = "";
  let width = 0;
  for (const ch of s) {
    const w = columnsOf(ch.codePointAt(0)!);
    if (width + w > max - 1) break;
    out += ch;
    width += w;
  }
  return out + "…";
}
