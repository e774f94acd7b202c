-- Child processes: os.execute and io.popen results, and how their output interleaves with
-- the script's own (print flushes; io.write is buffered when stdout is not a terminal;
-- popen flushes every stream first, os.execute does not).
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " | ", 1, t.n))
end

show(os.execute())
show(os.execute("exit 0"))
show(os.execute("exit 3"))
show(os.execute("exit 255"))
show(os.execute("kill -TERM $$"))
show(os.execute("kill -KILL $$"))
show(os.execute("echo from execute"))
show(os.execute("nonexistent-command-xyz 2>/dev/null"))
show(pcall(os.execute, {}))

io.write("buffered before execute\n")
os.execute("echo child of execute")
print("printed")
os.execute("echo second child")

local p = assert(io.popen("echo one; echo two; printf 'three'"))
show(io.type(p))
show(p:read("l"))
show(p:read("L"))
show(p:read("a"))
show(p:read("a"), p:read("l"))
show(p:close())
show(io.type(p), pcall(p.read, p))

p = io.popen("exit 7")
show(p:read("a"), p:close())
p = io.popen("kill -9 $$")
show(p:close())
p = io.popen("printf '1 2 3\\n4'")
show(p:read("n", "n", "n", "n", "n"))
p:close()
for l in io.popen("printf 'a\\nb\\n'"):lines() do show("line", l) end
show(pcall(io.popen, "true", "rw"))
show(pcall(io.popen, "true", "r+"))
show(pcall(io.popen))

io.write("written before popen\n")
p = io.popen("cat", "w")
show(io.type(p))
p:write("to cat 1\n")
p:write("to cat ", 2, "\n")
show(p:close())
p = io.popen("cat > /dev/null; exit 4", "w")
p:write("x")
show(p:close())
p = io.popen("tr a-z A-Z", "w")
p:write("upper\n")
show(io.close(p))
local closed
do
  local q <close> = io.popen("cat", "w")
  q:write("closed by <close>\n")
  closed = q
end
show(io.type(closed))
io.write("done\n")
