/**
 * `crypto` against independent peers: JWTs assay signs are checked by `openssl`, tokens
 * `openssl` signs are verified by `crypto.jwt_verify` (keys as PEM, certificate, JWK and
 * JWKS), HMACs and hashes of every byte value against `openssl dgst`, HS256 tokens against
 * node:crypto, `crypto.hash_file` against `sha256sum`/`sha512sum`, in the sandbox profiles,
 * on a 200 MB file under a 16 MiB heap, and cut short by `--timeout`. Keys are generated with
 * `openssl` for each run. Behaviour inside Lua (vectors, error texts) is in tests/lua/crypto_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHmac, createPublicKey, randomBytes } from "node:crypto";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
const skip = hasOpenssl ? false : "openssl is not installed";
const dir = tempDir("assay-crypto-");

function sh(cmd: string, args: string[], input?: Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: dir, input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr?.toString() ?? "" };
}

function openssl(...args: string[]): Buffer {
  const r = sh("openssl", args);
  assert.equal(r.status, 0, `openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const path = (name: string) => join(dir, name);
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
const unb64url = (text: string) => Buffer.from(text, "base64url");

/** Generates a private key (and its public key and a self-signed certificate) named `name`. */
function keyPair(name: string, genArgs: string[]): void {
  openssl(genArgs[0], "-out", path(`${name}.pem`), ...genArgs.slice(1)); // genrsa wants its size last
  openssl("pkey", "-in", path(`${name}.pem`), "-pubout", "-out", path(`${name}.pub.pem`));
  openssl("req", "-x509", "-new", "-key", path(`${name}.pem`), "-subj", "/CN=assay-test", "-days", "1", "-out", path(`${name}.crt`));
}

if (hasOpenssl) {
  keyPair("rsa1", ["genrsa", "-traditional", "2048"]); // PKCS#1: BEGIN RSA PRIVATE KEY
  keyPair("rsa8", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]); // PKCS#8
  keyPair("ec256", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
  keyPair("ec256sec1", ["ecparam", "-genkey", "-noout", "-name", "prime256v1"]); // BEGIN EC PRIVATE KEY
  keyPair("ec384", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
  keyPair("ed", ["genpkey", "-algorithm", "ed25519"]);
}

/** Runs a Lua script (with a `read(path)` helper) in the key directory; returns stdout. */
function lua(source: string, args: string[] = [], flags: string[] = []) {
  const script = path("t.lua");
  writeFileSync(script, `local function read(p) local f = assert(io.open(p, "rb")) local s = f:read("a") f:close() return s end\n${source}`);
  return runAssay([...flags, script, ...args], { cwd: dir, timeoutMs: 60_000 });
}

function luaOk(source: string, args: string[] = [], flags: string[] = []): string {
  const r = lua(source, args, flags);
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
}

const DIGEST: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };
const digestOf = (alg: string) => DIGEST[alg.slice(2)];
const SIZE: Record<string, number> = { ES256: 32, ES384: 48 };

/** An ECDSA signature from JWS form (r||s) to the DER form openssl reads. */
function rsToDer(sig: Uint8Array): Buffer {
  const half = sig.length / 2;
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const body = bytes[i] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes.subarray(i)]) : Buffer.from(bytes.subarray(i));
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const content = Buffer.concat([integer(sig.subarray(0, half)), integer(sig.subarray(half))]);
  const length = content.length < 0x80 ? Buffer.from([content.length]) : Buffer.from([0x81, content.length]);
  return Buffer.concat([Buffer.from([0x30]), length, content]);
}

/** An ECDSA signature from DER (as openssl writes it) to JWS form: r and s, each `size` bytes. */
function derToRs(der: Uint8Array, size: number): Buffer {
  let at = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  const parts: Buffer[] = [];
  for (let k = 0; k < 2; k++) {
    assert.equal(der[at], 0x02);
    const len = der[at + 1];
    let value = Buffer.from(der.subarray(at + 2, at + 2 + len));
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    parts.push(Buffer.concat([Buffer.alloc(size - value.length), value]));
    at += 2 + len;
  }
  return Buffer.concat(parts);
}

