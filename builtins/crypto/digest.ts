/**
 * The hash algorithms `crypto.hash`, `crypto.hmac` and `crypto.hash_file` accept (builtins.md
 * §7): the SHA-2 and SHA-3 families, named case-insensitively. MD5 and SHA-1 are left out on
 * purpose, as in the reference.
 *
 * @example
 * ```ts
 * const name = hashAlgorithm("crypto.hash", "SHA3-256"); // "sha3-256"
 * createHash(name).update(bytes).digest("hex");
 * ```
 */
import { LuaError } from "../../loader/lua-api.ts";

export const HASH_ALGORITHMS = ["sha224", "sha256", "sha384", "sha512", "sha3-224", "sha3-256", "sha3-384", "sha3-512"] as const;

export type HashAlgorithm = typeof HASH_ALGORITHMS[number];

const KNOWN = new Set<string>(HASH_ALGORITHMS);

/** The algorithm named `name` (default sha256); anything else raises the spec's error for `fn`. */
export function hashAlgorithm(fn: string, name: string | undefined): HashAlgorithm {
  if (name === undefined) return "sha256";
  const lower = name.toLowerCase();
  if (KNOWN.has(lower)) return lower as HashAlgorithm;
  throw new LuaError(`${fn}: unsupported algorithm: ${name} (supported: ${HASH_ALGORITHMS.join(", ")})`);
}
