/**
 * `crypto` (builtins.md §7): hashes, HMACs, random strings and JWTs, plus (beyond the
 * reference) `jwt_verify` and `hash_file`. Everything but `hash_file` is pure computation and
 * is in every profile, `crypto.random` included (it reads the system's CSPRNG, no file or
 * clock); `hash_file` reads a file, so it asks the policy for `read`.
 *
 * | function | |
 * |---|---|
 * | `crypto.hash(data, alg?) -> hex` | SHA-2/SHA-3 digest of any bytes (sha256 by default) |
 * | `crypto.hmac(key, data, alg?, raw?) -> string` | RFC 2104 HMAC, hex or (raw = true) the digest bytes |
 * | `crypto.random(len?) -> string` | `len` (default 32, at most 1 MiB) random characters from `[A-Za-z0-9]` |
 * | `crypto.jwt_sign(claims, key, alg?, opts?) -> token` | a JWT; claims encoded as `json.encode` does; RS/PS/ES/EdDSA with a PEM key, HS with a secret |
 * | `crypto.jwt_decode(token) -> {header, claims}` | the two JSON parts, not verified |
 * | `crypto.jwt_verify(token, key, opts?) -> {header, claims}` | verifies signature, `exp`/`nbf` (wall clock, `opts.leeway`), `opts.iss`, `opts.aud`; key as PEM, secret, JWK or JWKS |
 * | `crypto.hash_file(path, alg?) -> hex` | digest of a file, streamed in 1 MiB chunks while the task yields |
 *
 * JWT signatures use node:crypto directly rather than jose: it signs synchronously (so the
 * functions work where Lua cannot yield), reads PKCS#1 PEM keys, and the header is built here
 * anyway, byte for byte as the spec fixes it.
 */
import { createHash, createHmac } from "node:crypto";
import { type FunctionDecl, registerBuiltin } from "../loader/plugin.ts";
import { LUA_TTABLE, LuaError } from "../loader/lua-api.ts";
import { type ArgSpec, readArgs } from "../loader/bridge/args.ts";
import { jsonCodec } from "../loader/bridge/json-native.ts";
import { ConversionError, toJs } from "../loader/bridge/values.ts";
import { CHUNK_SIZE } from "../loader/host-chunks.ts";
import { hashAlgorithm } from "./crypto/digest.ts";
import { MAX_RANDOM_LENGTH, randomAlphanumeric } from "./crypto/random.ts";
import { encodeBase64Url } from "./crypto/base64url.ts";
import { algorithmNamed, describeKey, fits, type JwtKey, keyKindFor, signWith } from "./crypto/jwt-algorithms.ts";
import { KeyError, pemLabel, privateKeyFromPem } from "./crypto/jwt-keys.ts";
import { signatureOf, splitToken, TokenError, type TokenParts } from "./crypto/token.ts";
import { VerifyError, type VerifyOptions, verifyToken } from "./crypto/jwt-verify.ts";
import { fileError } from "../loader/os-error.ts";

const PROFILES: FunctionDecl["profiles"] = ["restricted", "pure"];
const ALG: ArgSpec = { name: "alg", type: "text", optional: true };
const ALG_OR_NIL: ArgSpec = { ...ALG, expect: "an algorithm string or nil" };

