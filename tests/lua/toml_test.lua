-- toml.parse / toml.encode: TOML 1.0 with exact integers, floats kept floats, date-times as
-- the reference's marker tables, sorted output with section headers, and every error path.
local t = require("lib.testlib")
local DT = "$__toml_private_datetime"

local same = t.deep_same

local doc = toml.parse([==[
# a comment
title = "TOML"
int = 42
neg = -17
under = 1_000
hex = 0xDEAD_beef
oct = 0o755
bin = 0b1101
max = 9223372036854775807
min = -9223372036854775808
big = 9007199254740993
float = 1.0
frac = 3.14
exp = 5e+22
zero = -0.0
inf = inf
ninf = -inf
nan = nan
yes = true
literal = 'C:\path'
multi = """
one
two"""
escapes = "tab\tquote\"uni\u00e9"
arr = [1, 2, 3]
mixed = [1, "a", [true]]
inline = { x = 1, y = { z = "deep" } }
dotted.key = "v"
"quoted key" = 1

[server]
host = "localhost"

[server.tls]
enabled = false

[[products]]
name = "Hammer"

[[products]]
name = "Nail"
[[products.sizes]]
mm = 2
]==])
assert(doc.title == "TOML" and doc.int == 42 and doc.neg == -17 and doc.under == 1000)
assert(doc.hex == 0xDEADBEEF and doc.oct == 493 and doc.bin == 13)
for _, k in ipairs({ "int", "hex", "max", "min", "big" }) do assert(math.type(doc[k]) == "integer", k) end
assert(doc.max == math.maxinteger and doc.min == math.mininteger and tostring(doc.big) == "9007199254740993")
assert(math.type(doc.float) == "float" and doc.float == 1.0 and doc.frac == 3.14 and doc.exp == 5e22)
assert(math.type(doc.zero) == "float" and 1 / doc.zero == -math.huge)
assert(doc.inf == math.huge and doc.ninf == -math.huge and doc.nan ~= doc.nan)
assert(doc.yes == true and doc.literal == "C:\\path" and doc.multi == "one\ntwo")
assert(doc.escapes == 'tab\tquote"uni\u{e9}')
same(doc.arr, { 1, 2, 3 })
same(doc.mixed, { 1, "a", { true } })
same(doc.inline, { x = 1, y = { z = "deep" } })
assert(doc.dotted.key == "v" and doc["quoted key"] == 1)
same(doc.server, { host = "localhost", tls = { enabled = false } })
same(doc.products, { { name = "Hammer" }, { name = "Nail", sizes = { { mm = 2 } } } })
same(toml.parse(""), {})
same(toml.parse("# only a comment\n"), {})

-- date-times: the reference's marker table, with the text its toml crate prints
local dates = toml.parse([[
odt1 = 1979-05-27T07:32:00Z
odt2 = 1979-05-27T00:32:00-07:00
odt3 = 1979-05-27T00:32:00.999999-07:00
odt4 = 1979-05-27 07:32:00Z
odt5 = 1979-05-27t07:32:00z
odt6 = 1979-05-27T07:32:00-00:00
odt7 = 1979-05-27T07:32:00+05:30
ldt1 = 1979-05-27T07:32:00
ldt2 = 1979-05-27T00:32:00.999999
ldt3 = 1979-05-27T00:32:00.500
ldt4 = 1979-05-27T00:32:00.000
ldt5 = 1979-05-27T00:32:00.123456789123
ld1 = 1979-05-27
lt1 = 07:32:00
lt2 = 00:32:00.999999
leap = 2016-12-31T23:59:60Z
feb29 = 2024-02-29
list = [1979-05-27, 07:32:00]
]])
local texts = {
  odt1 = "1979-05-27T07:32:00Z", odt2 = "1979-05-27T00:32:00-07:00", odt3 = "1979-05-27T00:32:00.999999-07:00",
  odt4 = "1979-05-27T07:32:00Z", odt5 = "1979-05-27T07:32:00Z", odt6 = "1979-05-27T07:32:00+00:00",
  odt7 = "1979-05-27T07:32:00+05:30", ldt1 = "1979-05-27T07:32:00", ldt2 = "1979-05-27T00:32:00.999999",
  ldt3 = "1979-05-27T00:32:00.5", ldt4 = "1979-05-27T00:32:00", ldt5 = "1979-05-27T00:32:00.123456789",
  ld1 = "1979-05-27", lt1 = "07:32:00", lt2 = "00:32:00.999999", leap = "2016-12-31T23:59:60Z", feb29 = "2024-02-29",
}
for k, text in pairs(texts) do same({ [DT] = text }, dates[k], k) end
same(dates.list, { { [DT] = "1979-05-27" }, { [DT] = "07:32:00" } })
-- TOML 1.1 (which smol-toml reads) lets seconds be left out; the text has them
same(toml.parse("t = 07:32\n").t, { [DT] = "07:32:00" })

