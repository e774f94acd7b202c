-- io.popen in both modes: a genuine file handle, close() reporting how the command ended
-- (true|nil, "exit"|"signal", n), lines/read formats, <close> and garbage collection.
local T = require("lib.testlib")
local dir = T.scratch()
local same = T.same

-- read mode
local p = assert(io.popen("printf 'a\\nb\\n3 4.5\\n'"))
assert(io.type(p) == "file")
assert(tostring(p):match("^file %(0x%x+%)$"))
same({ "a" }, p:read("l"))
same({ "b\n" }, p:read("L"))
same({ 3, 4.5 }, p:read("n", "n"))
same({ "\n" }, p:read("a"))
same({ true, "exit", 0 }, p:close())
assert(io.type(p) == "closed file")
same({ nil, "exit", 3 }, io.popen("exit 3"):close())
same({ nil, "exit", 127 }, io.popen("nonexistent-command-xyz 2>/dev/null"):close())
same({ nil, "signal", 9 }, io.popen("kill -KILL $$"):close())
same({ nil, "signal", 15 }, io.popen("kill -TERM $$"):close())
local lines = {}
for l in io.popen("seq 3"):lines() do lines[#lines + 1] = l end
same({ "1", "2", "3" }, table.unpack(lines))
same({ "\0\255" }, io.popen("printf '\\000\\377'"):read("a"))
-- the child's environment is the script's
same({ os.getenv("ASSAY_TEST_TMP") .. "\n" }, io.popen("echo $ASSAY_TEST_TMP"):read("a"))

-- write mode: the command reads what was written, at close
local out = dir .. "/popen.txt"
p = assert(io.popen("cat > " .. out, "w"))
assert(io.type(p) == "file")
assert(p:write("one\n", 2, "\n") == p)
same({ true, "exit", 0 }, p:close())
local f = assert(io.open(out))
same({ "one\n2\n" }, f:read("a"))
f:close()
p = io.popen("cat > /dev/null; exit 5", "w")
p:write("ignored")
same({ nil, "exit", 5 }, io.close(p))
do
  local q <close> = io.popen("cat > " .. out, "w")
  q:write("closed by <close>")
end
f = assert(io.open(out))
same({ "closed by <close>" }, f:read("a"))
f:close()
-- an unreferenced handle is closed (and its command run) by the collector
io.popen("cat > " .. out, "w"):write("by gc")
collectgarbage()
collectgarbage()
f = assert(io.open(out))
same({ "by gc" }, f:read("a"))
f:close()

-- argument errors, with Lua's wording
local ok, err = pcall(io.popen, "true", "rw")
assert(not ok and err == "bad argument #2 to 'io.popen' (invalid mode)", err)
ok, err = pcall(function() io.popen("true", "r+") end)
assert(not ok and err:match("^[^:]*io_popen_test%.lua:%d+: bad argument #2 to 'popen' %(invalid mode%)$"), err)
ok, err = pcall(function() io.popen() end)
assert(not ok and err:match("bad argument #1 to 'popen' %(string expected, got no value%)$"), err)
assert(os.remove(out))
