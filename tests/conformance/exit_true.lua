-- os.exit(true, true) closes the state: finalizers and pending output run before exiting.
setmetatable({}, { __gc = function() io.write("finalizer ran\n") end })
local f = assert(io.open(os.getenv("CONFORMANCE_TMP") .. "/exit_true.txt", "w"))
f:write("unflushed data")
io.write("before exit\n")
os.exit(true, true)
