-- Parse and re-encode a JSON document with the json builtin; `read` only reads the file
-- (the baseline subtracted to get the round trip alone).
-- usage: assay bench/json.lua FILE [roundtrip|read]
local path, mode = arg[1], arg[2] or "roundtrip"
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()
if mode == "roundtrip" then
  local doc = json.parse(text)
  local out = json.encode(doc)
  assert(#out > #text / 4, "encoded document too short")
end
