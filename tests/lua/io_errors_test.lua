-- Failing io/os calls return nil, "<name>: <message>", <host errno> as lua5.4 does on
-- Linux (ENOENT is 2, not the wasm runtime's 44), including errors from file methods,
-- and argument errors keep Lua's own wording and the caller's position.
local T = require("lib.testlib")
local dir = T.scratch()

local function triple(expect_msg, expect_errno, ok, msg, errno)
  assert(ok == nil, "expected failure, got " .. tostring(ok))
  assert(msg == expect_msg, ("message: expected %q, got %q"):format(expect_msg, tostring(msg)))
  assert(errno == expect_errno, ("errno: expected %d, got %s"):format(expect_errno, tostring(errno)))
  assert(math.type(errno) == "integer")
end
local raises = T.raises

triple(dir .. "/missing: No such file or directory", 2, io.open(dir .. "/missing"))
triple(dir .. "/missing/x: No such file or directory", 2, io.open(dir .. "/missing/x", "w"))
triple(dir .. ": Is a directory", 21, io.open(dir, "w"))
local file = dir .. "/file"
assert(io.open(file, "w")):close()
triple(file .. "/x: Not a directory", 20, io.open(file .. "/x"))
triple(dir .. "/missing: No such file or directory", 2, os.remove(dir .. "/missing"))
triple("No such file or directory", 2, os.rename(dir .. "/missing", dir .. "/b"))
os.execute("mkdir " .. dir .. "/full && touch " .. dir .. "/full/x")
triple(dir .. "/full: Directory not empty", 39, os.remove(dir .. "/full"))
assert(os.remove(dir .. "/full/x"))
assert(os.remove(dir .. "/full") == true, "os.remove removes an empty directory")

-- file methods: read on a directory, seek before the start, write to a full device
local d = assert(io.open(dir))
triple("Is a directory", 21, d:read("a"))
triple("Is a directory", 21, d:read("l"))
d:close()
local f = assert(io.open(file, "r"))
triple("Invalid argument", 22, f:seek("set", -5))
f:close()
local full = io.open("/dev/full", "w")
if full then
  full:setvbuf("no")
  triple("No space left on device", 28, full:write("x"))
  full:close()
  full = assert(io.open("/dev/full", "w"))
  assert(full:write("y"), "a buffered write succeeds")
  triple("No space left on device", 28, full:flush())
  full:close()
end

-- a popen handle is a (seekable) file: its failures look the same; in lua5.4 it is a pipe
-- and any seek says "Illegal seek"
local p = io.popen("true")
triple("Invalid argument", 22, p:seek("cur", -1))
p:close()

-- raised errors: Lua's argument errors and io.lines on a missing file
raises("bad argument #2 to 'io.open' (invalid mode)", io.open, file, "rw")
raises("bad argument #1 to 'open' (string expected, got table)", function() io.open({}) end)
raises("bad argument #2 to 'open' (invalid mode)", function() io.open(file, "rw") end)
local ok, err = pcall(function() io.open(file, "x") end)
assert(not ok and err:match("^[^:]*io_errors_test%.lua:%d+: bad argument #2 to 'open' %(invalid mode%)$"), err)
ok, err = pcall(function() return io.lines(dir .. "/missing") end)
assert(not ok and err == ("%s:%d: cannot open file '%s/missing' (No such file or directory)"):format(debug.getinfo(1, "S").short_src, debug.getinfo(1, "l").currentline - 1, dir), err)
local formats = {}
for i = 1, 251 do formats[i] = "l" end
ok, err = pcall(function() return io.lines(file, table.unpack(formats)) end)
assert(not ok and err:match("bad argument #252 to 'lines' %(too many arguments%)"), err)
ok, err = pcall(function() return io.input(dir .. "/missing") end)
assert(not ok and err:match("^[^:]*io_errors_test%.lua:%d+: cannot open file '.*/missing' %(No such file or directory%)$"), err)
raises("bad argument #1 to 'output' (FILE* expected, got table)", function() io.output({}) end)
local closed = assert(io.open(file))
closed:close()
ok, err = pcall(function() io.input(closed) end)
assert(not ok and err:match("^[^:]*io_errors_test%.lua:%d+: attempt to use a closed file$"), err)
raises("bad argument #1 to 'remove' (string expected, got no value)", function() os.remove() end)
raises("bad argument #2 to 'rename' (string expected, got nil)", function() os.rename("a", nil) end)
assert(os.remove(file))
