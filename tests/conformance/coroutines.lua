-- The coroutine library as scripts see it (the runtime's own scheduler must stay invisible):
-- the main chunk looks like the main thread, errors and positions of resume/wrap, <close>
-- on error, tracebacks and hooks inside coroutines.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    t[i] = type(v) == "thread" and "thread" or type(v) == "function" and "function" or tostring(v)
  end
  print(table.concat(t, " | ", 1, t.n))
end

show(coroutine.running())
show(coroutine.isyieldable())
show(pcall(coroutine.yield, 1))
show(coroutine.status(coroutine.running()))

local co = coroutine.create(function(a, b)
  show("in", a, b, coroutine.isyieldable(), select(2, coroutine.running()))
  local c, d = coroutine.yield(a + b)
  show("back", c, d)
  return "end", c * d
end)
show(coroutine.status(co), coroutine.isyieldable(co))
show(coroutine.resume(co, 1, 2))
show(coroutine.status(co))
show(coroutine.resume(co, 3, 4))
show(coroutine.status(co), coroutine.resume(co))
show(pcall(coroutine.resume, 42))
show(pcall(coroutine.resume))
show(pcall(coroutine.status, {}))

local w = coroutine.wrap(function(x)
  while true do x = coroutine.yield(x * 2) end
end)
show(w(1), w(2), w(3))
local bad = coroutine.wrap(function() error("inside wrap") end)
show(pcall(bad))
show(pcall(bad))
local badt = coroutine.wrap(function() error({ code = 1 }) end)
local ok, e = pcall(badt)
show(ok, type(e), e.code)
show(pcall(coroutine.wrap, 1))

local log = {}
local wc = coroutine.wrap(function()
  local x <close> = setmetatable({}, { __close = function(_, err) log[#log + 1] = "closed: " .. tostring(err) end })
  coroutine.yield(1)
  error("after yield")
end)
show(wc())
show(pcall(wc))
show(log[1])

local c2 = coroutine.create(function()
  local x <close> = setmetatable({}, { __close = function() log[#log + 1] = "closed by close" end })
  coroutine.yield()
end)
coroutine.resume(c2)
show(coroutine.close(c2), coroutine.status(c2), log[2])
show(coroutine.close(coroutine.create(print)))
local c3 = coroutine.create(function() error("dead with error") end)
coroutine.resume(c3)
show(coroutine.close(c3))

-- resuming the running coroutine, or one that is normal (resuming another)
local outer
outer = coroutine.create(function()
  show(coroutine.resume(outer))
  local inner = coroutine.create(function() show(coroutine.status(outer), coroutine.resume(outer)) end)
  coroutine.resume(inner)
end)
coroutine.resume(outer)

-- tracebacks and hooks inside coroutines
local function f(n) if n > 0 then f(n - 1) else coroutine.yield() end end
local tc = coroutine.create(f)
coroutine.resume(tc, 2)
show(debug.traceback(tc))
show(debug.traceback(tc, "msg", 1))
local trace = {}
local hc = coroutine.create(function() coroutine.yield(10); return 20 end)
debug.sethook(hc, function(event) trace[#trace + 1] = event end, "cr")
repeat until not coroutine.resume(hc)
show(table.concat(trace, " "))
show(debug.getinfo(coroutine.yield).what, debug.getinfo(coroutine.resume).short_src)

-- yields through pcall and metamethods, and a yield across a C boundary
local pc = coroutine.wrap(function()
  show(pcall(function() coroutine.yield("from pcall"); error("err after") end))
  local t = setmetatable({}, { __index = function(_, k) return coroutine.yield(k) end })
  return t.key
end)
show(pc())
show(pc())
show(pc("value"))
local sorter = coroutine.wrap(function()
  table.sort({ 3, 2, 1 }, function(a, b) coroutine.yield() return a < b end)
end)
show(pcall(sorter))
