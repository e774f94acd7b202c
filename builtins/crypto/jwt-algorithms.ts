/**
 * The JWS algorithms `crypto.jwt_sign` and `crypto.jwt_verify` know (RFC 7518), which key
 * each one needs, and the signature primitives on node:crypto. An algorithm only ever runs
 * with a key of its own kind: an HMAC algorithm with a shared secret, RS/PS with an RSA key,
 * ES256/ES384 with an EC key on its curve, EdDSA with an Ed25519 key. That rule is what stops
 * the classic confusion attacks (an HS256 token "signed" with the RSA public key as secret,
 * an RS256 signature checked against an EC key).
 *
 * @example
 * ```ts
 * const key: JwtKey = { kind: "key", key: createPrivateKey(pem) };
 * if (!fits("RS256", key)) throw ...;
 * const sig = signWith("RS256", key, input);
 * ```
 */
import { constants, createHmac, type KeyObject, sign, timingSafeEqual, verify } from "node:crypto";

/** A key as the algorithms take it: a shared secret, or an asymmetric key (private or public). */
export type JwtKey = { kind: "secret"; secret: Uint8Array } | { kind: "key"; key: KeyObject };

type Family = "hmac" | "rsa" | "pss" | "ecdsa" | "eddsa";

interface Algorithm {
  family: Family;
  /** The digest, or null where the scheme hashes internally (EdDSA). */
  hash: "sha256" | "sha384" | "sha512" | null;
  /** ECDSA: the curve's JOSE name and the length of r||s in bytes. */
  curve?: "P-256" | "P-384";
  signatureLength?: number;
}

const ALGORITHMS: Record<string, Algorithm> = {
  HS256: { family: "hmac", hash: "sha256" },
  HS384: { family: "hmac", hash: "sha384" },
  HS512: { family: "hmac", hash: "sha512" },
  RS256: { family: "rsa", hash: "sha256" },
  RS384: { family: "rsa", hash: "sha384" },
  RS512: { family: "rsa", hash: "sha512" },
  PS256: { family: "pss", hash: "sha256" },
  PS384: { family: "pss", hash: "sha384" },
  PS512: { family: "pss", hash: "sha512" },
  ES256: { family: "ecdsa", hash: "sha256", curve: "P-256", signatureLength: 64 },
  ES384: { family: "ecdsa", hash: "sha384", curve: "P-384", signatureLength: 96 },
  EdDSA: { family: "eddsa", hash: null },
};

/** Every supported algorithm name, as it appears in a JWT header. */
export const JWT_ALGORITHMS = Object.keys(ALGORITHMS);

const BY_UPPER = new Map(JWT_ALGORITHMS.map((name) => [name.toUpperCase(), name]));

/** Whether `name` is exactly a supported algorithm (headers are case-sensitive, RFC 7515). */
export function isAlgorithm(name: string): boolean {
  return Object.hasOwn(ALGORITHMS, name);
}

/** The algorithm `name` spells in any case (`eddsa` is `EdDSA`), or undefined. */
export function algorithmNamed(name: string): string | undefined {
  return BY_UPPER.get(name.toUpperCase());
}

/** OpenSSL's curve names as node:crypto reports them, in JOSE's words. */
const CURVES: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

function curveOf(key: KeyObject): string | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined ? undefined : CURVES[curve] ?? curve;
}

/** Whether `alg` can sign or verify with `key`. */
export function fits(alg: string, key: JwtKey): boolean {
  const a = ALGORITHMS[alg];
  if (!a) return false;
  if (key.kind === "secret") return a.family === "hmac";
  const type = key.key.asymmetricKeyType;
  switch (a.family) {
    case "hmac":
      return false;
    case "rsa":
      return type === "rsa";
    case "pss":
      return type === "rsa" || type === "rsa-pss";
    case "ecdsa":
      return type === "ec" && curveOf(key.key) === a.curve;
    case "eddsa":
      return type === "ed25519";
  }
}

/** The algorithms `key` can be used with, in the table's order. */
export function algorithmsFor(key: JwtKey): string[] {
  return JWT_ALGORITHMS.filter((alg) => fits(alg, key));
}

/** The key in words, for messages: `an RSA key`, `an EC P-256 key`, `a shared secret`. */
export function describeKey(key: JwtKey): string {
  if (key.kind === "secret") return "a shared secret";
  const type = key.key.asymmetricKeyType ?? "unknown";
  switch (type) {
    case "rsa":
      return "an RSA key";
    case "rsa-pss":
      return "an RSA-PSS key";
    case "ec":
      return `an EC ${curveOf(key.key) ?? ""} key`.replace("  ", " ");
    case "ed25519":
      return "an Ed25519 key";
    case "ed448":
      return "an Ed448 key";
    default:
      return `a ${type} key`;
  }
}

/** What `alg` needs, in words: `an RSA`, `an EC P-256`, for "needs ... private key". */
export function keyKindFor(alg: string): string {
  const a = ALGORITHMS[alg];
  switch (a.family) {
    case "hmac":
      return "a shared secret";
    case "rsa":
    case "pss":
      return "an RSA key";
    case "ecdsa":
      return `an EC ${a.curve} key`;
    case "eddsa":
      return "an Ed25519 key";
  }
}

/** JOSE key types (JWK `kty`/`crv`) that can hold a key for `alg`. */
export function jwkFits(alg: string, kty: unknown, crv: unknown): boolean {
  const a = ALGORITHMS[alg];
  if (!a) return false;
  switch (a.family) {
    case "hmac":
      return kty === "oct";
    case "rsa":
    case "pss":
      return kty === "RSA";
    case "ecdsa":
      return kty === "EC" && crv === a.curve;
    case "eddsa":
      return kty === "OKP" && crv === "Ed25519";
  }
}

function pssOptions(key: KeyObject, hash: string) {
  const saltLength = hash === "sha256" ? 32 : hash === "sha384" ? 48 : 64;
  return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
}

/** The signature of `input` under `alg` (ECDSA as r||s, as JWS wants it). `fits` must hold. */
export function signWith(alg: string, key: JwtKey, input: Uint8Array): Uint8Array {
  const a = ALGORITHMS[alg];
  if (key.kind === "secret") return new Uint8Array(createHmac(a.hash!, key.secret).update(input).digest());
  switch (a.family) {
    case "pss":
      return new Uint8Array(sign(a.hash, input, pssOptions(key.key, a.hash!)));
    case "ecdsa":
      return new Uint8Array(sign(a.hash, input, { key: key.key, dsaEncoding: "ieee-p1363" }));
    default:
      return new Uint8Array(sign(a.hash, input, key.key));
  }
}

/** Whether `signature` is `alg`'s signature of `input` under `key`. `fits` must hold. */
export function verifyWith(alg: string, key: JwtKey, input: Uint8Array, signature: Uint8Array): boolean {
  const a = ALGORITHMS[alg];
  if (key.kind === "secret") {
    const expected = createHmac(a.hash!, key.secret).update(input).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  switch (a.family) {
    case "pss":
      return verify(a.hash, input, pssOptions(key.key, a.hash!), signature);
    case "ecdsa":
      // A DER signature or one of the wrong size is not a JWS signature, whatever it verifies as.
      if (signature.length !== a.signatureLength) return false;
      return verify(a.hash, input, { key: key.key, dsaEncoding: "ieee-p1363" }, signature);
    default:
      return verify(a.hash, input, key.key, signature);
  }
}
