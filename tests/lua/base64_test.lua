-- base64.encode / base64.decode: standard alphabet with padding, arbitrary bytes, strict decode.

local function fails(prefix, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error starting with " .. prefix)
  assert(type(err) == "string" and err:find(prefix, 1, true), ("expected %q in %q"):format(prefix, tostring(err)))
  return err
end

-- RFC 4648 test vectors, both ways
local vectors = {
  { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
}
for _, v in ipairs(vectors) do
  assert(base64.encode(v[1]) == v[2], "encode " .. v[1])
  assert(base64.decode(v[2]) == v[1], "decode " .. v[2])
end

-- arbitrary bytes: NUL, 0xFF, invalid UTF-8, both alphabet extremes
assert(base64.encode("\0") == "AA==")
assert(base64.encode("\255\255\255") == "////")
assert(base64.encode("\251\239\190") == "++++")
assert(base64.decode("AA==") == "\0")
assert(base64.decode("////") == "\255\255\255")
assert(base64.encode("hello\0\255") == "aGVsbG8A/w==")
local all = {}
for b = 0, 255 do all[#all + 1] = string.char(b) end
all = table.concat(all)
assert(base64.decode(base64.encode(all)) == all)
for len = 0, 40 do
  local s = all:sub(200, 200 + len - 1) .. all:sub(1, len)
  local e = base64.encode(s)
  assert(#e % 4 == 0 and not e:find("[^A-Za-z0-9+/=]"))
  assert(base64.decode(e) == s, "round trip of length " .. #s)
end
local big = string.rep(all, 400)
assert(base64.decode(base64.encode(big)) == big)

-- numbers are accepted where strings are expected (§0.3)
assert(base64.encode(123) == "MTIz")
assert(base64.encode(1.5) == "MS41")
assert(base64.decode(base64.encode(math.mininteger)) == tostring(math.mininteger))

-- argument errors
fails("base64.encode: first argument must be a string", base64.encode, nil)
fails("base64.encode: first argument must be a string", base64.encode)
fails("base64.encode: first argument must be a string", base64.encode, true)
fails("base64.decode: first argument must be a string", base64.decode, {})

-- strict decoding
fails("base64.decode: invalid length 2", base64.decode, "Zg")      -- unpadded
fails("base64.decode: invalid length 3", base64.decode, "Zm8")
fails("base64.decode: invalid length 5", base64.decode, "Zm9vY")
fails("base64.decode: invalid padding", base64.decode, "Zg=")
fails("base64.decode: invalid padding", base64.decode, "Z===")
fails("base64.decode: invalid padding", base64.decode, "====")
fails("base64.decode: invalid padding", base64.decode, "=Zg=")
fails("base64.decode: invalid padding", base64.decode, "Zg==Zg==")
fails("base64.decode: invalid padding", base64.decode, "Zm9v=")
fails("base64.decode: invalid byte 0x0a at offset 4", base64.decode, "Zm9v\n")
fails("base64.decode: invalid byte 0x20 at offset 0", base64.decode, " Zm9v")
fails("base64.decode: invalid byte 0x0d", base64.decode, "Zm9v\r\nYmFy")
fails("base64.decode: invalid '-' (0x2d) at offset 3", base64.decode, "Zm9-")
fails("base64.decode: invalid '_' (0x5f) at offset 3", base64.decode, "Zm9_")
fails("base64.decode: invalid byte 0x00", base64.decode, "Zm9v\0")
fails("base64.decode: invalid byte 0xff", base64.decode, "\255\255\255\255")
fails("base64.decode: invalid '.' (0x2e)", base64.decode, "Zg=.")
fails("base64.decode: invalid last symbol 'h' (0x68) at offset 1", base64.decode, "Zh==")
fails("base64.decode: invalid last symbol '9' (0x39) at offset 2", base64.decode, "Zm9=")
assert(base64.decode("Zm8=") == "fo")
