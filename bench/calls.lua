-- 100k calls of a cheap builtin (`time()`, a JS function behind the bridge), or the same
-- loop with nothing in it: the difference is the cost of the calls.
-- usage: assay bench/calls.lua call|empty [N]
local mode, n = arg[1] or "call", tonumber(arg[2] or 100000)
local t = time
local x = 0
if mode == "call" then
  for _ = 1, n do x = t() end
else
  for _ = 1, n do x = _ end
end
assert(x)