const DECLS = {
  hash: {
    signature: "crypto.hash(data, alg?) -> hex",
    description: "Hex digest of a string's bytes: sha224, sha256 (default), sha384, sha512, sha3-224/256/384/512",
    args: [{ name: "data", type: "bytes", strict: true, expect: "a string" }, ALG],
    returns: [{ type: "string", description: "lower-case hex" }],
    errors: ["crypto.hash: unsupported algorithm: <alg> (supported: ...)"],
    profiles: PROFILES,
  },
  hmac: {
    signature: "crypto.hmac(key, data, alg?, raw?) -> string",
    description: "HMAC of data under key (sha256 by default), as hex or, with raw = true, the digest bytes",
    args: [
      { name: "key", type: "bytes", strict: true, expect: "a string (key)" },
      { name: "data", type: "bytes", strict: true, expect: "a string (data)" },
      ALG_OR_NIL,
      { name: "raw", type: "boolean", optional: true, description: "true: the digest bytes instead of hex" },
    ],
    returns: [{ type: "string" }],
    profiles: PROFILES,
  },
  random: {
    signature: "crypto.random(len?) -> string",
    description: "A random string of len (default 32) characters from [A-Za-z0-9], from the system's CSPRNG",
    args: [{ name: "len", type: "int64", optional: true, expect: "a positive integer or nil", description: "default 32, at most 1 MiB" }],
    returns: [{ type: "string" }],
    profiles: PROFILES,
  },
  jwt_sign: {
    signature: "crypto.jwt_sign(claims, key, alg?, opts?) -> token",
    description: "Sign a JWT: RS256 (default)/RS384/RS512, PS*, ES256/ES384, EdDSA with a PEM private key, HS* with a secret; opts.kid",
    args: [
      { name: "claims", type: "raw", expect: "a claims table", luaType: "table" },
      { name: "key", type: "bytes", strict: true, expect: "a PEM key string" },
      ALG_OR_NIL,
      {
        name: "opts",
        type: "options",
        optional: true,
        expect: "an options table or nil",
        luaType: "crypto.SignOptions",
        fields: { kid: { name: "kid", type: "text", optional: true, description: "key id, put in the header" } },
      },
    ],
    returns: [{ type: "string", description: "the compact JWT" }],
    profiles: PROFILES,
  },
  jwt_decode: {
    signature: "crypto.jwt_decode(token) -> {header, claims}",
    description: "Decode a JWT's header and claims without verifying it",
    args: [{ name: "token", type: "bytes" }],
    returns: [{ type: "crypto.Jwt" }],
    profiles: PROFILES,
  },
  jwt_verify: {
    signature: "crypto.jwt_verify(token, key, opts?) -> {header, claims}",
    description: "Verify a JWT's signature, exp and nbf (opts.leeway), opts.iss, opts.aud and opts.algorithms; key: PEM, secret, JWK or JWKS",
    args: [
      { name: "token", type: "bytes" },
      { name: "key", type: ["bytes", "table"], strict: true, expect: "a PEM key, a secret string, a JWK or a JWKS table" },
      {
        name: "opts",
        type: "options",
        optional: true,
        expect: "an options table or nil",
        luaType: "crypto.VerifyOptions",
        fields: {
          leeway: { name: "leeway", type: "number", strict: true, optional: true, description: "seconds of clock skew allowed for exp and nbf" },
          aud: { name: "aud", type: ["text", "list"], items: { name: "aud", type: "text" }, optional: true, expect: "a string, a list of strings or nil" },
          iss: { name: "iss", type: ["text", "list"], items: { name: "iss", type: "text" }, optional: true, expect: "a string, a list of strings or nil" },
          algorithms: { name: "algorithms", type: "list", items: { name: "algorithm", type: "text" }, optional: true, expect: "a list of algorithm names or nil" },
        },
      },
    ],
    returns: [{ type: "crypto.Jwt" }],
    errors: [
      "crypto.jwt_verify: signature verification failed",
      "crypto.jwt_verify: token expired at <time>",
      "crypto.jwt_verify: token not valid before <time>",
      "crypto.jwt_verify: issuer mismatch: expected <iss>, token has <iss>",
      "crypto.jwt_verify: audience mismatch: expected <aud>, token has <aud>",
    ],
    profiles: PROFILES,
  },
  hash_file: {
    signature: "crypto.hash_file(path, alg?) -> hex",
    description: "Hex digest of a file's contents, read in chunks while other tasks run (algorithms as crypto.hash)",
    args: [{ name: "path", type: "text" }, ALG],
    returns: [{ type: "string", description: "lower-case hex" }],
    capabilities: ["read"],
    profiles: ["restricted"],
    async: true,
  },
} satisfies Record<string, FunctionDecl>;

