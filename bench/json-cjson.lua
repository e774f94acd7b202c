-- The same round trip with lua5.4 and lua-cjson.
-- usage: lua5.4 bench/json-cjson.lua FILE [roundtrip|read]
local cjson = require("cjson")
local path, mode = arg[1], arg[2] or "roundtrip"
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()
if mode == "roundtrip" then
  local doc = cjson.decode(text)
  local out = cjson.encode(doc)
  assert(#out > #text / 4, "encoded document too short")
end
