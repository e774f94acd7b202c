-- Reading the standard input from a pipe (see stdin_read.stdin): every read format, numbers
-- in the forms C's strtod accepts, lines with and without the newline, and EOF.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    t[i] = math.type(v) and (math.type(v) .. ":" .. tostring(v)) or tostring(v)
  end
  print(table.concat(t, " | ", 1, t.n))
end
show(io.read())
show(io.read("L"))
show(io.read("n", "n", "n", "n"))
show(io.read("n"))
show(io.read("l"))
show(io.read(3), io.read(0))
show(io.stdin:read("l"))
for line in io.lines() do
  show("line", line, #line)
  if line == "stop" then break end
end
show(io.read("a"))
show(io.read("a"), io.read("l"), io.read(0), io.read("n"))
local pos, _, code = io.stdin:seek("cur")
show(pos, code) -- (the message differs: glibc says "Illegal seek", musl "Invalid seek")
