-- The scheduler is invisible: async builtins work inside user coroutines, pcall and <close>,
-- and the main chunk looks like the main thread.
local main, is_main = coroutine.running()
assert(type(main) == "thread" and is_main == true, "main task must look like the main thread")
assert(coroutine.isyieldable() == false)
local ok, err = pcall(coroutine.yield)
assert(not ok and err == "attempt to yield from outside a coroutine", err)

-- sleep inside coroutine.wrap used as a generator
local gen = coroutine.wrap(function()
  for i = 1, 3 do sleep(0.001) coroutine.yield(i) end
end)
assert(gen() == 1 and gen() == 2 and gen() == 3)

-- sleep inside coroutine.resume, values flow both ways
local co = coroutine.create(function(a)
  sleep(0.001)
  local b = coroutine.yield(a * 2)
  sleep(0.001)
  return b + 1
end)
local ok1, v1 = coroutine.resume(co, 21)
assert(ok1 and v1 == 42)
local ok2, v2 = coroutine.resume(co, 41)
assert(ok2 and v2 == 42)
assert(coroutine.status(co) == "dead")

-- <close> handlers run when an error follows a sleep, and pcall catches it
local closed = false
local okc, errc = pcall(function()
  local guard <close> = setmetatable({}, { __close = function() closed = true end })
  sleep(0.001)
  error("after sleep")
end)
assert(not okc and errc:find("after sleep", 1, true) and closed)

-- where Lua cannot yield, a clear error instead of a deadlock
local oks, errs = pcall(table.sort, { 3, 2, 1 }, function(a, b) sleep(0) return a < b end)
assert(not oks and errs:find("attempt to yield across a C-call boundary", 1, true), errs)

-- coroutine.wrap closes a failed coroutine, running pending <close> variables
local wclosed = false
local w = coroutine.wrap(function()
  local g <close> = setmetatable({}, { __close = function() wclosed = true end })
  coroutine.yield(1)
  error("wrapped failure")
end)
assert(w() == 1)
local okw, errw = pcall(w)
assert(not okw and errw:find("wrapped failure", 1, true) and wclosed)

-- inner coroutine's real yields still reach the user while sleeps are forwarded
local inner = coroutine.wrap(function()
  local outer = coroutine.wrap(function()
    sleep(0.001)
    coroutine.yield("from outer")
  end)
  coroutine.yield(outer())
end)
assert(inner() == "from outer")

-- sleep(0) yields to the event loop: a loop of it lets timers and other tasks run
do
  local done = false
  async.spawn(function() sleep(0.01) done = true end)
  local spins = 0
  while not done do
    sleep(0)
    spins = spins + 1
  end
  assert(done and spins > 0)
end
