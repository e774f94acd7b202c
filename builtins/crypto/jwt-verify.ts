/**
 * The checks of `crypto.jwt_verify`, on the token's header and claims as JS values: the
 * algorithm (never `none`; one the key can do and `opts.algorithms` allows), the signature,
 * then the registered claims `exp`, `nbf` (both with `opts.leeway` seconds), `iss` and `aud`
 * when the options ask for them. Time is the wall clock (`Date.now()`), as `exp` and `nbf`
 * are wall-clock instants.
 *
 * @example
 * ```ts
 * verifyToken({ header, claims, input, signature }, keyArgument, { aud: "api" }, Date.now() / 1000);
 * ```
 */
import { algorithmNamed, algorithmsFor, describeKey, fits, isAlgorithm, verifyWith } from "./jwt-algorithms.ts";
import { isJwkTable, keyFromJwk, KeyError, pemLabel, publicKeyFromPem, type ResolvedKey, selectJwk } from "./jwt-keys.ts";
import { LuaFloat } from "../../loader/bridge/values.ts";

/** A token that does not verify; the message is what follows `<fn>: `. */
export class VerifyError extends Error {}

export interface VerifyOptions {
  /** Seconds of clock skew tolerated for `exp` and `nbf`. */
  leeway?: number;
  /** The token's `aud` must contain this audience (one of these). */
  aud?: string | string[];
  /** The token's `iss` must be this issuer (one of these). */
  iss?: string | string[];
  /** Algorithms accepted; default: every one the key can do. */
  algorithms?: string[];
}

export interface DecodedToken {
  header: unknown;
  claims: unknown;
  /** `header.payload` as it appeared in the token: what was signed. */
  input: Uint8Array;
  signature: Uint8Array;
}

/** Throws VerifyError (or KeyError) unless the token is valid now (`now` in epoch seconds). */
export function verifyToken(token: DecodedToken, keyArgument: Uint8Array | object, opts: VerifyOptions, now: number): void {
  const header = token.header;
  if (!isJwkTable(header)) throw new VerifyError("header: must be a JSON object");
  const alg = header.alg;
  if (typeof alg !== "string") throw new VerifyError('header: "alg" must be a string');
  if (alg.toLowerCase() === "none") throw new VerifyError('unsigned tokens (alg "none") are refused');
  if (!isAlgorithm(alg)) throw new VerifyError(`unsupported algorithm: ${alg}`);
  if (header.crit !== undefined) throw new VerifyError('header: "crit" extensions are not supported');
  const allowed = allowedAlgorithms(opts.algorithms);
  if (allowed && !allowed.includes(alg)) throw new VerifyError(`algorithm ${alg} is not in opts.algorithms (${allowed.join(", ")})`);

  const kid = typeof header.kid === "string" ? header.kid : undefined;
  const { key, alg: keyAlg } = resolveKey(keyArgument, alg, kid);
  if (keyAlg !== undefined && keyAlg !== alg) throw new VerifyError(`algorithm ${alg} does not match the key's "alg" ${keyAlg}`);
  if (!fits(alg, key)) {
    const can = algorithmsFor(key);
    throw new VerifyError(`algorithm ${alg} cannot be used with ${describeKey(key)} (${can.length ? `it allows ${can.join(", ")}` : "no supported algorithm uses it"})`);
  }
  let valid = false;
  try {
    valid = verifyWith(alg, key, token.input, token.signature);
  } catch {
    // A signature the key cannot even process (wrong size, bad encoding) is simply not valid.
  }
  if (!valid) throw new VerifyError("signature verification failed");

  checkClaims(token.claims, opts, now);
}

function allowedAlgorithms(list: string[] | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  return list.map((name) => {
    const alg = algorithmNamed(name);
    if (alg === undefined) throw new VerifyError(`opts.algorithms: unsupported algorithm: ${name}`);
    return alg;
  });
}

/** The key the argument stands for: PEM text, a shared secret, a JWK, or the JWK of a set. */
function resolveKey(keyArgument: Uint8Array | object, alg: string, kid: string | undefined): ResolvedKey {
  if (keyArgument instanceof Uint8Array) {
    if (pemLabel(keyArgument) !== undefined) return { key: { kind: "key", key: publicKeyFromPem(keyArgument) } };
    if (keyArgument.length === 0) throw new KeyError("the secret is empty");
    return { key: { kind: "secret", secret: keyArgument } };
  }
  if (!isJwkTable(keyArgument)) {
    throw new KeyError('second argument must be a JWK (a table with "kty") or a JWKS (a table with "keys")');
  }
  if (keyArgument.keys !== undefined) return keyFromJwk(selectJwk(keyArgument.keys, alg, kid));
  return keyFromJwk(keyArgument);
}

/** A numeric date claim (seconds since the epoch) as a JS number, or undefined when absent. */
function dateClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof LuaFloat) return v.value;
  throw new VerifyError(`claim "${name}" must be a number (seconds since the epoch)`);
}

/** An instant in seconds as ISO 8601 UTC, without milliseconds when there are none. */
export function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return `${seconds} (seconds since the epoch)`;
  return date.toISOString().replace(".000Z", "Z");
}

/** A claim's value as JSON-like text for messages (numbers beyond 2^53 and bytes included). */
function quoted(v: unknown): string {
  return JSON.stringify(v, (_key, x) =>
    typeof x === "bigint" ? Number(x) : x instanceof LuaFloat ? x.value : x instanceof Uint8Array ? "<bytes>" : x);
}
const expected = (want: string[]) => (want.length === 1 ? quoted(want[0]) : `one of ${want.map(quoted).join(", ")}`);

function checkClaims(claims: unknown, opts: VerifyOptions, now: number): void {
  // A table encodes as [] when empty (builtins.md §0.5), so [] is the empty claim set.
  if (Array.isArray(claims) && claims.length === 0) claims = {};
  if (!isJwkTable(claims)) throw new VerifyError("payload: the claims must be a JSON object");
  const leeway = opts.leeway ?? 0;
  const exp = dateClaim(claims, "exp");
  if (exp !== undefined && now >= exp + leeway) throw new VerifyError(`token expired at ${isoTime(exp)}`);
  const nbf = dateClaim(claims, "nbf");
  if (nbf !== undefined && now + leeway < nbf) throw new VerifyError(`token not valid before ${isoTime(nbf)}`);
  if (opts.iss !== undefined) {
    const want = typeof opts.iss === "string" ? [opts.iss] : opts.iss;
    const iss = claims.iss;
    if (typeof iss !== "string" || !want.includes(iss)) {
      throw new VerifyError(`issuer mismatch: expected ${expected(want)}, token has ${iss === undefined ? "no iss claim" : quoted(iss)}`);
    }
  }
  if (opts.aud !== undefined) {
    const want = typeof opts.aud === "string" ? [opts.aud] : opts.aud;
    const aud = claims.aud;
    const has = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === "string") : [];
    if (!has.some((a) => want.includes(a))) {
      throw new VerifyError(`audience mismatch: expected ${expected(want)}, token has ${aud === undefined ? "no aud claim" : quoted(aud)}`);
    }
  }
}
