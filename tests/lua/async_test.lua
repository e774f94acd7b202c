-- async.spawn / handle:await / async.spawn_interval / handle:cancel (builtins.md §12).
-- Logging of unawaited failures and interval callback errors, and the exit rule, are checked
-- on stderr by tests/builtins.test.ts.
local function fails_with(expected, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected failure: " .. expected)
  assert(err == expected, ("expected error %q, got %q"):format(expected, tostring(err)))
end

-- A spawned task starts only when the caller blocks, and shares globals.
do
  local order = {}
  SHARED = 0
  local h = async.spawn(function()
    order[#order + 1] = "task"
    SHARED = SHARED + 1
    return "done"
  end)
  order[#order + 1] = "main"
  assert(SHARED == 0, "task has not run before the caller blocks")
  assert(h:await()[1] == "done")
  assert(order[1] == "main" and order[2] == "task", table.concat(order, ","))
  assert(SHARED == 1)
end

-- await returns an array table of every result, nils included; colon and dot forms.
do
  local h = async.spawn(function() sleep(0.01) return 1, nil, "three", 4.0 end)
  local r = h:await()
  assert(type(r) == "table" and r[1] == 1 and r[2] == nil and r[3] == "three")
  assert(math.type(r[4]) == "float" and math.type(r[1]) == "integer", "number subtypes survive")
  local h2 = async.spawn(function() return "dot" end)
  assert(h2.await()[1] == "dot")
  local h3 = async.spawn(function() end)
  assert(next(h3:await()) == nil, "no results gives an empty table")
  local h4 = async.spawn(function() return 7 end)
  assert(h4.await(h4, "extra", "args")[1] == 7, "extra arguments are ignored")
end

-- Awaiting twice raises; already finished tasks deliver at once.
do
  local h = async.spawn(function() return 1 end)
  sleep(0.01) -- the task finishes before anyone awaits it
  assert(h:await()[1] == 1)
  fails_with("async handle already awaited", h.await)
  fails_with("async handle already awaited", h.await, h)
  local ok, err = pcall(function() h:await() end)
  assert(not ok and err:match("^.-async_test%.lua:%d+: async handle already awaited$"), err)
end

-- A failed task makes await raise its original error (the same value for non-strings).
do
  local h = async.spawn(function() sleep(0.005) error("task exploded") end)
  local ok, err = pcall(h.await)
  assert(not ok and err:match("^.-async_test%.lua:%d+: task exploded$"), tostring(err))
  local obj = setmetatable({}, { __tostring = function() return "custom" end })
  local h2 = async.spawn(function() error(obj) end)
  local ok2, err2 = pcall(function() return h2:await() end)
  assert(not ok2 and rawequal(err2, obj), "error object passes through unchanged")
  fails_with("async handle already awaited", h2.await)
end

-- Tasks interleave at blocking points and run concurrently.
do
  local log = {}
  local function worker(name, delay)
    return function()
      for i = 1, 3 do
        sleep(delay)
        log[#log + 1] = name .. i
      end
      return name
    end
  end
  local started = time()
  local a = async.spawn(worker("a", 0.02))
  local b = async.spawn(worker("b", 0.02))
  assert(a:await()[1] == "a" and b:await()[1] == "b")
  local elapsed = time() - started
  assert(#log == 6)
  assert(elapsed < 0.1, "tasks ran concurrently, took " .. elapsed)
  assert(log[1]:sub(1, 1) ~= log[2]:sub(1, 1), "interleaved: " .. table.concat(log, ","))
end

-- Tasks can spawn and await tasks; await works inside pcall and coroutines.
do
  local outer = async.spawn(function()
    local inner = async.spawn(function() sleep(0.001) return 21 end)
    return inner:await()[1] * 2
  end)
  assert(outer:await()[1] == 42)
  local h = async.spawn(function() sleep(0.001) return "co" end)
  local co = coroutine.wrap(function() coroutine.yield(h:await()[1]) end)
  assert(co() == "co")
end

-- Where Lua cannot yield, await fails clearly and the handle stays usable.
do
  local h = async.spawn(function() sleep(0.01) return "later" end)
  local ok, err = pcall(table.sort, { 3, 2, 1 }, function(x, y) h:await() return x < y end)
  assert(not ok and err:find("attempt to yield across a C-call boundary", 1, true), err)
  assert(h:await()[1] == "later")
end

-- A task awaiting its own handle after someone else did gets the usual error.
do
  local h
  h = async.spawn(function()
    local ok, err = pcall(h.await)
    return ok, err
  end)
  local r = h:await()
  assert(r[1] == false and r[2] == "async handle already awaited", tostring(r[2]))
end

-- Spawn handles have no cancel; argument errors.
do
  local h = async.spawn(function() end)
  assert(h.cancel == nil)
  h:await()
end
fails_with("async.spawn: first argument must be a function", async.spawn)
fails_with("async.spawn: first argument must be a function", async.spawn, "print")
fails_with("async.spawn: first argument must be a function", async.spawn, setmetatable({}, { __call = print }))

-- Many short tasks: threads are released after await (no unbounded growth).
do
  collectgarbage()
  local before = collectgarbage("count")
  for _ = 1, 2000 do
    async.spawn(function() return string.rep("x", 1000) end):await()
  end
  -- and unawaited ones once their handle is gone
  for _ = 1, 2000 do
    async.spawn(function() return string.rep("y", 1000) end)
  end
  sleep(0.01)
  collectgarbage()
  collectgarbage()
  local after = collectgarbage("count")
  assert(after - before < 1024, ("memory grew by %.0f KiB"):format(after - before))
end

-- spawn_interval: (seconds, fn), first call after one interval, then one per interval.
do
  local calls = {}
  local started = time()
  local iv = async.spawn_interval(0.02, function() calls[#calls + 1] = time() - started end)
  assert(#calls == 0)
  sleep(0.01)
  assert(#calls == 0, "no call before one interval")
  sleep(0.1)
  local n = #calls
  assert(n >= 3 and n <= 6, "about one call per interval, got " .. n)
  -- time() reads the wall clock in whole milliseconds while timers run on the monotonic clock,
  -- so the first call may appear up to a couple of milliseconds early.
  assert(calls[1] >= 0.017, "first call after one interval: " .. calls[1])
  iv:cancel()
  sleep(0.05)
  assert(#calls == n, "no calls after cancel")
  iv:cancel() -- cancelling twice is harmless
  iv.cancel()
  assert(iv.await == nil, "interval handles have no await")
end

-- The string form of seconds is accepted; cancel from inside the callback stops it.
do
  local count = 0
  local iv
  iv = async.spawn_interval("0.005", function()
    count = count + 1
    if count == 2 then iv.cancel() end
  end)
  sleep(0.06)
  assert(count == 2, "cancel inside the callback: " .. count)
end

-- A callback that blocks does not overlap itself; a call in progress finishes after cancel.
do
  local active, max_active, finished = 0, 0, 0
  local iv = async.spawn_interval(0.005, function()
    active = active + 1
    if active > max_active then max_active = active end
    sleep(0.02)
    active = active - 1
    finished = finished + 1
  end)
  sleep(0.015) -- the first call is now sleeping inside the callback
  iv:cancel()
  local at_cancel = finished
  sleep(0.04)
  assert(max_active == 1, "callbacks overlapped")
  assert(finished == at_cancel + 1, "the call in progress finished after cancel")
end

-- A callback error stops the interval (the ERROR line is checked from the CLI tests).
do
  local count = 0
  async.spawn_interval(0.005, function()
    count = count + 1
    error("interval failure")
  end)
  sleep(0.05)
  assert(count == 1, "interval stopped after its callback raised: " .. count)
end

fails_with("async.spawn_interval: interval must be positive", async.spawn_interval, 0, print)
fails_with("async.spawn_interval: interval must be positive", async.spawn_interval, -1, print)
fails_with("async.spawn_interval: interval must be positive", async.spawn_interval, 0 / 0, print)
fails_with("async.spawn_interval: first argument must be a number", async.spawn_interval, print, 1)
fails_with("async.spawn_interval: first argument must be a number", async.spawn_interval, "soon", print)
fails_with("async.spawn_interval: first argument must be a number", async.spawn_interval, nil, print)
fails_with("async.spawn_interval: second argument must be a function", async.spawn_interval, 1)
fails_with("async.spawn_interval: second argument must be a function", async.spawn_interval, 1, "f")
