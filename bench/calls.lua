-- 100k calls of a cheap builtin (`time()`, a JS function behind the bridge), or the same
-- loop with nothing in it: the difference is the cost of the calls.
-- usage: assay bench/calls.lua call|empty|inner [N]
--   call, empty  for whole-process timing by hyperfine
--   inner        times both loops inside the process (best of 5, os.clock) and prints µs per call
local mode, n = arg[1] or "call", tonumber(arg[2] or 100000)
local t = time

local function calls()
  local x
  for _ = 1, n do x = t() end
  return x
end

local function empty()
  local x
  for i = 1, n do x = i end
  return x
end

if mode == "call" then
  assert(calls())
elseif mode == "empty" then
  assert(empty())
else
  local function best(f)
    local min = math.huge
    for _ = 1, 5 do
      local c = os.clock()
      f()
      min = math.min(min, os.clock() - c)
    end
    return min
  end
  print(("%.3f"):format((best(calls) - best(empty)) / n * 1e6))
end
