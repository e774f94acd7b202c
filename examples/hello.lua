#!/usr/bin/env assay
-- A first assay script: arguments, standard Lua, the json builtin and a timed pause.
-- Run it with `assay examples/hello.lua [name]`, or make it executable and run it directly.

local name = arg[1] or os.getenv("USER") or "world"
print(("Hello, %s! This is %s on %s."):format(name, _VERSION, os.date("!%Y-%m-%d")))

-- Builtins are globals: no require needed.
local report = json.encode({
  greeting = "hello",
  name = name,
  answer = 42,
  ratio = 0.5,
  tags = { "lua", "assay" },
})
print(report)

-- sleep pauses this task without blocking the runtime.
local started = time()
sleep(0.05)
print(("slept %.2f s"):format(time() - started))