/** Raises `<fn>: <message>` for the module's own error types; anything else goes on. */
function rethrow(fn: string, e: unknown): never {
  if (e instanceof TokenError || e instanceof KeyError || e instanceof VerifyError) throw new LuaError(`${fn}: ${e.message}`);
  throw e;
}

/** The key `alg` signs with: the secret itself for HS*, else a private key of the right kind. */
function signingKey(alg: string, keyBytes: Uint8Array): JwtKey {
  if (alg.startsWith("HS")) {
    // A PEM key as an HMAC secret is the material of the classic key-confusion forgery.
    if (pemLabel(keyBytes) !== undefined) throw new KeyError(`${alg} takes a shared secret, not a PEM key`);
    if (keyBytes.length === 0) throw new KeyError(`${alg} secret must not be empty`);
    return { kind: "secret", secret: keyBytes };
  }
  const key: JwtKey = { kind: "key", key: privateKeyFromPem(keyBytes) };
  if (!fits(alg, key)) throw new KeyError(`invalid PEM key: ${alg} needs ${keyKindFor(alg)}, got ${describeKey(key)}`);
  return key;
}

/** The header as the spec fixes it: `typ`, `alg`, then `kid` when given, in that order. */
function headerJson(alg: string, kid: string | undefined): string {
  return `{"typ":"JWT","alg":"${alg}"${kid === undefined ? "" : `,"kid":${JSON.stringify(kid)}`}}`;
}

