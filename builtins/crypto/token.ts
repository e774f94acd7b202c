/**
 * A compact JWS (`header.payload.signature`) split into its parts, each segment decoded from
 * base64url, with the spec's error texts (builtins.md §7, `crypto.jwt_decode`).
 *
 * @example
 * ```ts
 * const { header, payload, input, signature } = splitToken(tokenBytes); // throws TokenError
 * ```
 */
import { Base64UrlError, decodeBase64Url } from "./base64url.ts";

/** A malformed token; the message is what follows `<fn>: `. */
export class TokenError extends Error {}

export interface TokenParts {
  header: Uint8Array;
  payload: Uint8Array;
  /** The third segment as it stands (decoded only by `signatureOf`: decoding ignores it). */
  signatureSegment: Uint8Array;
  /** `header.payload`: the bytes the signature covers. */
  input: Uint8Array;
}

const DOT = 0x2e;

function segment(bytes: Uint8Array, label: string): Uint8Array {
  try {
    return decodeBase64Url(bytes);
  } catch (e) {
    if (e instanceof Base64UrlError) throw new TokenError(`${label}: invalid base64url: ${e.message}`);
    throw e;
  }
}

export function splitToken(token: Uint8Array): TokenParts {
  const first = token.indexOf(DOT);
  const second = first < 0 ? -1 : token.indexOf(DOT, first + 1);
  if (first < 0 || second < 0 || token.indexOf(DOT, second + 1) >= 0) {
    throw new TokenError("token must have three '.'-separated segments (header.payload.signature)");
  }
  const header = segment(token.subarray(0, first), "header");
  const payload = segment(token.subarray(first + 1, second), "payload");
  return { header, payload, signatureSegment: token.subarray(second + 1), input: token.subarray(0, second) };
}

/** The decoded signature of a split token. */
export function signatureOf(parts: TokenParts): Uint8Array {
  return segment(parts.signatureSegment, "signature");
}
