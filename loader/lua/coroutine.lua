-- Makes the scheduler invisible to scripts. Builtins that wait for I/O yield a sentinel
-- (scheduler.ts); a user's coroutine that receives one passes it outwards, resumes itself
-- when the scheduler resumes the task, and only real yields reach the user. Task roots
-- behave like Lua's main thread.
local SENTINEL, tasks = ...
local co = coroutine
local raw_resume, raw_yield, raw_running = co.resume, co.yield, co.running
local raw_isyieldable, raw_create, raw_close = co.isyieldable, co.create, co.close
local select, error, type = select, error, type

local function forward(thread, ok, ...)
  if ok and select("#", ...) == 2 and (...) == SENTINEL then
    return forward(thread, raw_resume(thread, raw_yield(...)))
  end
  return ok, ...
end

function co.resume(thread, ...)
  return forward(thread, raw_resume(thread, ...))
end

-- Lua's auxwrap: on error, close the coroutine (running its pending <close> variables),
-- then re-raise with the caller's position when the error is a string.
local function unwrap(thread, ok, ...)
  if ok then return ... end
  local err = ...
  if co.status(thread) == "dead" then
    local closed, close_err = raw_close(thread)
    if not closed then err = close_err end
  end
  if type(err) == "string" then error(err, 2) end
  error(err, 0)
end

function co.wrap(f)
  local thread = raw_create(f)
  return function(...)
    return unwrap(thread, forward(thread, raw_resume(thread, ...)))
  end
end

function co.running()
  local thread, is_main = raw_running()
  if tasks[thread] then return thread, true end
  return thread, is_main
end

function co.isyieldable(thread)
  local t = thread or raw_running()
  if tasks[t] then return false end
  if thread == nil then return raw_isyieldable() end
  return raw_isyieldable(thread)
end

function co.yield(...)
  if tasks[raw_running()] then error("attempt to yield from outside a coroutine", 0) end
  return raw_yield(...)
end
