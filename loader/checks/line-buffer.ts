/**
 * Joins text written in pieces (a script's `io.write("a")`, `io.write("b\n")`) into whole lines
 * for a writer that must get whole lines: the progress view draws a line at a time.
 *
 * @example
 * ```ts
 * const lines = new LineBuffer((line) => view.log(line));
 * lines.write("partial "); lines.write("line\nnext"); // view gets "partial line\n"
 * lines.flush();                                      // view gets "next"
 * ```
 */
export class LineBuffer {
  private pending = "";
  private decoder = new TextDecoder();

  constructor(private out: (line: string) => void) {}

  /** Adds text or bytes; every complete line goes out, newline included. */
  write(chunk: string | Uint8Array): void {
    this.pending += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const end = this.pending.lastIndexOf("\n");
    if (end < 0) return;
    const complete = this.pending.slice(0, end + 1);
    this.pending = this.pending.slice(end + 1);
    this.out(complete);
  }

  /** Sends what is left of an unfinished line. */
  flush(): void {
    this.pending += this.decoder.decode();
    if (this.pending) this.out(this.pending);
    this.pending = "";
  }
}
