/**
 * Keys for JWTs from what scripts hold: PEM text (private keys for signing; public keys,
 * certificates or private keys for verifying), shared secrets, JWKs and JWK sets (RFC 7517),
 * the last picked by the token's `kid`. A PEM text is never taken as a shared secret, so a
 * public key cannot be turned into an HMAC key by a token that says HS256.
 *
 * @example
 * ```ts
 * const key = verificationKey(pemBytes, { alg: "RS256", kid: undefined }); // { key, alg? }
 * ```
 */
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { jwkFits, type JwtKey } from "./jwt-algorithms.ts";
import { Base64UrlError, decodeBase64Url } from "./base64url.ts";

/** A key that cannot be used; the message is what follows `<fn>: `. */
export class KeyError extends Error {}

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;
const PRIVATE_LABELS = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]);
const PUBLIC_LABELS = new Set(["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE"]);

/** The label of the first PEM block in `bytes` (`RSA PRIVATE KEY`), or undefined. */
export function pemLabel(bytes: Uint8Array): string | undefined {
  return PEM_LABEL.exec(Buffer.from(bytes).toString("latin1"))?.[1];
}

/** An OpenSSL error in plain words: `error:...:PEM routines:...:NO_START_LINE` is `no start line`. */
function openSslText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const reason = /^error:[0-9A-Fa-f]+:[^:]*:[^:]*:(.+)$/.exec(message)?.[1];
  return reason ? reason.replaceAll("_", " ").toLowerCase() : message;
}

/** A private key from PEM (PKCS#1, PKCS#8 or SEC1); raises `invalid PEM key: ...`. */
export function privateKeyFromPem(pem: Uint8Array): KeyObject {
  const label = pemLabel(pem);
  if (label === undefined) {
    throw new KeyError("invalid PEM key: no PEM block found (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
  }
  if (label === "ENCRYPTED PRIVATE KEY") throw new KeyError("invalid PEM key: encrypted private keys are not supported");
  if (PUBLIC_LABELS.has(label)) throw new KeyError(`invalid PEM key: a ${label.toLowerCase()} cannot sign; pass the private key`);
  try {
    return createPrivateKey({ key: Buffer.from(pem), format: "pem" });
  } catch (e) {
    throw new KeyError(`invalid PEM key: ${openSslText(e)}`);
  }
}

/** A public key from PEM: a public key, a certificate's key, or a private key's public half. */
export function publicKeyFromPem(pem: Uint8Array): KeyObject {
  const label = pemLabel(pem);
  if (label === undefined) throw new KeyError("invalid PEM key: no PEM block found");
  if (label === "ENCRYPTED PRIVATE KEY") throw new KeyError("invalid PEM key: encrypted private keys are not supported");
  if (!PRIVATE_LABELS.has(label) && !PUBLIC_LABELS.has(label)) throw new KeyError(`invalid PEM key: unsupported PEM block "${label}"`);
  try {
    return createPublicKey({ key: Buffer.from(pem), format: "pem" });
  } catch (e) {
    throw new KeyError(`invalid PEM key: ${openSslText(e)}`);
  }
}

/** A JWK as the conversion layer hands it over. */
export type Jwk = Record<string, unknown>;

export function isJwkTable(v: unknown): v is Jwk {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

/** A verification key and the algorithm its JWK is restricted to, if any. */
export interface ResolvedKey {
  key: JwtKey;
  alg?: string;
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The key a JWK holds (its public half when it also holds private parts). */
export function keyFromJwk(jwk: Jwk): ResolvedKey {
  const kty = jwk.kty;
  if (typeof kty !== "string") throw new KeyError('invalid JWK: "kty" must be a string');
  if (jwk.alg !== undefined && typeof jwk.alg !== "string") throw new KeyError('invalid JWK: "alg" must be a string');
  const alg = text(jwk.alg);
  if (jwk.use !== undefined && jwk.use !== "sig") throw new KeyError(`invalid JWK: its "use" is ${JSON.stringify(jwk.use)}, not "sig"`);
  if (kty === "oct") {
    if (typeof jwk.k !== "string") throw new KeyError('invalid JWK: "k" must be a base64url string');
    let secret: Uint8Array;
    try {
      secret = decodeBase64Url(new TextEncoder().encode(jwk.k));
    } catch (e) {
      if (e instanceof Base64UrlError) throw new KeyError(`invalid JWK: "k": invalid base64url: ${e.message}`);
      throw e;
    }
    if (secret.length === 0) throw new KeyError('invalid JWK: "k" is empty');
    return { key: { kind: "secret", secret }, alg };
  }
  const fields: Record<string, string[]> = { RSA: ["n", "e"], EC: ["crv", "x", "y"], OKP: ["crv", "x"] };
  const wanted = fields[kty];
  if (!wanted) throw new KeyError(`invalid JWK: unsupported key type "${kty}"`);
  // Only the public members: the private ones are not needed and would make it a private key.
  const publicJwk: Record<string, string> = { kty };
  for (const name of wanted) {
    if (typeof jwk[name] !== "string") throw new KeyError(`invalid JWK: "${name}" must be a string`);
    publicJwk[name] = jwk[name] as string;
  }
  try {
    return { key: { kind: "key", key: createPublicKey({ key: publicJwk as JsonWebKey, format: "jwk" }) }, alg };
  } catch (e) {
    throw new KeyError(`invalid JWK: ${openSslText(e)}`);
  }
}

/** Picks the JWK of a set (`{keys = {...}}`) for a token with header `alg` and `kid`. */
export function selectJwk(keys: unknown, alg: string, kid: string | undefined): Jwk {
  if (!Array.isArray(keys)) throw new KeyError('invalid JWKS: "keys" must be a list of JWK tables');
  if (keys.length === 0) throw new KeyError("the JWKS has no keys");
  const usable = keys.filter((k): k is Jwk => isJwkTable(k) && (k.use === undefined || k.use === "sig"));
  if (usable.length === 0) throw new KeyError('the JWKS has no signing keys (every key\'s "use" is other than "sig")');
  const named = kid === undefined ? usable : usable.filter((k) => k.kid === kid);
  if (named.length === 0) throw new KeyError(`no key with kid ${JSON.stringify(kid)} in the JWKS`);
  const fitting = named.filter((k) => (k.alg === undefined || k.alg === alg) && jwkFits(alg, k.kty, k.crv));
  if (fitting.length === 1) return fitting[0];
  const which = kid === undefined ? "" : ` with kid ${JSON.stringify(kid)}`;
  if (fitting.length === 0) throw new KeyError(`no key${which} in the JWKS fits algorithm ${alg}`);
  if (kid === undefined) {
    throw new KeyError(`the token has no kid and ${fitting.length} keys in the JWKS fit algorithm ${alg}; cannot choose one`);
  }
  throw new KeyError(`${fitting.length} keys${which} in the JWKS fit algorithm ${alg}; cannot choose one`);
}
