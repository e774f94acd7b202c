-- Parse and re-encode a document N times with the yaml builtin (a multi-document stream,
-- parse_all/encode_all, default 20 rounds) or the toml builtin (default 300), timed inside the
-- process, so that start-up does not count: after one untimed round (which also loads the
-- library), the rounds run in blocks of 10 and the median block's mean is printed. Compare
-- with bench/codec-bare.ts, the library alone under Bun.
-- usage: assay bench/codec.lua yaml|toml FILE [N]
local CODECS = {
  yaml = { rounds = 20, parse = function(s) return yaml.parse_all(s) end, encode = function(v) return yaml.encode_all(v) end },
  toml = { rounds = 300, parse = function(s) return toml.parse(s) end, encode = function(v) return toml.encode(v) end },
}
local name, path = arg[1], arg[2]
local codec = assert(CODECS[name], "usage: assay bench/codec.lua yaml|toml FILE [N]")
local n = tonumber(arg[3] or codec.rounds)
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()
local function round()
  local t0 = time()
  local value = codec.parse(text)
  local t1 = time()
  local out = codec.encode(value)
  local t2 = time()
  assert(#out > #text / 2, "encoded text too short")
  return t1 - t0, t2 - t1
end
round()
-- time() ticks in milliseconds: a block of rounds is long enough to time well.
local BLOCK = 10
local parses, encodes, totals = {}, {}, {}
for b = 1, math.max(1, n // BLOCK) do
  local p, e = 0, 0
  for _ = 1, BLOCK do
    local dp, de = round()
    p, e = p + dp, e + de
  end
  parses[b], encodes[b], totals[b] = p / BLOCK, e / BLOCK, (p + e) / BLOCK
end
local function median(xs)
  table.sort(xs)
  return xs[(#xs + 1) // 2] * 1000
end
print(("%s builtin: %d rounds, median block: parse %.1f ms, encode %.1f ms, total %.1f ms"):format(
  name, n, median(parses), median(encodes), median(totals)))
