-- load, loadfile and dofile in the full profile: source as luaL_loadfilex reads it,
-- environments, modes, and a dofile'd file whose top level waits on an async builtin.
local dir = require("lib.testlib").scratch()
local function write(name, data)
  local path = dir .. "/" .. name
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  return path
end

-- source quirks: a BOM and a first '#' line are skipped, the line still counted
assert(dofile(write("bom.lua", "\239\187\191return 'bom'")) == "bom")
assert(dofile(write("hash.lua", "#!/usr/bin/env assay\nreturn debug.getinfo(1, 'l').currentline")) == 2)
local f = assert(loadfile(write("name.lua", "return debug.getinfo(1, 'S').source")))
assert(f() == "@" .. dir .. "/name.lua")
local ok, err = pcall(dofile, write("err.lua", "\n\nerror('third line')"))
assert(not ok and err == dir .. "/err.lua:3: third line", err)
-- bytes are bytes
assert(dofile(write("bytes.lua", "return '\0\255'")) == "\0\255")

-- loadfile's environment and mode arguments
assert(loadfile(write("env.lua", "return v"), "t", { v = 7 })() == 7)
local fn, msg = loadfile(dir .. "/env.lua", "b")
assert(fn == nil and msg:match("attempt to load a text chunk %(mode is 'b'%)"), msg)
fn, msg = loadfile(dir .. "/missing.lua")
assert(fn == nil and msg == "cannot open " .. dir .. "/missing.lua: No such file or directory", msg)
ok, err = pcall(dofile, dir .. "/missing.lua")
assert(not ok and err == "cannot open " .. dir .. "/missing.lua: No such file or directory", err)
fn, msg = loadfile(write("syntax.lua", "return return"))
assert(fn == nil and msg:match("syntax%.lua:1: unexpected symbol near 'return'$"), msg)

-- binary chunks load in the full profile, from strings and files
local dumped = string.dump(function(a) return a + 1 end)
assert(load(dumped)(1) == 2)
write("chunk.luac", dumped)
assert(loadfile(dir .. "/chunk.luac")(41) == 42)
fn, msg = load(dumped, "bin", "t")
assert(fn == nil and msg:match("attempt to load a binary chunk %(mode is 't'%)"), msg)

-- dofile's file may wait on the scheduler at its top level, and returns its values
local path = write("async.lua", "sleep(0.01)\nreturn 'slept', select('#', ...)")
local a, b = dofile(path)
assert(a == "slept" and b == 0)
local co = coroutine.wrap(function() return dofile(path) end)
assert(co() == "slept")
ok, a = pcall(dofile, path)
assert(ok and a == "slept")