-- parse errors name line and column
t.raises("toml.parse: invalid value at line 2, column 5", toml.parse, "a = 1\nb = \n")
local ok, err = pcall(toml.parse, "a = 1\na = 2\n")
assert(not ok and err:find("^toml%.parse: .* at line 2, column %d+$"), err)
ok, err = pcall(toml.parse, "[t]\nx = 1\n[t]\n")
assert(not ok and err:find("^toml%.parse: .* at line 3, column %d+$"), err)
t.raises('toml.parse: day out of range in "2023-02-29" at line 1, column 5', toml.parse, "d = 2023-02-29\n")
t.raises('toml.parse: month out of range in "2023-13-01" at line 1, column 5', toml.parse, "d = 2023-13-01\n")
ok, err = pcall(toml.parse, "d = 1979-05-27T24:00:00\n")
assert(not ok and err:find("^toml%.parse: .* at line 1, column 5$"), err)
t.raises('toml.parse: minute out of range in "07:60:00" at line 2, column 5', toml.parse, "a = 1\nt = 07:60:00\n")
t.raises("toml.parse: integer 9223372036854775808 does not fit in 64 bits", toml.parse, "a = 9223372036854775808\n")
ok, err = pcall(toml.parse, 'a = "unterminated\n')
assert(not ok and err:find("^toml%.parse: .* at line 1, column %d+$"), err)
t.raises("toml.parse: first argument must be a string", toml.parse)
t.raises("toml.parse: first argument must be a string", toml.parse, { "a = 1" })
t.raises("toml.parse: first argument must be valid UTF-8 text", toml.parse, "a = '\255'")

-- encode: sorted keys, plain values first, then sections, arrays of tables
local out = toml.encode({
  title = "x",
  b = 2,
  a = 1.0,
  B = 10 / 2,
  big = math.maxinteger,
  server = { port = 8080, tls = { on = true } },
  empty = json.object({}),
  list = {},
  items = { { n = 1 }, { n = 2, sub = { { z = 1 } } } },
  when = { [DT] = "1979-05-27 07:32:00z" },
})
assert(out == [==[
B = 5.0
a = 1.0
b = 2
big = 9223372036854775807
list = []
title = "x"
when = 1979-05-27T07:32:00Z

[empty]

[[items]]
n = 1

[[items]]
n = 2

[[items.sub]]
z = 1

[server]
port = 8080

[server.tls]
on = true
]==], out)

-- keys that are not bare are quoted; strings are escaped the TOML way
assert(toml.encode({ ["a b"] = 1, ["a.b"] = 2, [""] = 3, ["é"] = 4, ok_key = 5 }) ==
  '"" = 3\n"a b" = 1\n"a.b" = 2\nok_key = 5\n"é" = 4\n')
assert(toml.encode({ s = 'q"b\\n\n\t\r\1\127é' }) == 's = "q\\"b\\\\n\\n\\t\\r\\u0001\\u007fé"\n')
assert(toml.encode({ t = { ["x y"] = { z = 1 } } }) == '[t."x y"]\nz = 1\n')
-- inline: arrays of mixed values, tables inside arrays, floats as json prints them
assert(toml.encode({ a = { 1, "two", { k = 3 }, { 4.0 } } }) == 'a = [1, "two", { k = 3 }, [4.0]]\n')
assert(toml.encode({ f = { 0.1, 1e16, 1.5e-7, -0.0 } }) == "f = [0.1, 1e16, 1.5e-7, -0.0]\n")
assert(toml.encode({ e = { json.object({}), 1 } }) == "e = [{}, 1]\n")
-- byte-wise key order, not UTF-16 order
assert(toml.encode({ ["\u{1F600}"] = 1, ["\u{FF5E}"] = 2 }) == '"\u{FF5E}" = 2\n"\u{1F600}" = 1\n')
-- json.null: absent from tables (as nil), refused in arrays
assert(toml.encode({ a = json.null, b = 1 }) == "b = 1\n")
-- an empty document
assert(toml.encode(json.object({})) == "")
assert(toml.encode({ t = json.object({}) }) == "[t]\n")

