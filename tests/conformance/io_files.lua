-- File handles on the real filesystem: modes, read formats, lines, seek, buffering, closed
-- handles and the error triples (message and host errno) of failing calls.
local dir = assert(os.getenv("CONFORMANCE_TMP"), "CONFORMANCE_TMP not set")
local path = dir .. "/data.txt"
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    t[i] = io.type(v) and io.type(v) or math.type(v) and (math.type(v) .. ":" .. tostring(v)) or tostring(v)
  end
  print(table.concat(t, " | ", 1, t.n))
end

local f = assert(io.open(path, "w"))
show(io.type(f), f:write("line1\n", 42, " ", 3.5, "\n", "0x1F  -7.25e1 nan 12abc\n", "last"))
show(f:seek("cur"), f:seek("set", 2), f:seek("end"))
show(f:close())
show(io.type(f), tostring(f))
show(pcall(f.write, f, "x"))
show(pcall(f.read, f))
show(pcall(io.lines, dir .. "/missing"))

f = assert(io.open(path, "r"))
show(f:read("l", "L", "n", "n"))
show(f:read("n", "n", "n"))
show(f:read("l"))
show(f:read(0), f:read(2), f:read("a"), f:read("a"), f:read(0), f:read("l"), f:read("n"))
show(f:seek("set", 0), f:read(5), f:seek("cur", -2), f:read("L"))
show(pcall(f.seek, f, "bogus"))
show(f:seek("set", -1))
show(pcall(f.read, f, "x"))
f:close()

for a, b in io.lines(path, 1, "l") do show(a, b) end
for n in io.lines(path, "n") do show(n) end
local count = 0
for l in io.lines(path, "L") do count = count + #l end
show(count)

show(io.open(dir .. "/missing/x", "r"))
show(io.open(dir, "w"))
show(os.remove(dir .. "/missing"))
show(os.rename(dir .. "/missing", dir .. "/other"))
show(pcall(io.open, path, "rw"))
show(pcall(io.open, path, "r+bx"))
show(pcall(io.open, {}, "r"))
local d = assert(io.open(dir, "r"))
show(d:read(1))
d:close()

-- append and update modes
f = assert(io.open(path, "a+"))
f:write("\nappended")
show(f:seek("set", 0), f:read("l"), f:seek("end"))
f:close()
f = assert(io.open(path, "r+"))
f:write("LINE")
f:seek("set", 0)
show(f:read("l"))
f:close()
f = assert(io.open(path, "w+"))
show(f:read("a"), f:write("abc"), f:seek("set", 1), f:read(1))
f:close()

-- setvbuf and flush
f = assert(io.open(path, "w"))
show(f:setvbuf("no"), f:setvbuf("full", 16), f:setvbuf("line"), pcall(f.setvbuf, f, "bad"))
show(f:flush())
f:close()

-- io.input/io.output and the default-file forms
io.output(path)
io.write("via default output\n", 1, "\n")
io.close()
io.output(io.stdout)
io.input(path)
show(io.read("L", "n"))
io.input():close()
show(pcall(io.read))
io.input(io.stdin)
show(pcall(io.input, dir .. "/missing"))
show(pcall(io.output, {}))

-- temporary files
local t = io.tmpfile()
t:write("temp")
t:seek("set")
show(t:read("a"))
t:close()
local name = os.tmpname()
show(name:match("^/tmp/lua_%w%w%w%w%w%w$") ~= nil, io.open(name, "r") ~= nil, os.remove(name))

-- bytes survive
f = assert(io.open(path, "wb"))
f:write("a\0b\255\r\n")
f:close()
f = assert(io.open(path, "rb"))
local s = f:read("a")
show(#s, s:byte(1, -1))
f:close()
show(os.remove(path), os.remove(path))

-- a large file read in pieces: lines, seeks, the whole
local big = dir .. "/big.txt"
f = assert(io.open(big, "w"))
for i = 1, 20000 do f:write(("%05d line of text\n"):format(i)) end
f:close()
local lines, last = 0, nil
for l in io.lines(big) do lines = lines + 1 last = l end
show(lines, last)
local r = assert(io.open(big, "r"))
show(r:read(10), r:seek("set", 200000), r:read("l"), r:seek("set", 6), r:read(4))
show(r:seek("end", -19), r:read("a"))
r:close()
show(#assert(io.open(big, "rb")):read("a"), os.remove(big))