/** Whether openssl accepts `sig` (JWS form) as `alg`'s signature of `input` under the public key file. */
function opensslVerifies(alg: string, pub: string, input: Uint8Array, sig: Uint8Array): boolean {
  writeFileSync(path("input.bin"), input);
  writeFileSync(path("sig.bin"), alg.startsWith("ES") ? rsToDer(sig) : sig);
  const args = alg === "EdDSA"
    ? ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", path("input.bin"), "-sigfile", path("sig.bin")]
    : ["dgst", `-${digestOf(alg)}`, "-verify", pub, "-signature", path("sig.bin"), path("input.bin")];
  if (alg.startsWith("PS")) args.splice(2, 0, "-sigopt", "rsa_padding_mode:pss", "-sigopt", `rsa_pss_saltlen:${Number(alg.slice(2)) / 8}`);
  return sh("openssl", args).status === 0;
}

/** `alg`'s signature of `input` made by openssl with the private key file, in JWS form. */
function opensslSigns(alg: string, key: string, input: Uint8Array): Buffer {
  writeFileSync(path("input.bin"), input);
  if (alg === "EdDSA") return openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", path("input.bin"));
  const args = ["dgst", `-${digestOf(alg)}`, "-sign", key, path("input.bin")];
  if (alg.startsWith("PS")) args.splice(2, 0, "-sigopt", "rsa_padding_mode:pss", "-sigopt", `rsa_pss_saltlen:${Number(alg.slice(2)) / 8}`);
  const sig = openssl(...args);
  return alg.startsWith("ES") ? derToRs(sig, SIZE[alg]) : sig;
}

/** A token signed by openssl: header and claims as given, in that byte order. */
function opensslToken(alg: string, key: string, header: object, claims: object): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(opensslSigns(alg, key, Buffer.from(input)))}`;
}

const jwkOf = (pubPem: string) => createPublicKey(readFileSync(path(pubPem))).export({ format: "jwk" });

// ---- signing, checked by openssl --------------------------------------------------------------

test("jwt_sign: RS (PKCS#1 and PKCS#8 keys), PS, ES and EdDSA signatures verify with openssl", { skip }, () => {
  const cases: [string | null, string][] = [
    [null, "rsa1"], ["RS256", "rsa8"], ["RS384", "rsa1"], ["rs512", "rsa8"], ["PS256", "rsa1"], ["PS384", "rsa8"], ["PS512", "rsa8"],
    ["ES256", "ec256"], ["es256", "ec256sec1"], ["ES384", "ec384"], ["EdDSA", "ed"], ["eddsa", "ed"],
  ];
  const out = luaOk(
    `for i = 1, #arg, 2 do
  local alg = arg[i] ~= "-" and arg[i] or nil
  print(crypto.jwt_sign({ sub = "assay", n = i, f = 1.0 }, read(arg[i + 1] .. ".pem"), alg, { kid = "k" .. i }))
end`,
    cases.flatMap(([alg, key]) => [alg ?? "-", key]),
  );
  const tokens = out.trim().split("\n");
  assert.equal(tokens.length, cases.length);
  cases.forEach(([given, key], i) => {
    const alg = given === null ? "RS256" : given.toUpperCase() === "EDDSA" ? "EdDSA" : given.toUpperCase();
    const [h, p, s] = tokens[i].split(".");
    assert.equal(unb64url(h).toString(), `{"typ":"JWT","alg":"${alg}","kid":"k${2 * i + 1}"}`);
    assert.equal(unb64url(p).toString(), `{"f":1.0,"n":${2 * i + 1},"sub":"assay"}`);
    const input = Buffer.from(`${h}.${p}`);
    const sig = unb64url(s);
    assert.ok(opensslVerifies(alg, path(`${key}.pub.pem`), input, sig), `openssl verifies ${alg} with ${key}`);
    // The check can fail: the same signature over other bytes is refused.
    assert.ok(!opensslVerifies(alg, path(`${key}.pub.pem`), Buffer.from(`${h}.${b64url("{}")}`), sig), `openssl refuses a tampered ${alg}`);
  });
});

test("jwt_sign: header without kid; a key that does not fit the algorithm is refused", { skip }, () => {
  const out = luaOk(`print(crypto.jwt_sign({}, read("rsa8.pem")))
