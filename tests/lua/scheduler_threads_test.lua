-- A task's own thread belongs to the scheduler, as the main thread belongs to lua.c: other
-- code cannot resume or close it, and its status reads "dead" once it has returned (its
-- results wait on its stack for whoever awaits it).
local main = coroutine.running()
local seen = {}
local h = async.spawn(function()
  seen.status = coroutine.status(main)
  seen.resume = table.pack(coroutine.resume(main))
  seen.close = table.pack(pcall(coroutine.close, main))
  return "result"
end)
sleep(0.01)
local refused = "cannot resume or close a task's coroutine (the scheduler runs it)"
assert(seen.status == "suspended", seen.status) -- the main task waits in sleep
assert(seen.resume[1] == false and seen.resume[2] == refused, tostring(seen.resume[2]))
assert(seen.close[1] == false and seen.close[2]:find(refused, 1, true), tostring(seen.close[2]))

local th
local h2 = async.spawn(function() th = coroutine.running() sleep(0.05) return 1 end)
sleep(0.01)
assert(coroutine.status(th) == "suspended")
assert(select(2, coroutine.resume(th, "x")) == refused)
assert(h2:await()[1] == 1, "the task was not disturbed")
assert(coroutine.status(th) == "dead", "a task that returned is dead")
assert(h:await()[1] == "result")

-- ordinary coroutines are untouched
local co = coroutine.create(function() coroutine.yield(1) end)
assert(coroutine.resume(co) and coroutine.status(co) == "suspended")
assert(coroutine.close(co) and coroutine.status(co) == "dead")
