/**
 * A file read in chunks off the Lua thread, for builtins that stream a file through something
 * (hashing) instead of holding it: the policy is asked first, the file is opened where the
 * policy judged it (sandbox/backstop.ts), and one buffer is reused for every chunk, so memory
 * stays at one chunk whatever the file's size.
 *
 * @example
 * ```ts
 * for await (const chunk of readChunks(policy, "crypto.hash_file", path, signal)) hash.update(chunk);
 * ```
 */
import * as fs from "node:fs";
import type { Policy } from "./sandbox/policy.ts";
import { openChecked } from "./sandbox/backstop.ts";

/** The default chunk: large enough that per-read overhead vanishes, small next to any heap limit. */
export const CHUNK_SIZE = 1024 * 1024;

function readInto(fd: number, buffer: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, 0, buffer.length, null, (e, n) => (e ? reject(e) : resolve(n)));
  });
}

/**
 * The bytes of `path` in order, in chunks of at most `chunkSize`. A chunk is valid until the
 * next one is asked for (the buffer is reused). Nothing is checked or opened until the first
 * chunk is asked for; aborting `signal` ends the iteration with its reason before the next
 * read; the file is closed however the iteration ends.
 */
export async function* readChunks(
  policy: Policy,
  fn: string,
  path: string,
  signal?: AbortSignal,
  chunkSize = CHUNK_SIZE,
): AsyncGenerator<Uint8Array, void, undefined> {
  policy.check(fn, "read", path);
  signal?.throwIfAborted();
  const fd = openChecked(policy, Buffer.from(path), fs.constants.O_RDONLY, 0);
  try {
    const buffer = new Uint8Array(chunkSize);
    for (;;) {
      signal?.throwIfAborted();
      const n = await readInto(fd, buffer);
      if (n === 0) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}
