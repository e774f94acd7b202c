-- os.exit(code, true) inside a coroutine: the main chunk's <close> variables run (it is the
-- main thread that lua_close closes), the coroutine's do not.
local co = coroutine.wrap(function()
  local y <close> = setmetatable({}, {__close = function() print("closed inner") end})
  os.exit(0, true)
end)
local x <close> = setmetatable({}, {__close = function() print("closed outer") end})
co()