-- the top level must be a table with string keys
t.raises("toml.encode: the top level must be a table with string keys, not an array (an empty table is one: use json.object({}) for an empty document)", toml.encode, {})
t.raises("toml.encode: the top level must be a table with string keys, not an array (an empty table is one: use json.object({}) for an empty document)", toml.encode, { 1, 2 })
t.raises("toml.encode: the top level must be a table with string keys, not a string", toml.encode, "x")
t.raises("toml.encode: the top level must be a table with string keys, not a number", toml.encode, 1.5)
t.raises("toml.encode: the top level must be a table with string keys, not nil", toml.encode, nil)
t.raises("toml.encode: the top level must be a table with string keys, not nil", toml.encode)
-- values TOML (or JSON first) cannot hold, with their path
t.raises("toml.encode: unsupported Lua type for JSON: function (at .spec.handler)", toml.encode, { spec = { handler = print } })
t.raises("toml.encode: cannot encode NaN as JSON number (at .a[2])", toml.encode, { a = { 1, 0 / 0 } })
t.raises("toml.encode: cannot encode inf as JSON number (at .t.x)", toml.encode, { t = { x = math.huge } })
t.raises("toml.encode: TOML has no null: an array cannot hold json.null (at .a[2])", toml.encode, { a = { 1, json.null } })
t.raises("toml.encode: invalid UTF-8 in string at byte 3 (at .items[2].s)", toml.encode, { items = { { s = "x" }, { s = "ab\255" } } })
t.raises('toml.encode: invalid date-time "yesterday" (at .when)', toml.encode, { when = { [DT] = "yesterday" } })
t.raises('toml.encode: day out of range in "2023-02-30" (at .d[1])', toml.encode, { d = { { [DT] = "2023-02-30" } } })
t.raises('toml.encode: a local time cannot have an offset in "07:32:00Z" (at .t)', toml.encode, { t = { [DT] = "07:32:00Z" } })
-- the date-time check refuses every malformed form
for _, bad in ipairs({ "", "1979", "1979-05-2", "1979-05-27X", "1979-05-27T", "1979-05-27T07", "1979-05-27T07:3",
  "1979-05-27T07:32:0", "1979-05-27T07:32:00.", "1979-05-27T07:32:00+5:00", "1979-05-27T07:32:00+05", "1979-05-27T07:32:00Zx",
  "1979-05-27T07:32:00+05:00x", "07:32:00-01:00", "7:32:00", "07-32-00", "T07:32:00", "1979/05/27", "1979-05-27t07:32:00 " }) do
  local ok3, e = pcall(toml.encode, { t = { [DT] = bad } })
  assert(not ok3 and e:find("toml.encode: ", 1, true) and e:find("(at .t)", 1, true), ("%q: %s"):format(bad, e))
end
for _, case in ipairs({ { "1979-05-27t07:32", "1979-05-27T07:32:00" }, { "1979-05-27 07:32:00.1000Z", "1979-05-27T07:32:00.1Z" },
  { "2000-02-29T00:00:00-00:00", "2000-02-29T00:00:00+00:00" }, { "23:59:60.0", "23:59:60" } }) do
  assert(toml.encode({ t = { [DT] = case[1] } }) == "t = " .. case[2] .. "\n", case[1])
end
t.raises('toml.encode: offset out of range in "1979-05-27T07:32:00+24:00" (at .t)', toml.encode, { t = { [DT] = "1979-05-27T07:32:00+24:00" } })
t.raises('toml.encode: second out of range in "07:32:61" (at .t)', toml.encode, { t = { [DT] = "07:32:61" } })
t.raises('toml.encode: day out of range in "1900-02-29" (at .t)', toml.encode, { t = { [DT] = "1900-02-29" } })
t.raises("toml.encode: unsupported table key type: boolean (at .x)", toml.encode, { x = { [true] = 1 } })

-- round trips of generated documents
local seed = 4242
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local pieces = { "", " ", "a", "key", "x.y", "'", '"', '"""', "'''", "\\", "\n", "\r\n", "\t", "\1", "\127", "é",
  "\u{1F600}", "\u{FEFF}", "#", "=", "[", "]]", "{", "}", ",", "true", "1", "inf", "nan", "1979-05-27", "$" }
local function gen_string()
  local parts = {}
  for _ = 1, rand(4) do parts[#parts + 1] = pieces[rand(#pieces) + 1] end
  return table.concat(parts)
end
local numbers = { 0, 1, -1, 42, math.maxinteger, math.mininteger, 9007199254740993, 0.0, -0.0, 1.0, 0.5, -2.5,
  1e16, 1e-7, 1.5e300, 1 / 3, 5e-324, 2 ^ 63 }
local datetimes = { "1979-05-27T07:32:00Z", "1979-05-27T00:32:00.999999-07:00", "1979-05-27T07:32:00+00:00",
  "2000-02-29T23:59:60", "1979-05-27", "00:00:00.000000001", "23:59:59" }
local gen
local function gen_table(depth)
  local out = rand(3) == 0 and json.object({}) or {}
  for _ = 1, rand(5) + (depth == 0 and 1 or 0) do out[gen_string() .. "k"] = gen(depth + 1) end
  return out
end
function gen(depth)
  local kind = rand(depth > 3 and 5 or 8)
  if kind == 0 then return gen_string() end
  if kind == 1 then return numbers[rand(#numbers) + 1] end
  if kind == 2 then return rand(2) == 0 end
  if kind == 3 then return { [DT] = datetimes[rand(#datetimes) + 1] } end
  if kind == 4 then
    local out = {}
    for i = 1, rand(4) do out[i] = rand(2) == 0 and numbers[rand(#numbers) + 1] or gen_string() end
    return out
  end
  if kind == 5 then
    local out = {}
    for i = 1, rand(3) + 1 do out[i] = gen_table(depth + 1) end
    return out
  end
  if kind == 6 then
    local out = {}
    for i = 1, rand(3) do out[i] = gen(depth + 1) end
    return out
  end
  return gen_table(depth)
end
for i = 1, 400 do
  local value = gen_table(0)
  local text = toml.encode(value)
  local ok2, back = pcall(toml.parse, text)
  assert(ok2, ("round trip %d: %s\n%s"):format(i, back, text))
  same(value, back, "round trip " .. i)
end
