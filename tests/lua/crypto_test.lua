-- crypto: hashes and HMACs against published vectors, random strings, JWT signing, decoding
-- and verification with shared secrets, hash_file on scratch files. Interop with openssl
-- (RSA, EC, Ed25519 keys) and the sandbox are in tests/crypto.test.ts.
local t = require("lib.testlib")

local function fromhex(h) return (h:gsub("..", function(b) return string.char(tonumber(b, 16)) end)) end
local function tohex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end
local function b64url(s) return (base64.encode(s):gsub("+", "-"):gsub("/", "_"):gsub("=", "")) end

-- ---- hash: FIPS 180-4 / FIPS 202 examples (values as openssl dgst prints them) -------------
local M448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
local NIST = {
  sha224 = { "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
    "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525" },
  sha256 = { "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  sha384 = { "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b" },
  sha512 = { "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445" },
  ["sha3-224"] = { "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7",
    "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
    "8a24108b154ada21c9fd5574494479ba5c7e7ab76ef264ead0fcce33" },
  ["sha3-256"] = { "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
    "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376" },
  ["sha3-384"] = { "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2ac3713831264adb47fb6bd1e058d5f004",
    "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
    "991c665755eb3a4b6bbdfb75c78a492e8c56a22c5c4d7e429bfdbc32b9d4ad5aa04a1f076e62fea19eef51acd0657c22" },
  ["sha3-512"] = { "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
    "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    "04a371e84ecfb5b8b77cb48610fca8182dd457ce6f326a0fd3d7ec2f1e91636dee691fbe0c985302ba1b0d8dc78c086346b533b49c030d99a27daf1139d6e75e" },
}
for alg, want in pairs(NIST) do
  for i, msg in ipairs({ "", "abc", M448 }) do
    assert(crypto.hash(msg, alg) == want[i], alg .. " of message " .. i)
  end
  assert(crypto.hash("abc", alg:upper()) == want[2], "algorithm names are case-insensitive: " .. alg)
end
-- the spec's vector, sha256 by default
assert(crypto.hash("hello") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
assert(crypto.hash("hello", nil) == crypto.hash("hello", "sha256"))
-- binary safe: the raw bytes are hashed (sha256 of the single byte 0x00, and of 0xff)
assert(crypto.hash("\0") == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
assert(crypto.hash("\255") == "a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89")

local SUPPORTED = "(supported: sha224, sha256, sha384, sha512, sha3-224, sha3-256, sha3-384, sha3-512)"
t.raises("crypto.hash: unsupported algorithm: md5 " .. SUPPORTED, crypto.hash, "x", "md5")
t.raises("crypto.hash: unsupported algorithm: sha1 " .. SUPPORTED, crypto.hash, "x", "sha1")
t.raises("crypto.hash: unsupported algorithm: SHA-256 " .. SUPPORTED, crypto.hash, "x", "SHA-256")
t.raises("crypto.hash: first argument must be a string", crypto.hash, 5)
t.raises("crypto.hash: first argument must be a string", crypto.hash, nil)
t.raises("crypto.hash: first argument must be a string", crypto.hash, {})

-- ---- hmac: RFC 4231 test cases 1-4, 6 and 7 ---------------------------------------------
local KEY131 = ("\170"):rep(131)
local RFC4231 = {
  { ("\11"):rep(20), "Hi There",
    "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
  { "Jefe", "what do ya want for nothing?",
    "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
  { ("\170"):rep(20), ("\221"):rep(50),
    "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
  { fromhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), ("\205"):rep(50),
    "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a",
    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
  { KEY131, "Test Using Larger Than Block-Size Key - Hash Key First",
    "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
  { KEY131, "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    "3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1",
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
}
for n, case in ipairs(RFC4231) do
  for i, alg in ipairs({ "sha224", "sha256", "sha384", "sha512" }) do
    local want = case[2 + i]
    assert(crypto.hmac(case[1], case[2], alg) == want, ("RFC 4231 case %d %s"):format(n, alg))
    local raw = crypto.hmac(case[1], case[2], alg, true)
    assert(#raw == #want / 2 and tohex(raw) == want, ("RFC 4231 case %d %s raw"):format(n, alg))
  end
end
-- the spec's vectors; sha256 by default; hex when raw is false or nil
assert(crypto.hmac("Jefe", "what do ya want for nothing?", "sha256") == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
assert(crypto.hmac("key", "") == "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0")
assert(crypto.hmac("key", "", nil, false) == crypto.hmac("key", ""))
assert(crypto.hmac("key", "", "SHA256", nil) == crypto.hmac("key", ""))
-- chained raw HMACs as AWS SigV4 derives its signing key (AWS's published example key)
local k = crypto.hmac("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "sha256", true)
k = crypto.hmac(k, "us-east-1", "sha256", true)
k = crypto.hmac(k, "iam", "sha256", true)
k = crypto.hmac(k, "aws4_request", "sha256", true)
assert(tohex(k) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", "SigV4 signing key")

t.raises("crypto.hmac: unsupported algorithm: md5 " .. SUPPORTED, crypto.hmac, "k", "d", "md5")
t.raises("crypto.hmac: first argument must be a string (key)", crypto.hmac, nil, "d")
t.raises("crypto.hmac: first argument must be a string (key)", crypto.hmac, 1, "d")
t.raises("crypto.hmac: second argument must be a string (data)", crypto.hmac, "k", nil)
t.raises("crypto.hmac: second argument must be a string (data)", crypto.hmac, "k", {})
t.raises("crypto.hmac: third argument must be an algorithm string or nil", crypto.hmac, "k", "d", {})
t.raises("crypto.hmac: fourth argument must be a boolean or nil", crypto.hmac, "k", "d", "sha256", 1)
t.raises("crypto.hmac: fourth argument must be a boolean or nil", crypto.hmac, "k", "d", nil, "yes")

-- ---- random -------------------------------------------------------------------------------
local r = crypto.random()
assert(#r == 32 and not r:find("[^A-Za-z0-9]"), r)
assert(crypto.random() ~= r, "two draws differ")
assert(#crypto.random(1) == 1 and #crypto.random(1000) == 1000)
-- every character of the alphabet turns up, nothing else does, and none dominates
local counts, big = {}, crypto.random(62 * 2000)
assert(not big:find("[^A-Za-z0-9]"))
for c in big:gmatch(".") do counts[c] = (counts[c] or 0) + 1 end
local distinct, low, high = 0, math.huge, 0
for _, n in pairs(counts) do
  distinct = distinct + 1
  low, high = math.min(low, n), math.max(high, n)
end
assert(distinct == 62, "62 distinct characters, got " .. distinct)
-- each count is Binomial(124000, 1/62): mean 2000, sd ~44; a modulo bias would put 8 at ~2500
assert(low > 1750 and high < 2250, ("counts between %d and %d"):format(low, high))
assert(#crypto.random(1024 * 1024) == 1024 * 1024)
t.raises("crypto.random: length must be positive, got 0", crypto.random, 0)
t.raises("crypto.random: length must be positive, got -5", crypto.random, -5)
t.raises("crypto.random: length must be at most 1048576, got 1048577", crypto.random, 1024 * 1024 + 1)
t.raises("crypto.random: length must be at most 1048576, got 9223372036854775807", crypto.random, math.maxinteger)
t.raises("crypto.random: first argument must be a positive integer or nil", crypto.random, 16.0)
t.raises("crypto.random: first argument must be a positive integer or nil", crypto.random, 1.5)
t.raises("crypto.random: first argument must be a positive integer or nil", crypto.random, "16")
t.raises("crypto.random: first argument must be a positive integer or nil", crypto.random, {})

-- ---- jwt_sign with a shared secret ---------------------------------------------------------
local claims = { sub = "alice", n = 5.0, i = 3, list = {}, obj = json.object(), z = { b = 1, a = 2 } }
local token = crypto.jwt_sign(claims, "s3cret", "HS256")
local h, p, s = token:match("^([%w_-]+)%.([%w_-]+)%.([%w_-]+)$")
assert(h and p and s, token)
-- header exactly as the spec fixes it, claims exactly as json.encode writes them
assert(h == b64url('{"typ":"JWT","alg":"HS256"}'), h)
assert(p == b64url(json.encode(claims)), p)
assert(p == b64url('{"i":3,"list":[],"n":5.0,"obj":{},"sub":"alice","z":{"a":2,"b":1}}'))
-- the signature is HMAC-SHA256 of header.payload under the secret
assert(s == b64url(crypto.hmac("s3cret", h .. "." .. p, "sha256", true)))
-- kid comes last; names are case-insensitive and written canonically
local kt = crypto.jwt_sign({}, "s3cret", "hs512", { kid = "key \"1\"" })
assert(kt:match("^[^.]+") == b64url('{"typ":"JWT","alg":"HS512","kid":"key \\"1\\""}'), kt)
assert(kt:match("^[^.]+%.([^.]+)") == b64url("[]"), "empty claims encode as []")
assert(#kt:match("([^.]+)$") == 86, "HS512 signature: 64 bytes")

t.raises("crypto.jwt_sign: first argument must be a claims table", crypto.jwt_sign, "x", "k")
t.raises("crypto.jwt_sign: first argument must be a claims table", crypto.jwt_sign, nil, nil)
t.raises("crypto.jwt_sign: second argument must be a PEM key string", crypto.jwt_sign, {}, nil)
t.raises("crypto.jwt_sign: second argument must be a PEM key string", crypto.jwt_sign, {}, 42, "HS256")
t.raises("crypto.jwt_sign: third argument must be an algorithm string or nil", crypto.jwt_sign, {}, "k", {})
t.raises("crypto.jwt_sign: fourth argument must be an options table or nil", crypto.jwt_sign, {}, "k", "HS256", "kid")
t.raises("crypto.jwt_sign: opts.kid must be a string or nil", crypto.jwt_sign, {}, "k", "HS256", { kid = {} })
t.raises("crypto.jwt_sign: unsupported algorithm: NONE", crypto.jwt_sign, {}, "k", "none")
t.raises("crypto.jwt_sign: unsupported algorithm: ES512", crypto.jwt_sign, {}, "k", "es512")
t.raises("crypto.jwt_sign: unsupported algorithm: HS1", crypto.jwt_sign, {}, "k", "HS1")
t.raises("crypto.jwt_sign: encoding failed: unsupported Lua type for JSON: function (at .f)", crypto.jwt_sign, { f = print }, "k", "HS256")
t.raises("crypto.jwt_sign: encoding failed: cannot encode NaN as JSON number (at .x)", crypto.jwt_sign, { x = 0 / 0 }, "k", "HS256")
t.raises("crypto.jwt_sign: HS256 secret must not be empty", crypto.jwt_sign, {}, "", "HS256")
t.raises("crypto.jwt_sign: HS256 takes a shared secret, not a PEM key", crypto.jwt_sign, {},
  "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n", "HS256")
t.raises("crypto.jwt_sign: invalid PEM key: no PEM block found (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
  crypto.jwt_sign, {}, "not a key")
t.raises("crypto.jwt_sign: invalid PEM key: a public key cannot sign; pass the private key", crypto.jwt_sign, {},
  "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n", "RS256")
t.raises("crypto.jwt_sign: invalid PEM key: encrypted private keys are not supported", crypto.jwt_sign, {},
  "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMFkw\n-----END ENCRYPTED PRIVATE KEY-----\n")
local ok, err = pcall(crypto.jwt_sign, {}, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
assert(not ok and err:find("crypto.jwt_sign: invalid PEM key: ", 1, true), err)

-- ---- jwt_decode ---------------------------------------------------------------------------
local d = crypto.jwt_decode(token)
assert(d.header.typ == "JWT" and d.header.alg == "HS256" and d.header.kid == nil)
assert(d.claims.sub == "alice" and math.type(d.claims.i) == "integer" and math.type(d.claims.n) == "float")
assert(d.claims.n == 5.0 and d.claims.z.a == 2 and next(d.claims.list) == nil)
-- not verified: a made-up signature decodes all the same, and so does an empty one
local forged = crypto.jwt_decode(h .. "." .. p .. ".AAAA")
assert(forged.claims.sub == "alice")
assert(crypto.jwt_decode(h .. "." .. p .. ".").header.alg == "HS256")
-- big integers stay exact, JSON null is nil, as json.parse does
local big = crypto.jwt_decode(b64url('{"alg":"x"}') .. "." .. b64url('{"n":9007199254740993,"z":null,"f":1.0}') .. ".")
assert(big.claims.n == 9007199254740993 and math.type(big.claims.f) == "float" and big.claims.z == nil)

local THREE = "crypto.jwt_decode: token must have three '.'-separated segments (header.payload.signature)"
t.raises(THREE, crypto.jwt_decode, "")
t.raises(THREE, crypto.jwt_decode, "abc")
t.raises(THREE, crypto.jwt_decode, h .. "." .. p)
t.raises(THREE, crypto.jwt_decode, token .. ".x")
t.raises(THREE, crypto.jwt_decode, h .. ".." .. p .. ".x")
t.raises("crypto.jwt_decode: first argument must be a string", crypto.jwt_decode, nil)
local function decodeFails(prefix, tok)
  local ok2, e = pcall(crypto.jwt_decode, tok)
  assert(not ok2 and e:find(prefix, 1, true) and e:find(prefix, 1, true) == e:find("crypto.jwt_decode", 1, true), e)
end
decodeFails("crypto.jwt_decode: header: invalid base64url: ", "e30=." .. p .. ".x")          -- padding
decodeFails("crypto.jwt_decode: header: invalid base64url: ", "e3+0." .. p .. ".x")          -- standard alphabet
decodeFails("crypto.jwt_decode: header: invalid base64url: ", "e30 ." .. p .. ".x")          -- whitespace
decodeFails("crypto.jwt_decode: header: invalid base64url: ", "e30aa." .. p .. ".x")         -- impossible length
decodeFails("crypto.jwt_decode: payload: invalid base64url: ", h .. ".e31.x")                 -- non-zero spare bits
decodeFails("crypto.jwt_decode: payload: invalid base64url: ", h .. ".e!0.x")
decodeFails("crypto.jwt_decode: header: invalid JSON: ", b64url("{") .. "." .. p .. ".x")
decodeFails("crypto.jwt_decode: payload: invalid JSON: ", h .. "." .. b64url('{"a":1,}') .. ".x")
decodeFails("crypto.jwt_decode: payload: invalid JSON: ", h .. "." .. b64url("not json") .. ".x")

-- ---- jwt_verify with shared secrets ---------------------------------------------------------
local now = os.time()
local function iso(ts) return os.date("!%Y-%m-%dT%H:%M:%SZ", ts) end
local function hs(c, alg, opts) return crypto.jwt_sign(c, "s3cret", alg or "HS256", opts) end
local v = crypto.jwt_verify(hs({ sub = "bob", exp = now + 60, nbf = now - 60 }), "s3cret")
assert(v.claims.sub == "bob" and v.header.alg == "HS256" and math.type(v.claims.exp) == "integer")
assert(crypto.jwt_verify(hs({ sub = "x" }, "HS384"), "s3cret").claims.sub == "x")
assert(crypto.jwt_verify(hs({ sub = "x" }, "HS512"), "s3cret").claims.sub == "x")
assert(next(crypto.jwt_verify(hs({}), "s3cret").claims) == nil, "empty claims ([]) verify")
assert(crypto.jwt_verify(hs({ exp = now + 60.5 }), "s3cret").claims.exp == now + 60.5, "float exp")

local V = "crypto.jwt_verify: "
t.raises(V .. "signature verification failed", crypto.jwt_verify, token, "wrong")
t.raises(V .. "signature verification failed", crypto.jwt_verify, h .. "." .. b64url('{"sub":"mallory"}') .. "." .. s, "s3cret")
t.raises(V .. "signature verification failed", crypto.jwt_verify, h .. "." .. p .. "." .. b64url(("x"):rep(32)), "s3cret")
t.raises(V .. "signature verification failed", crypto.jwt_verify, h .. "." .. p .. ".", "s3cret")
-- expiry and not-before, with and without leeway
local past = now - 3600
t.raises(V .. "token expired at " .. iso(past), crypto.jwt_verify, hs({ exp = past }), "s3cret")
t.raises(V .. "token expired at 2001-09-09T01:46:40Z", crypto.jwt_verify, hs({ exp = 1000000000 }), "s3cret")
t.raises(V .. "token expired at 2001-09-09T01:46:40.500Z", crypto.jwt_verify, hs({ exp = 1000000000.5 }), "s3cret")
t.raises(V .. "token expired at " .. iso(now - 30), crypto.jwt_verify, hs({ exp = now - 30 }), "s3cret", { leeway = 10 })
assert(crypto.jwt_verify(hs({ exp = now - 30 }), "s3cret", { leeway = 120 }))
local future = now + 3600
t.raises(V .. "token not valid before " .. iso(future), crypto.jwt_verify, hs({ nbf = future }), "s3cret")
t.raises(V .. "token not valid before " .. iso(future), crypto.jwt_verify, hs({ nbf = future }), "s3cret", { leeway = 60 })
assert(crypto.jwt_verify(hs({ nbf = now + 30 }), "s3cret", { leeway = 120 }))
t.raises(V .. 'claim "exp" must be a number (seconds since the epoch)', crypto.jwt_verify, hs({ exp = "soon" }), "s3cret")
t.raises(V .. "opts.leeway must be a non-negative number of seconds", crypto.jwt_verify, token, "s3cret", { leeway = -1 })
t.raises(V .. "opts.leeway must be a number or nil", crypto.jwt_verify, token, "s3cret", { leeway = "5" })
-- issuer and audience
local aud = hs({ iss = "https://idp", aud = { "api", "web" } })
assert(crypto.jwt_verify(aud, "s3cret", { iss = "https://idp", aud = "web" }))
assert(crypto.jwt_verify(aud, "s3cret", { aud = { "cli", "api" } }))
assert(crypto.jwt_verify(hs({ aud = "api" }), "s3cret", { aud = "api" }))
t.raises(V .. 'audience mismatch: expected "cli", token has ["api","web"]', crypto.jwt_verify, aud, "s3cret", { aud = "cli" })
t.raises(V .. 'audience mismatch: expected one of "x", "y", token has "api"', crypto.jwt_verify, hs({ aud = "api" }), "s3cret", { aud = { "x", "y" } })
t.raises(V .. 'audience mismatch: expected "api", token has no aud claim', crypto.jwt_verify, hs({}), "s3cret", { aud = "api" })
t.raises(V .. 'issuer mismatch: expected "https://idp", token has "https://evil"', crypto.jwt_verify, hs({ iss = "https://evil" }), "s3cret", { iss = "https://idp" })
t.raises(V .. 'issuer mismatch: expected "https://idp", token has no iss claim', crypto.jwt_verify, hs({}), "s3cret", { iss = "https://idp" })
-- the signature is checked before the claims: a forged expired token reads as forged
t.raises(V .. "signature verification failed", crypto.jwt_verify, hs({ exp = past }), "other")
-- alg none is never accepted, whatever the options say
local none = b64url('{"alg":"none","typ":"JWT"}') .. "." .. b64url('{"sub":"root"}') .. "."
t.raises(V .. 'unsigned tokens (alg "none") are refused', crypto.jwt_verify, none, "s3cret")
t.raises(V .. 'unsigned tokens (alg "none") are refused', crypto.jwt_verify, b64url('{"alg":"NoNe"}') .. "." .. b64url("{}") .. ".", "s3cret")
t.raises(V .. "opts.algorithms: unsupported algorithm: none", crypto.jwt_verify, token, "s3cret", { algorithms = { "none" } })
-- opts.algorithms narrows what the key allows
assert(crypto.jwt_verify(token, "s3cret", { algorithms = { "HS256" } }))
t.raises(V .. "algorithm HS256 is not in opts.algorithms (HS512)", crypto.jwt_verify, token, "s3cret", { algorithms = { "hs512" } })
t.raises(V .. "unsupported algorithm: HS999", crypto.jwt_verify, b64url('{"alg":"HS999"}') .. "." .. p .. "." .. s, "s3cret")
t.raises(V .. 'header: "alg" must be a string', crypto.jwt_verify, b64url('{"typ":"JWT"}') .. "." .. p .. "." .. s, "s3cret")
t.raises(V .. 'header: "crit" extensions are not supported', crypto.jwt_verify, b64url('{"alg":"HS256","crit":["exp"]}') .. "." .. p .. "." .. s, "s3cret")
t.raises(V .. "the secret is empty", crypto.jwt_verify, token, "")
-- a secret verifies only HMAC tokens; an RS256 header is refused before any signature check
t.raises(V .. "algorithm RS256 cannot be used with a shared secret (it allows HS256, HS384, HS512)",
  crypto.jwt_verify, b64url('{"alg":"RS256"}') .. "." .. p .. "." .. s, "s3cret")
-- malformed tokens fail with jwt_decode's reasons under jwt_verify's name
t.raises(V .. "token must have three '.'-separated segments (header.payload.signature)", crypto.jwt_verify, "a.b", "s3cret")
local ok3, e3 = pcall(crypto.jwt_verify, h .. "." .. p .. ".a=", "s3cret")
assert(not ok3 and e3:find(V .. "signature: invalid base64url: ", 1, true), e3)
t.raises(V .. "second argument must be a PEM key, a secret string, a JWK or a JWKS table", crypto.jwt_verify, token, nil)
t.raises(V .. "second argument must be a PEM key, a secret string, a JWK or a JWKS table", crypto.jwt_verify, token, 5)
t.raises(V .. "third argument must be an options table or nil", crypto.jwt_verify, token, "s3cret", "HS256")
t.raises(V .. "opts.aud must be a string, a list of strings or nil", crypto.jwt_verify, token, "s3cret", { aud = true })
t.raises(V .. "first argument must be a string", crypto.jwt_verify, nil, "s3cret")
local ok4, e4 = pcall(crypto.jwt_verify, token, "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n")
assert(not ok4 and e4:find(V .. "invalid PEM key: ", 1, true) == 1, e4)

-- JWK and JWKS with oct keys: picked by kid, without kid only when one key fits
local jwk = { kty = "oct", k = b64url("s3cret") }
assert(crypto.jwt_verify(token, jwk))
assert(crypto.jwt_verify(token, { kty = "oct", k = b64url("s3cret"), alg = "HS256", use = "sig" }))
t.raises(V .. 'algorithm HS256 does not match the key\'s "alg" HS512', crypto.jwt_verify, token, { kty = "oct", k = b64url("s3cret"), alg = "HS512" })
t.raises(V .. 'invalid JWK: its "use" is "enc", not "sig"', crypto.jwt_verify, token, { kty = "oct", k = b64url("s3cret"), use = "enc" })
t.raises(V .. 'invalid JWK: "kty" must be a string', crypto.jwt_verify, token, { k = "x" })
t.raises(V .. 'invalid JWK: unsupported key type "XYZ"', crypto.jwt_verify, token, { kty = "XYZ" })
local set = { keys = {
  { kty = "oct", kid = "old", k = b64url("old secret") },
  { kty = "oct", kid = "new", k = b64url("s3cret") },
  { kty = "oct", kid = "enc", k = b64url("s3cret"), use = "enc" },
} }
local withKid = hs({ sub = "kid" }, "HS256", { kid = "new" })
assert(crypto.jwt_verify(withKid, set).claims.sub == "kid")
t.raises(V .. "signature verification failed", crypto.jwt_verify, hs({}, "HS256", { kid = "old" }), set)
t.raises(V .. 'no key with kid "gone" in the JWKS', crypto.jwt_verify, hs({}, "HS256", { kid = "gone" }), set)
t.raises(V .. 'no key with kid "enc" in the JWKS', crypto.jwt_verify, hs({}, "HS256", { kid = "enc" }), set)
t.raises(V .. "the token has no kid and 2 keys in the JWKS fit algorithm HS256; cannot choose one", crypto.jwt_verify, token, set)
assert(crypto.jwt_verify(token, { keys = { { kty = "oct", k = b64url("s3cret") } } }), "the only key")
t.raises(V .. "the JWKS has no keys", crypto.jwt_verify, token, { keys = {} })
t.raises(V .. "no key in the JWKS fits algorithm HS256", crypto.jwt_verify, token, { keys = { { kty = "RSA", n = "AQAB", e = "AQAB" } } })

-- ---- hash_file ------------------------------------------------------------------------------
local dir = t.scratch()
local function write(name, bytes)
  local f = assert(io.open(dir .. "/" .. name, "wb"))
  f:write(bytes)
  f:close()
  return dir .. "/" .. name
end
assert(crypto.hash_file(write("abc.txt", "abc")) == NIST.sha256[2])
assert(crypto.hash_file(write("empty.txt", ""), "SHA3-512") == NIST["sha3-512"][1])
assert(crypto.hash_file(write("m448.txt", M448), "sha384") == NIST.sha384[3])
-- more than one chunk (1 MiB), binary: the same digest as hashing the string
local blob = ("\0\1\255abc"):rep(400000)
assert(crypto.hash_file(write("blob.bin", blob), "sha512") == crypto.hash(blob, "sha512"))
t.raises('crypto.hash_file: failed to read "' .. dir .. '/missing": No such file or directory (os error 2)', crypto.hash_file, dir .. "/missing")
t.raises('crypto.hash_file: failed to read "' .. dir .. '": Is a directory (os error 21)', crypto.hash_file, dir)
t.raises("crypto.hash_file: unsupported algorithm: md5 " .. SUPPORTED, crypto.hash_file, dir .. "/abc.txt", "md5")
t.raises("crypto.hash_file: first argument must be a string", crypto.hash_file, nil)
-- other tasks run while a file is hashed: the task yields for each chunk
local done = false
local hashing = async.spawn(function()
  local hex = crypto.hash_file(dir .. "/blob.bin")
  done = true
  return hex
end)
local ticker = async.spawn(function()
  local during = 0
  while not done do
    during = during + 1
    sleep(0.001)
  end
  return during
end)
assert(hashing:await()[1] == crypto.hash(blob))
assert(ticker:await()[1] >= 1, "the other task ran while the file was read")
