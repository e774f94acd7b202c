-- time() and sleep(seconds) (builtins.md §13).
local function fails_with_prefix(prefix, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected failure: " .. prefix)
  assert(tostring(err):sub(1, #prefix) == prefix, ("expected %q..., got %q"):format(prefix, tostring(err)))
end

-- time(): a float with sub-second precision, in step with os.time().
local t = time()
assert(math.type(t) == "float", "time() is a float")
assert(math.abs(t - os.time()) <= 1.5, "time() is Unix seconds")
local distinct = false
for _ = 1, 1000 do
  if time() % 1 ~= 0 then distinct = true break end
end
assert(distinct, "time() has sub-second digits")

-- sleep waits about as long as asked, fractional seconds allowed.
local before = time()
sleep(0.05)
local slept = time() - before
assert(slept >= 0.045 and slept < 1, "sleep(0.05) took " .. slept)
sleep(0)
sleep(1)  -- an integer argument
assert(time() - before >= 1.04)
sleep("0.001") -- a numeric string is a number (builtins.md §0.3)
assert(select("#", sleep(0)) == 0, "sleep returns nothing")

-- Invalid durations raise Lua errors (the reference aborts the process).
fails_with_prefix("sleep: invalid duration -1: must be a finite number >= 0", sleep, -1)
fails_with_prefix("sleep: invalid duration -0.5: must be a finite number >= 0", sleep, -0.5)
fails_with_prefix("sleep: invalid duration ", sleep, 0 / 0)
fails_with_prefix("sleep: invalid duration inf: must be a finite number >= 0", sleep, math.huge)
fails_with_prefix("sleep: first argument must be a number", sleep)
fails_with_prefix("sleep: first argument must be a number", sleep, "soon")
do
  local ok, err = pcall(function() sleep(-1) end)
  assert(not ok and err:match("^.-time_test%.lua:%d+: sleep: invalid duration"), "position: " .. err)
end

-- A very long sleep really waits: setTimeout would fire at once past 2^31-1 ms.
do
  local woke = false
  async.spawn(function() sleep(2200000) woke = true end)
  sleep(0.05)
  assert(not woke, "sleep(2200000) returned at once")
end

-- Other tasks run while one sleeps.
do
  local ran = false
  local h = async.spawn(function() ran = true end)
  sleep(0.001)
  assert(ran, "a spawned task ran during sleep")
  h:await()
end
