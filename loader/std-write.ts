/**
 * Writing to the process's standard streams from the runtime itself (reports, log lines):
 * all of the text, retried while a non-blocking descriptor answers EAGAIN. A reader that went
 * away is not a crash: on stdout the process ends as a shell expects of a broken pipe (exit
 * 141), while on stderr the line is dropped, so a closed log pipe never fails a run.
 *
 * @example
 * ```ts
 * writeStd(1, JSON.stringify(report, null, 2) + "\n");
 * ```
 */
import { writeSync } from "node:fs";

/** 128 + SIGPIPE, what a shell reports for a process killed by a broken pipe. */
export const BROKEN_PIPE_EXIT = 141;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Retries an operation that a non-blocking host descriptor answers with EAGAIN. */
export function retrying<T>(op: () => T): T {
  for (;;) {
    try {
      return op();
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      Atomics.wait(sleepCell, 0, 0, 5);
    }
  }
}

/** Writes all of `data` to descriptor 1 or 2. */
export function writeStd(fd: 1 | 2, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    for (let off = 0; off < bytes.length;) off += retrying(() => writeSync(fd, bytes, off, bytes.length - off));
  } catch (err) {
    if ((err as { code?: string }).code !== "EPIPE") throw err;
    if (fd === 1) process.exit(BROKEN_PIPE_EXIT);
  }
}
