-- An uncaught error exits 1; what was written before it still reaches stdout.
io.write("written before the error")
local t = nil
print(t.field)
