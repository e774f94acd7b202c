-- 2000 sequential GETs of one URL with http.get (connections kept alive), against the same
-- loop on Bun's fetch (bench/http-client-bun.ts); the server should answer a small body.
-- usage: assay bench/http-client.lua URL [COUNT]
local url, count = arg[1], tonumber(arg[2] or "2000")
assert(url, "usage: assay bench/http-client.lua URL [COUNT]")
for _ = 1, count do
  local r = http.get(url)
  assert(r.status == 200, r.status)
end
