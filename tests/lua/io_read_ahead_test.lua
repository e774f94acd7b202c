-- Reading regular files goes through a read-ahead window (host-syscalls.ts); whatever this VM
-- writes, through any handle, is what it reads back afterwards.
local T = require("lib.testlib")
local path = T.scratch() .. "/read_ahead.txt"

local f = assert(io.open(path, "w"))
for i = 1, 20000 do f:write(("%05d line of text\n"):format(i)) end
f:close()

local r = assert(io.open(path, "r"))
assert(r:read(10) == "00001 line")
-- another handle rewrites a part the reader has already fetched ahead
local w = assert(io.open(path, "r+"))
w:seek("set", 19)
w:write("XXXXX")
w:close()
r:seek("set", 19)
assert(r:read(5) == "XXXXX", "the reader sees the write")
-- a write far beyond the window, then reading there
w = assert(io.open(path, "r+"))
w:seek("set", 300000)
w:write("FAR")
w:close()
r:seek("set", 300000)
assert(r:read(3) == "FAR")
-- the file replaced under the same name: a new handle reads the new content
r:close()
f = assert(io.open(path, "w"))
f:write("short")
f:close()
assert(io.open(path):read("a") == "short")
-- append mode, then read back through a handle opened earlier
r = assert(io.open(path, "r"))
assert(r:read(2) == "sh")
local a = assert(io.open(path, "a"))
a:write(" and more")
a:close()
assert(r:read("a") == "ort and more")
r:close()
assert(os.remove(path))
