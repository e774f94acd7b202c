-- Parse and re-encode a TOML document N times (default 300) with the toml builtin, timed inside
-- the process, so that start-up does not count: after one untimed round (which also loads the
-- library), the rounds run in blocks of 10 and the median block's mean is printed. Compare
-- with bench/toml-bare.ts, the library alone under Bun.
-- usage: assay bench/toml.lua FILE [N]
local path, n = arg[1], tonumber(arg[2] or 300)
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()
local function round()
  local t0 = time()
  local doc = toml.parse(text)
  local t1 = time()
  local out = toml.encode(doc)
  local t2 = time()
  assert(#out > #text / 2, "encoded document too short")
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
print(("toml builtin: %d rounds, median block: parse %.1f ms, encode %.1f ms, total %.1f ms"):format(
  n, median(parses), median(encodes), median(totals)))
