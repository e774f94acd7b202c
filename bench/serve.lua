-- http.serve GET /health returning JSON, for `wrk -t2 -c50` (bench/serve-hono.ts is the same
-- server on raw Bun + hono). Port from the first argument, default 8080.
local port = math.tointeger(tonumber(arg[1] or "8080"))
http.serve(port, {
  GET = {
    ["/health"] = function() return { json = { status = "ok" } } end,
  },
}, { host = "127.0.0.1" })
