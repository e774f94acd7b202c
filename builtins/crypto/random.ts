/**
 * `crypto.random`'s strings: characters drawn uniformly from `[A-Za-z0-9]` with the
 * system's CSPRNG. A byte maps to a character only below 248 (4 × 62), so every character
 * is equally likely; taking every byte modulo 62 would favour the first eight.
 *
 * @example
 * ```ts
 * randomAlphanumeric(32); // Uint8Array of 32 ASCII letters and digits
 * ```
 */
import { randomBytes } from "node:crypto";

const ALPHABET = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
/** The largest multiple of the alphabet's size that fits in a byte. */
const ACCEPT_BELOW = 256 - (256 % ALPHABET.length);

/** Upper bound on the length, so one call cannot ask for an unbounded allocation. */
export const MAX_RANDOM_LENGTH = 1024 * 1024;

/** `length` random alphanumeric characters as ASCII bytes. */
export function randomAlphanumeric(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    // About 3% of bytes are rejected: ask for a little more than what is missing.
    const pool = randomBytes(Math.ceil((length - filled) * 1.04) + 8);
    for (let i = 0; i < pool.length && filled < length; i++) {
      if (pool[i] < ACCEPT_BELOW) out[filled++] = ALPHABET[pool[i] % ALPHABET.length];
    }
  }
  return out;
}
