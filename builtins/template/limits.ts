/**
 * Bounds on what one render may build, so that a template cannot exhaust the process's memory
 * (a string doubled in a loop, a list repeated, `range(10**9)`). The time a template takes is
 * bounded by `--timeout` (the watchdog ends a run stuck in a long JS call), as for Lua code.
 */
import { TemplateError } from "./values.ts";

/** The most elements `range()` makes, as in the reference engine. */
export const MAX_RANGE = 100_000;
const MI = 1024 * 1024;
/** Output and string sizes never exceed this many characters, whatever the heap limit. */
const MAX_CHARS = 256 * MI;
/** Below this the heap's free budget does not lower the bound further. */
const MIN_CHARS = MI;

export class Limits {
  /** Characters of output produced so far (text captured by macros and set blocks counts again). */
  private emitted = 0;
  /** The largest list an operator or filter may build. */
  readonly items: number;

  /** `chars` (a whole number of Mi) is the most characters one string or the whole output may have. */
  constructor(readonly chars: number) {
    this.items = Math.floor(chars / 16);
  }

  /** Bounds for a render with `free` bytes left in the heap budget (Infinity when unlimited). */
  static forBudget(free: number): Limits {
    return new Limits(Math.max(MIN_CHARS, Math.min(MAX_CHARS, Math.floor(free / MI) * MI)));
  }

  private get size(): string {
    return `${this.chars / MI} Mi characters`;
  }

  /** Refuses a string of `length` characters before it is built. */
  string(length: number): void {
    if (length > this.chars) throw new TemplateError(`string too large (over ${this.size})`);
  }

  /** Refuses a list of `length` items before it is built. */
  list(length: number): void {
    if (length > this.items) throw new TemplateError(`list too large (over ${this.items} items)`);
  }

  /** Counts output as it is produced. */
  emit(length: number): void {
    this.emitted += length;
    if (this.emitted > this.chars) throw new TemplateError(`template output too large (over ${this.size})`);
  }
}