local function err(...) local ok, e = pcall(crypto.jwt_sign, {}, ...) assert(not ok) print(e) end
err(read("ec256.pem"), "RS256")
err(read("ed.pem"), "ES256")
err(read("ec384.pem"), "ES256")
err(read("rsa1.pem"), "EdDSA")
err(read("rsa1.pub.pem"), "RS256")
err(read("rsa1.crt"), "RS256")
err(read("rsa1.pub.pem"), "HS256")`);
  const [token, ...errors] = out.trim().split("\n");
  assert.equal(unb64url(token.split(".")[0]).toString(), '{"typ":"JWT","alg":"RS256"}');
  assert.deepEqual(errors, [
    "crypto.jwt_sign: invalid PEM key: RS256 needs an RSA key, got an EC P-256 key",
    "crypto.jwt_sign: invalid PEM key: ES256 needs an EC P-256 key, got an Ed25519 key",
    "crypto.jwt_sign: invalid PEM key: ES256 needs an EC P-256 key, got an EC P-384 key",
    "crypto.jwt_sign: invalid PEM key: EdDSA needs an Ed25519 key, got an RSA key",
    "crypto.jwt_sign: invalid PEM key: a public key cannot sign; pass the private key",
    "crypto.jwt_sign: invalid PEM key: a certificate cannot sign; pass the private key",
    "crypto.jwt_sign: HS256 takes a shared secret, not a PEM key",
  ]);
});

test("jwt_sign: HS256/384/512 tokens equal the HMAC node:crypto computes over the same input", { skip }, () => {
  const secret = Buffer.concat([Buffer.from("a secret "), Buffer.from([0, 0xff, 0x80])]); // not UTF-8
  const out = luaOk(`for _, alg in ipairs({ "HS256", "HS384", "HS512" }) do
  print(crypto.jwt_sign({ b = "x", a = 1, nested = { z = true, y = json.null } }, "a secret \\0\\255\\128", alg, { kid = "hs" }))
end`);
  const tokens = out.trim().split("\n");
  ["HS256", "HS384", "HS512"].forEach((alg, i) => {
    const input = `${b64url(`{"typ":"JWT","alg":"${alg}","kid":"hs"}`)}.${b64url('{"a":1,"b":"x","nested":{"y":null,"z":true}}')}`;
    const sig = createHmac(`sha${alg.slice(2)}`, secret).update(input).digest();
    assert.equal(tokens[i], `${input}.${b64url(sig)}`);
  });
});

// ---- verification of tokens openssl signed ----------------------------------------------------

test("jwt_verify: tokens openssl signed verify with the public key, certificate, private key, JWK and JWKS", { skip }, () => {
  const exp = Math.floor(Date.now() / 1000) + 600;
  const cases = [["RS256", "rsa1"], ["RS512", "rsa8"], ["PS256", "rsa8"], ["PS384", "rsa1"], ["ES256", "ec256"], ["ES384", "ec384"], [
    "EdDSA",
    "ed",
  ]].map(([alg, key]) => {
    const kid = `kid-${alg}`;
    const token = opensslToken(alg, path(`${key}.pem`), { alg, typ: "JWT", kid }, { sub: "openssl", exp, alg });
    return { alg, key, kid, token, jwk: { ...jwkOf(`${key}.pub.pem`), kid } };
  });
  const jwks = { keys: cases.map((c) => c.jwk) };
  writeFileSync(path("cases.json"), JSON.stringify({ cases, jwks }));
  const out = luaOk(`local all = json.parse(read("cases.json"))
for _, c in ipairs(all.cases) do
  for _, key in ipairs({ read(c.key .. ".pub.pem"), read(c.key .. ".crt"), read(c.key .. ".pem"), c.jwk, all.jwks }) do
    local v = crypto.jwt_verify(c.token, key)
    assert(v.claims.sub == "openssl" and v.claims.alg == c.alg and v.header.kid == c.kid and math.type(v.claims.exp) == "integer")
  end
  print("verified " .. c.alg)