registerBuiltin({
  name: "crypto",
  description: "Hashes, HMACs, random strings, and signing, decoding and verifying JWTs",
  keywords: ["hash", "sha256", "sha512", "sha3", "digest", "checksum", "hmac", "signature", "jwt", "token", "random", "secret", "jwks", "verify", "sign"],
  example: 'local claims = crypto.jwt_verify(token, jwks, { aud = "api", leeway = 30 }).claims',
  functions: DECLS,
  classes: {
    "crypto.Jwt": {
      description: "A JWT's two JSON parts",
      fields: { header: { type: "table", description: "alg, typ, kid..." }, claims: { type: "table" } },
    },
  },
  install({ api, host, heap, onClose }) {
    const codec = jsonCodec(api, onClose);

    /** Pushes the Lua value of a JSON segment; returns it as JS when `asJs`. */
    const pushJson = (L: number, fn: string, label: string, bytes: Uint8Array, asJs: boolean): unknown => {
      api.checkstack(L, 2);
      api.pushbytes(L, bytes);
      codec.parse(L, -1, `${fn}: ${label}: invalid JSON`);
      api.remove(L, -2);
      if (!asJs) return undefined;
      try {
        return toJs(api, L, -1);
      } catch (e) {
        if (e instanceof ConversionError) throw new LuaError(`${fn}: ${label}: ${e.message}`);
        throw e;
      }
    };

    /** Pushes `{header = ..., claims = ...}` for a split token; returns both as JS when `asJs`. */
    const pushDecoded = (L: number, fn: string, parts: TokenParts, asJs: boolean) => {
      api.checkstack(L, 2);
      api.newtable(L, 0, 2);
      const header = pushJson(L, fn, "header", parts.header, asJs);
      api.setfield(L, -2, "header");
      const claims = pushJson(L, fn, "payload", parts.payload, asJs);
      api.setfield(L, -2, "claims");
      return { header, claims };
    };

    const split = (fn: string, token: Uint8Array): TokenParts => {
      try {
        return splitToken(token);
      } catch (e) {
        rethrow(fn, e);
      }
    };

    return {
      hash: ([data, alg]: [Uint8Array, string?], call) => createHash(hashAlgorithm(call.fn, alg)).update(data).digest("hex"),

      hmac: ([key, data, alg, raw]: [Uint8Array, Uint8Array, string?, boolean?], call) => {
        const mac = createHmac(hashAlgorithm(call.fn, alg), key).update(data);
        return raw ? new Uint8Array(mac.digest()) : mac.digest("hex");
      },

      random: ([len]: [bigint?]) => {
        const n = len ?? 32n;
        if (n <= 0n) throw new LuaError(`crypto.random: length must be positive, got ${n}`);
        if (n > BigInt(MAX_RANDOM_LENGTH)) throw new LuaError(`crypto.random: length must be at most ${MAX_RANDOM_LENGTH}, got ${n}`);
        return randomAlphanumeric(Number(n));
      },

      jwt_sign: {
        raw: (L) => {
          const fn = "crypto.jwt_sign";
          if (api.type(L, 1) !== LUA_TTABLE) throw new LuaError(`${fn}: first argument must be a claims table`);
          const [claims, keyBytes, algName, opts] = readArgs(api, L, fn, DECLS.jwt_sign.args) as [
            number,
            Uint8Array,
            string | undefined,
            { kid?: string } | undefined,
          ];
          const alg = algName === undefined ? "RS256" : algorithmNamed(algName);
          if (alg === undefined) throw new LuaError(`${fn}: unsupported algorithm: ${algName!.toUpperCase()}`);
          let key: JwtKey;
          try {
            key = signingKey(alg, keyBytes);
          } catch (e) {
            rethrow(fn, e);
          }
          codec.encode(L, claims, `${fn}: encoding failed`);
          const payload = api.tobytes(L, -1)!;
          api.pop(L);
          const input = `${encodeBase64Url(headerJson(alg, opts?.kid))}.${encodeBase64Url(payload)}`;
          let signature: Uint8Array;
          try {
            signature = signWith(alg, key, new TextEncoder().encode(input));
          } catch (e) {
            throw new LuaError(`${fn}: encoding failed: ${e instanceof Error ? e.message : String(e)}`);
          }
          api.pushstring(L, `${input}.${encodeBase64Url(signature)}`);
          return 1;
        },
      },

      jwt_decode: {
        raw: (L) => {
          const fn = "crypto.jwt_decode";
          const [token] = readArgs(api, L, fn, DECLS.jwt_decode.args) as [Uint8Array];
          pushDecoded(L, fn, split(fn, token), false);
          return 1;
        },
      },

      jwt_verify: {
        raw: (L) => {
          const fn = "crypto.jwt_verify";
          const [token, key, opts = {}] = readArgs(api, L, fn, DECLS.jwt_verify.args) as [Uint8Array, Uint8Array | object, VerifyOptions?];
          if (opts.leeway !== undefined && !(opts.leeway >= 0 && Number.isFinite(opts.leeway))) {
            throw new LuaError(`${fn}: opts.leeway must be a non-negative number of seconds`);
          }
          const parts = split(fn, token);
          let signature: Uint8Array;
          try {
            signature = signatureOf(parts);
          } catch (e) {
            rethrow(fn, e);
          }
          const { header, claims } = pushDecoded(L, fn, parts, true);
          try {
            verifyToken({ header, claims, input: parts.input, signature }, key, opts, Date.now() / 1000);
          } catch (e) {
            rethrow(fn, e);
          }
          return 1;
        },
      },

      hash_file: async ([path, alg]: [string, string?], call) => {
        const hash = createHash(hashAlgorithm(call.fn, alg));
        // The chunk buffer counts against the heap limit like any buffer held for the script.
        if (!heap.charge(CHUNK_SIZE)) throw new LuaError(`${call.fn}: not enough memory`);
        try {
          for await (const chunk of host.readChunks(call.fn, path, call.signal, CHUNK_SIZE)) hash.update(chunk);
        } catch (e) {
          if (call.signal.aborted) throw e;
          throw fileError(call.fn, "failed to read", path, e);
        } finally {
          heap.release(CHUNK_SIZE);
        }
        return hash.digest("hex");
      },
    };
  },
});
