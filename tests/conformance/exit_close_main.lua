-- os.exit(code, true) closes the state: the main chunk's pending <close> variables run, then
-- finalizers, and the code is the exit status.
local x <close> = setmetatable({}, {__close = function() print("closed main tbc") end})
setmetatable({}, {__gc = function() print("gc") end})
io.write("bye\n")
os.exit(3, true)