end`);
  assert.deepEqual(out.trim().split("\n"), cases.map((c) => `verified ${c.alg}`));
});

test("jwt_verify: wrong key, tampering, DER ECDSA signatures, expiry and key/algorithm mismatches are refused", { skip }, () => {
  const now = Math.floor(Date.now() / 1000);
  const rs = opensslToken("RS256", path("rsa1.pem"), { alg: "RS256" }, { sub: "x" });
  const [rh, , rsig] = rs.split(".");
  const tampered = `${rh}.${b64url('{"sub":"admin"}')}.${rsig}`;
  const es = opensslToken("ES256", path("ec256.pem"), { alg: "ES256" }, { sub: "x" });
  const esInput = es.split(".").slice(0, 2).join(".");
  writeFileSync(path("input.bin"), esInput);
  const esDer = `${esInput}.${b64url(openssl("dgst", "-sha256", "-sign", path("ec256.pem"), path("input.bin")))}`; // DER, not r||s
  const expired = opensslToken("RS256", path("rsa1.pem"), { alg: "RS256" }, { exp: now - 120 });
  const expiredAt = new Date((now - 120) * 1000).toISOString().replace(".000Z", "Z");
  // The classic forgery: HS256 with the RSA public key's PEM text as the HMAC secret.
  const pubPem = readFileSync(path("rsa1.pub.pem"));
  const forgedInput = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"admin"}')}`;
  const forged = `${forgedInput}.${b64url(createHmac("sha256", pubPem).update(forgedInput).digest())}`;
  const twoRsa = { keys: [jwkOf("rsa1.pub.pem"), jwkOf("rsa8.pub.pem")] };
  const rsaAndEc = { keys: [jwkOf("ec256.pub.pem"), jwkOf("rsa1.pub.pem")] };
  writeFileSync(path("bad.json"), JSON.stringify({ rs, tampered, es, esDer, expired, forged, twoRsa, rsaAndEc, rsaJwk: jwkOf("rsa1.pub.pem") }));
  const out = luaOk(`local t = json.parse(read("bad.json"))
local function err(...) local ok, e = pcall(crypto.jwt_verify, ...) assert(not ok, "expected a failure") print(e) end
err(t.rs, read("rsa8.pub.pem"))
err(t.tampered, read("rsa1.pub.pem"))
err(t.esDer, read("ec256.pub.pem"))
err(t.expired, read("rsa1.pub.pem"))
err(t.forged, read("rsa1.pub.pem"))
err(t.forged, read("rsa1.pub.pem"), { algorithms = { "HS256" } })
err(t.forged, t.rsaJwk)
err(t.es, read("ec384.pub.pem"))
err(t.rs, read("ed.pub.pem"))
err(t.rs, read("rsa1.pub.pem"), { algorithms = { "ES256", "PS256" } })
err(t.rs, t.twoRsa)
assert(crypto.jwt_verify(t.rs, t.rsaAndEc).claims.sub == "x", "without kid, the one key that fits RS256")
assert(crypto.jwt_verify(t.es, t.rsaAndEc).claims.sub == "x", "without kid, the one key that fits ES256")
assert(crypto.jwt_verify(t.rs, read("rsa1.pub.pem"), { algorithms = { "RS256" } }))`);
  assert.deepEqual(out.trim().split("\n"), [
    "crypto.jwt_verify: signature verification failed",
    "crypto.jwt_verify: signature verification failed",
    "crypto.jwt_verify: signature verification failed",
    `crypto.jwt_verify: token expired at ${expiredAt}`,
    "crypto.jwt_verify: algorithm HS256 cannot be used with an RSA key (it allows RS256, RS384, RS512, PS256, PS384, PS512)",
    "crypto.jwt_verify: algorithm HS256 cannot be used with an RSA key (it allows RS256, RS384, RS512, PS256, PS384, PS512)",
    "crypto.jwt_verify: algorithm HS256 cannot be used with an RSA key (it allows RS256, RS384, RS512, PS256, PS384, PS512)",
    "crypto.jwt_verify: algorithm ES256 cannot be used with an EC P-384 key (it allows ES384)",
    "crypto.jwt_verify: algorithm RS256 cannot be used with an Ed25519 key (it allows EdDSA)",
    "crypto.jwt_verify: algorithm RS256 is not in opts.algorithms (ES256, PS256)",
    "crypto.jwt_verify: the token has no kid and 2 keys in the JWKS fit algorithm RS256; cannot choose one",
  ]);
});

// ---- hmac and hash against openssl, every byte value ------------------------------------------

test("crypto.hmac (raw) and crypto.hash of all 256 byte values match openssl", { skip }, () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  writeFileSync(path("all.bin"), all);
  const algs = ["sha224", "sha256", "sha384", "sha512", "sha3-224", "sha3-256", "sha3-384", "sha3-512"];
  const r = lua(`local all = read("all.bin")
for _, alg in ipairs({ ${algs.map((a) => JSON.stringify(a)).join(", ")} }) do
  io.write(crypto.hmac(all, all, alg, true), crypto.hash(all, alg), "\\n")
end`);
  assert.equal(r.code, 0, r.stderr);
  let at = 0;
  for (const alg of algs) {
    const mac = openssl("dgst", `-${alg}`, "-mac", "HMAC", "-macopt", `hexkey:${all.toString("hex")}`, "-binary", path("all.bin"));
    const digest = Buffer.from(openssl("dgst", `-${alg}`, "-r", path("all.bin")).toString().split(" ")[0]); // hex
    const got = r.stdoutBytes.subarray(at, at + mac.length + digest.length + 1);
    assert.deepEqual(got, Buffer.concat([mac, digest, Buffer.from("\n")]), alg);
    at += got.length;
  }
  assert.equal(at, r.stdoutBytes.length);
});

