-- assay.inspect, the embedded table pretty-printer.
local inspect = require("assay.inspect")

local function eq(got, want)
  if got ~= want then error(("inspect output differs\n--- got:\n%s\n--- want:\n%s"):format(got, want), 2) end
end

-- Callable module and inspect.inspect are the same function.
eq(inspect({ 1 }), inspect.inspect({ 1 }))

-- Scalars: integer and float visible, exact floats, specials as Lua expressions.
eq(inspect(nil), "nil")
eq(inspect(true), "true")
eq(inspect(1), "1")
eq(inspect(1.0), "1.0")
eq(inspect(-0.0), "-0.0")
eq(inspect(0.1 + 0.2), "0.30000000000000004")
eq(inspect(1e100), "1e+100")
eq(inspect(2 ^ 53), "9007199254740992.0")
eq(inspect(2 ^ 63), "9.2233720368547758e+18")
eq(inspect(math.maxinteger), "9223372036854775807")
eq(inspect(math.mininteger), "math.mininteger")
eq(inspect(1 / 0), "math.huge")
eq(inspect(-1 / 0), "-math.huge")
eq(inspect(0 / 0), "0/0")
assert(load("return " .. inspect(2 ^ 63))() == 2 ^ 63, "floats read back exactly")

-- Strings: quoted, escapes for control bytes and invalid UTF-8, valid UTF-8 kept.
eq(inspect("plain"), '"plain"')
eq(inspect('q"\\'), '"q\\"\\\\"')
eq(inspect("a\nb\tc\r\0\1\127"), '"a\\nb\\tc\\r\\x00\\x01\\x7F"')
eq(inspect("h\xC3\xA9llo \xE2\x82\xAC"), '"h\xC3\xA9llo \xE2\x82\xAC"')
eq(inspect("bad \xFF\xC3 \xE2\x82"), '"bad \\xFF\\xC3 \\xE2\\x82"')
eq(inspect("\xED\xA0\x80"), '"\\xED\\xA0\\x80"') -- a UTF-16 surrogate is not valid UTF-8
local all = {}
for b = 0, 255 do all[#all + 1] = string.char(b) end
all = table.concat(all)
assert(load("return " .. inspect(all))() == all, "every byte survives a round trip")

-- Tables: array part first, then keys sorted by type (numbers, strings, booleans) and value.
eq(inspect({}), "{}")
eq(inspect({ 1, 2, 3 }), "{ 1, 2, 3 }")
eq(inspect({ b = 1, a = 2, [3] = "x", [1] = "y", [true] = 0, [false] = 1, [2.5] = 1, ["not id"] = 1, ["end"] = 1 },
  { width = 120 }), '{ "y", [2.5] = 1, [3] = "x", a = 2, b = 1, ["end"] = 1, ["not id"] = 1, [false] = 1, [true] = 0 }')
eq(inspect({ 1, nil, 3 }), "{ 1, [3] = 3 }")

-- Nesting: one line while it fits in `width`, otherwise indented; short array items share lines.
local doc = {
  name = "web",
  replicas = 3,
  ratio = 0.5,
  labels = { app = "web", tier = "frontend" },
  ports = { { port = 80, protocol = "TCP" }, { port = 443, protocol = "TCP" } },
  env = {},
}
eq(inspect(doc), [[
{
  env = {},
  labels = { app = "web", tier = "frontend" },
  name = "web",
  ports = { { port = 80, protocol = "TCP" }, { port = 443, protocol = "TCP" } },
  ratio = 0.5,
  replicas = 3
}]])
eq(inspect(doc, { width = 40 }), [[
{
  env = {},
  labels = {
    app = "web",
    tier = "frontend"
  },
  name = "web",
  ports = {
    { port = 80, protocol = "TCP" },
    { port = 443, protocol = "TCP" }
  },
  ratio = 0.5,
  replicas = 3
}]])
eq(inspect({ a = { b = { 1 } }, c = {} }, { width = 0, indent = "\t" }), "{\n\ta = {\n\t\tb = {\n\t\t\t1\n\t\t}\n\t},\n\tc = {}\n}")
local nums = {}
for i = 1, 30 do nums[i] = i * 1000 end
eq(inspect(nums), [[
{
  1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000,
  13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000, 21000, 22000, 23000,
  24000, 25000, 26000, 27000, 28000, 29000, 30000
}]])

-- Depth: deeper tables read {...} (empty ones stay {}).
local deep = { a = { b = { c = { d = 1 } } }, e = {} }
eq(inspect(deep, { depth = 2 }), "{ a = { b = {...} }, e = {} }")
eq(inspect(deep, { depth = 0 }), "{...}")
eq(inspect(deep, { depth = 1 }), "{ a = {...}, e = {} }")

-- Cycles and shared tables: labelled once, referenced after, numbered in output order.
local t = { name = "root" }
t.self = t
eq(inspect(t), '<1>{ name = "root", self = <table 1> }')
local shared = { 1 }
eq(inspect({ x = shared, y = shared, z = { shared } }), "{ x = <1>{ 1 }, y = <table 1>, z = { <table 1> } }")
local a, b = {}, {}
a.b, b.a = b, a
eq(inspect({ a, b }), "{ <1>{ b = <2>{ a = <table 1> } }, <table 2> }")

-- Other values are numbered by kind in order of appearance.
local f, g = function() end, function() end
eq(inspect({ f, g, f, coroutine.create(f) }), "{ <function 1>, <function 2>, <function 1>, <thread 1> }")
eq(inspect(io.stdout), "<FILE* 1>")

-- Table keys are rendered too.
eq(inspect({ [{ 1 }] = "k" }), '{ [{ 1 }] = "k" }')

-- Metatables only when asked; __tostring/__pairs/__index never change the output.
local obj = setmetatable({ v = 1 }, { __index = function() return "x" end, __tostring = function() return "OBJ" end })
eq(inspect(obj), "{ v = 1 }")
eq(inspect(setmetatable({}, { __name = "Point" }), { metatables = true }), '{ <metatable> = { __name = "Point" } }')

-- Option errors name the option.
local function fails(...)
  local ok, err = pcall(inspect, ...)
  assert(not ok)
  return err
end
assert(fails(1, 5) == "inspect: opts must be a table, got number")
assert(fails(1, { depth = -1 }) == "inspect: opts.depth must be a number >= 0")
assert(fails(1, { indent = 2 }) == "inspect: opts.indent must be a string")
assert(fails(1, { width = 1.5 }) == "inspect: opts.width must be an integer >= 0")
local line = debug.getinfo(1, "l").currentline + 1
local ok, err = pcall(function() inspect(1, 5) end)
assert(not ok and err == ("tests/lua/require_inspect_test.lua:%d: inspect: opts must be a table, got number"):format(line), err)

-- A large document stays fast enough for debugging output.
local big = {}
for i = 1, 20000 do big[i] = { id = i, name = "item" .. i, tags = { "a", "b" } } end
local started = os.clock()
local text = inspect(big)
assert(#text > 20000 * 30 and os.clock() - started < 5)