// ---- hash_file ---------------------------------------------------------------------------------

test("crypto.hash_file matches sha256sum, sha512sum and openssl for every algorithm", { skip }, () => {
  writeFileSync(path("data.bin"), randomBytes(3 * 1024 * 1024 + 17));
  const algs = ["sha224", "sha256", "sha384", "sha512", "sha3-224", "sha3-256", "sha3-384", "sha3-512"];
  const out = luaOk(`for _, alg in ipairs({ ${algs.map((a) => JSON.stringify(a)).join(", ")} }) do print(crypto.hash_file("data.bin", alg)) end
print(crypto.hash_file("data.bin"))`);
  const got = out.trim().split("\n");
  const sum = (tool: string) => sh(tool, [path("data.bin")]).stdout.toString().split(" ")[0];
  assert.equal(got[1], sum("sha256sum"));
  assert.equal(got[3], sum("sha512sum"));
  assert.equal(got[8], got[1], "sha256 by default");
  algs.forEach((alg, i) => assert.equal(got[i], openssl("dgst", `-${alg}`, "-r", path("data.bin")).toString().split(" ")[0], alg));
});

test("sandbox: hash_file is denied in restricted until --allow-read and absent in pure; the rest is everywhere", () => {
  writeFileSync(path("abc.txt"), "abc");
  const ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const probe = `local ok, v = pcall(crypto.hash_file, "abc.txt") print(ok, v)
print(crypto.hash("abc"), #crypto.random(), crypto.hmac("k", "d") ~= nil, crypto.jwt_decode(crypto.jwt_sign({}, "k", "HS256")).header.alg,
  crypto.jwt_verify(crypto.jwt_sign({}, "k", "HS256"), "k").header.typ)`;
  const rest = `${ABC}\t32\ttrue\tHS256\tJWT`;
  assert.equal(
    luaOk(probe, [], ["--sandbox", "restricted"]),
    `false\tcrypto.hash_file: read access to "abc.txt" denied by sandbox profile "restricted" (grant with --allow-read=abc.txt)\n${rest}\n`,
  );
  assert.equal(luaOk(probe, [], ["--sandbox", "restricted", "--allow-read=abc.txt"]), `true\t${ABC}\n${rest}\n`);
  assert.equal(luaOk(probe, [], ["--deny-read=abc.txt"]), `false\tcrypto.hash_file: read access to "abc.txt" denied by --deny-read=abc.txt\n${rest}\n`);
  const pure = `print(crypto.hash_file) print(crypto.hash("abc"), #crypto.random(), crypto.hmac("k", "d") ~= nil, crypto.jwt_decode(crypto.jwt_sign({}, "k", "HS256")).header.alg,
  crypto.jwt_verify(crypto.jwt_sign({}, "k", "HS256"), "k").header.typ)`;
  assert.equal(luaOk(pure, [], ["--sandbox", "pure"]), `nil\n${rest}\n`);
  assert.equal(luaOk(`print(crypto.hash_file("abc.txt"))`, [], ["--sandbox", "pure", "--allow-read=abc.txt"]), `${ABC}\n`);
});

test("crypto.hash_file streams: a 200 MB file hashes under --memory-limit=16M without being held", () => {
  truncateSync(writeFileAndPath("big.bin"), 200 * 1024 * 1024);
  const out = luaOk(
    `local hex = crypto.hash_file(arg[1])
local f = io.open("/proc/self/status") local status = f and f:read("a") or "" if f then f:close() end
print(hex, status:match("VmHWM:%s*(%d+) kB") or "unknown")`,
    ["big.bin"],
    ["--memory-limit=16M"],
  );
  const [hex, peakKb] = out.trim().split("\t");
  assert.equal(hex, sh("sha256sum", [path("big.bin")]).stdout.toString().split(" ")[0]);
  // Holding the file would need 200 MB on its own; streaming stays near the runtime's baseline.
  if (peakKb !== "unknown") assert.ok(Number(peakKb) < 150 * 1024, `peak RSS ${peakKb} kB`);
});

test("a run that times out while a huge file is hashed ends at its deadline", () => {
  truncateSync(writeFileAndPath("huge.bin"), 64 * 1024 ** 3); // sparse: minutes of hashing
  const started = Date.now();
  const r = lua(`crypto.hash_file("huge.bin") print("finished")`, [], ["--timeout=1"]);
  assert.equal(r.code, 124, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /assay: timeout: run exceeded 1 s/);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

function writeFileAndPath(name: string): string {
  writeFileSync(path(name), "");
  return path(name);
}
