-- json.parse / json.encode: the conversion rules of builtins.md §0.5, every error prefix,
-- int64 and byte edge cases.

local function fails(prefix, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error starting with " .. prefix)
  assert(type(err) == "string", "error must be a string")
  assert(err:find(prefix, 1, true), ("expected %q in %q"):format(prefix, err))
  return err
end

local function deep_equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then
    return a == b and math.type(a) == math.type(b)
  end
  for k, v in pairs(a) do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function enc(v, expected)
  local got = json.encode(v)
  assert(got == expected, ("json.encode: expected %s, got %s"):format(expected, got))
end

---------------------------------------------------------------------------------------------
-- encode: scalars
enc(nil, "null")
assert(json.encode() == "null")
enc(true, "true")
enc(false, "false")
enc("x", '"x"')
enc("", '""')
enc(0, "0")
enc(-1, "-1")
enc(42, "42")
enc(math.maxinteger, "9223372036854775807")
enc(math.mininteger, "-9223372036854775808")
enc((1 << 53) + 1, "9007199254740993")
enc(-(1 << 53) - 1, "-9007199254740993")
enc(1234567890123456789, "1234567890123456789")

-- floats keep .0; ryu "pretty" layout
enc(5.0, "5.0")
enc(10 / 2, "5.0")
enc(2 ^ 53 + 1, "9007199254740992.0")
enc(1e15, "1000000000000000.0")
enc(1e16, "1e16")
enc(-1e16, "-1e16")
enc(1.5e-7, "1.5e-7")
enc(9.9e-6, "9.9e-6")
enc(1e-5, "0.00001")
enc(0.0, "0.0")
enc(-0.0, "-0.0")
enc(12.34, "12.34")
enc(0.1 + 0.2, "0.30000000000000004")
enc(1.2345678901234568e17, "1.2345678901234568e17")
enc(math.pi, "3.141592653589793")
enc(-2.5, "-2.5")
enc(1e300, "1e300")
enc(5e-324, "5e-324")
enc(2.0 ^ 63, "9.223372036854776e18")

fails("json.encode: cannot encode NaN as JSON number", json.encode, 0 / 0)
fails("json.encode: cannot encode inf as JSON number", json.encode, math.huge)
fails("json.encode: cannot encode -inf as JSON number", json.encode, -math.huge)
fails("json.encode: cannot encode inf as JSON number", json.encode, { a = { 1, math.huge } })

-- strings: only " \ and control characters are escaped; / and non-ASCII are not
enc("a\"b\\c/d", '"a\\"b\\\\c/d"')
enc("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"')
enc("\0\1\31\127", '"\\u0000\\u0001\\u001f\127"')
enc("\x0b\x1a", '"\\u000b\\u001a"')
enc("é€😀", '"é€😀"')
enc("a\0b", '"a\\u0000b"')
for b = 0, 31 do
  local e = json.encode(string.char(b))
  assert(e:match('^"\\[bfnrtu]'), "control byte " .. b .. " must be escaped: " .. e)
end
for b = 32, 127 do
  local c = string.char(b)
  if c ~= '"' and c ~= "\\" then enc(c, '"' .. c .. '"') end
end

-- invalid UTF-8 raises, in values and in keys
fails("json.encode: invalid UTF-8", json.encode, "\255")
fails("json.encode: invalid UTF-8", json.encode, "ab\192\128")      -- overlong
fails("json.encode: invalid UTF-8", json.encode, "\237\160\128")    -- surrogate
fails("json.encode: invalid UTF-8", json.encode, "\226\130")        -- truncated
fails("json.encode: invalid UTF-8", json.encode, "\244\144\128\128") -- above U+10FFFF
fails("json.encode: invalid UTF-8", json.encode, "\128")
fails("json.encode: invalid UTF-8", json.encode, { ["\255"] = 1 })
fails("json.encode: invalid UTF-8", json.encode, { list = { "ok", "\200" } })
enc("\244\143\191\191", '"\244\143\191\191"')                      -- U+10FFFF is fine

-- unsupported value types
fails("json.encode: unsupported Lua type for JSON: function", json.encode, print)
fails("json.encode: unsupported Lua type for JSON: function", json.encode, { f = function() end })
fails("json.encode: unsupported Lua type for JSON: userdata", json.encode, io.stdout)
fails("json.encode: unsupported Lua type for JSON: thread", json.encode, { coroutine.create(print) })

---------------------------------------------------------------------------------------------
-- encode: tables
enc({}, "[]")
enc({ a = {} }, '{"a":[]}')
enc({ 1, 2, 3 }, "[1,2,3]")
enc({ "a", { "b", { "c" } } }, '["a",["b",["c"]]]')
enc({ b = 1, a = 2 }, '{"a":2,"b":1}')
enc({ [1] = "a", x = 1 }, '{"1":"a","x":1}')
enc({ 1, nil, 3 }, '{"1":1,"3":3}')
enc({ [2] = "b" }, '{"2":"b"}')
enc({ [0] = "z" }, '{"0":"z"}')
enc({ [-1] = "m" }, '{"-1":"m"}')
enc({ 1, 2, x = true }, '{"1":1,"2":2,"x":true}')
enc({ [1.5] = "f" }, '{"1.5":"f"}')
enc({ [math.maxinteger] = 1 }, '{"9223372036854775807":1}')
enc({ [math.mininteger] = 1 }, '{"-9223372036854775808":1}')
enc({ [10] = 1, [9] = 2, [1] = 3 }, '{"1":3,"10":1,"9":2}')
enc({ x = 1.0, y = 2 }, '{"x":1.0,"y":2}')
-- an integer key and the string of its digits make one JSON key: written once
local dup = json.encode({ [1] = "int", ["1"] = "str", [2] = "two" })
assert(dup == '{"1":"int","2":"two"}' or dup == '{"1":"str","2":"two"}', dup)
local dupf = json.encode({ [1.5] = "f", ["1.5"] = "s" })
assert(dupf == '{"1.5":"f"}' or dupf == '{"1.5":"s"}', dupf)

-- byte-wise key order: uppercase < "_" < lowercase < non-ASCII
enc({ b = 1, B = 2, _ = 3, ["é"] = 4, Z = 5, a = 6, ["a\0"] = 7 },
  '{"B":2,"Z":5,"_":3,"a":6,"a\\u0000":7,"b":1,"é":4}')

-- an array whose elements live in the hash part still encodes as an array, in index order
local h = {}
h[3] = "c"; h[1] = "a"; h[2] = "b"
enc(h, '["a","b","c"]')
local big = {}
for i = 2000, 1, -1 do big[i] = i end
assert(json.encode(big) == "[" .. table.concat(big, ",") .. "]")

-- a sequence with an extra key after it, and a table shrunk back to a sequence
local s = { 1, 2, 3 }
s.n = 3
enc(s, '{"1":1,"2":2,"3":3,"n":3}')
s.n = nil
enc(s, "[1,2,3]")

-- large object: sorted
local many, keys = {}, {}
for i = 1, 3000 do
  local k = ("key%05d"):format((i * 7919) % 3001)
  many[k] = i
  keys[#keys + 1] = k
end
table.sort(keys)
local parts = {}
for i, k in ipairs(keys) do parts[i] = ('"%s":%d'):format(k, many[k]) end
assert(json.encode(many) == "{" .. table.concat(parts, ",") .. "}")

-- metatables are ignored: raw contents only
enc(setmetatable({}, { __index = { a = 1 } }), "[]")
enc(setmetatable({ x = 1 }, { __pairs = function() error("must not be called") end }), '{"x":1}')

-- keys that cannot be encoded
fails("json.encode: unsupported table key type: boolean", json.encode, { [true] = 1 })
fails("json.encode: unsupported table key type: boolean", json.encode, { a = { [false] = 1 } })
fails("json.encode: unsupported table key type: table", json.encode, { [{}] = 1 })
fails("json.encode: unsupported table key type: function", json.encode, { [print] = 1 })

-- cycles raise; shared (acyclic) subtables are fine
local cyc = { name = "x" }
cyc.self = cyc
fails("json.encode: cannot encode a table that contains itself", json.encode, cyc)
local a, b = {}, {}
a[1] = b; b[1] = a
fails("json.encode: cannot encode a table that contains itself", json.encode, a)
local shared = { 1 }
enc({ a = shared, b = shared, c = { shared } }, '{"a":[1],"b":[1],"c":[[1]]}')

-- nesting limit
local function nest(n)
  local t = {}
  for _ = 1, n - 1 do t = { t } end
  return t
end
assert(json.encode(nest(1000)) == string.rep("[", 1000) .. string.rep("]", 1000))
fails("json.encode: nesting deeper than 1000 levels", json.encode, nest(1001))

-- the encoder recovers after errors and keeps working
enc({ ok = true }, '{"ok":true}')

---------------------------------------------------------------------------------------------
-- parse: scalars and number subtypes
local function num(text, value, mtype)
  local v = json.parse(text)
  assert(v == value and math.type(v) == mtype,
    ("json.parse(%s): expected %s %s, got %s %s"):format(text, mtype, value, math.type(v), v))
end
num("3", 3, "integer")
num("0", 0, "integer")
num("-7", -7, "integer")
num("1023", 1023, "integer")
num("1024", 1024, "integer")
num("8080", 8080, "integer")
num("-123456789012345", -123456789012345, "integer")
num("999999999999999", 999999999999999, "integer")
num("1000000000000000", 1000000000000000, "integer")
num("1.0", 1.0, "float")
num("1e2", 100.0, "float")
num("1E2", 100.0, "float")
num("1e+2", 100.0, "float")
num("-1.5e-3", -0.0015, "float")
num("0.1", 0.1, "float")
num("9223372036854775807", math.maxinteger, "integer")
num("-9223372036854775808", math.mininteger, "integer")
num("9007199254740993", (1 << 53) + 1, "integer")
num("-9007199254740993", -(1 << 53) - 1, "integer")
num("123456789012345678", 123456789012345678, "integer")
num("9223372036854775808", 2.0 ^ 63, "float")
num("-9223372036854775809", -(2.0 ^ 63), "float")
num("123456789012345678901234567890", 1.2345678901234568e29, "float")
num("1.7976931348623157e308", 1.7976931348623157e308, "float")
num("5e-324", 5e-324, "float")
num("2.2250738585072014e-308", 2.2250738585072014e-308, "float")
num("0.30000000000000004", 0.1 + 0.2, "float")
num("3.141592653589793", math.pi, "float")
num("1e-400", 0.0, "float")
num("  42  ", 42, "integer")
local negzero = json.parse("-0")
assert(math.type(negzero) == "float" and 1 / negzero == -math.huge, "-0 parses as the float -0.0")
local negzero2 = json.parse("-0.0")
assert(math.type(negzero2) == "float" and 1 / negzero2 == -math.huge)
assert(json.parse("null") == nil)
assert(select("#", json.parse("null")) == 1)
assert(json.parse("true") == true and json.parse("false") == false)
assert(json.parse('"x"') == "x")
assert(json.parse(' \t\r\n"y"\n') == "y")

-- parse: arguments follow §0.3 (numbers are strings too)
assert(json.parse(42) == 42 and math.type(json.parse(42)) == "integer")
assert(json.parse(1.5) == 1.5)
fails("json.parse: first argument must be a string", json.parse, nil)
fails("json.parse: first argument must be a string", json.parse)
fails("json.parse: first argument must be a string", json.parse, true)
fails("json.parse: first argument must be a string", json.parse, {})

-- parse: strings byte-exact
assert(json.parse('"\\"\\\\\\/\\b\\f\\n\\r\\t"') == "\"\\/\b\f\n\r\t")
assert(json.parse('"\\u00e9\\u20AC"') == "é€")
assert(json.parse('"\\ud83d\\ude00"') == "😀")
assert(json.parse('"\\u0000a\\u0000"') == "\0a\0")
assert(json.parse('"é€😀 raw"') == "é€😀 raw")
assert(json.parse('"/"') == "/")
assert(json.parse('"a\\u0041b"') == "aAb")
assert(json.parse('"\127"') == "\127")
for b = 0, 255 do
  local c = string.char(b)
  if b >= 128 then break end
  assert(json.parse(json.encode(c)) == c, "round trip of byte " .. b)
end
local long = string.rep("abc\n\"é", 20000)
assert(json.parse(json.encode(long)) == long)

-- parse: containers and nulls
local t = json.parse('{"a":1,"b":[true,false,null],"c":{"d":"e"},"n":null}')
assert(t.a == 1 and t.b[1] == true and t.b[2] == false and t.b[3] == nil and t.c.d == "e")
assert(t.n == nil)
for k in pairs(t) do assert(k ~= "n", "null members are absent") end
local holes = json.parse("[1,null,3]")
assert(holes[1] == 1 and holes[2] == nil and holes[3] == 3)
assert(#holes == 1, "# stops at the first null")
local n = 0
for _ in ipairs(holes) do n = n + 1 end
assert(n == 1)
assert(#json.parse("[null,2]") == 0)
assert(deep_equal(json.parse("[]"), {}))
assert(deep_equal(json.parse("{}"), {}))
assert(deep_equal(json.parse(' [ 1 , [ ] , { } ] '), { 1, {}, {} }))
assert(json.parse('{"a":1,"a":2}').a == 2, "a later duplicate key wins")
assert(json.parse('{"a":1,"a":null}').a == nil, "a later null removes the key")
assert(json.parse('{"1":"x"}')["1"] == "x" and json.parse('{"1":"x"}')[1] == nil, "object keys stay strings")
assert(json.parse('{"\\u0061":1}').a == 1)
local arr = json.parse("[" .. string.rep("7,", 9999) .. "7]")
assert(#arr == 10000 and arr[10000] == 7)
local bigobj = {}
for i = 1, 5000 do bigobj["k" .. i] = i end
assert(deep_equal(json.parse(json.encode(bigobj)), bigobj))

-- parse: nesting limit
assert(#json.parse(string.rep("[", 1000) .. string.rep("]", 1000)) == 1)
fails("json.parse: nesting deeper than 1000 levels", json.parse, string.rep("[", 1001) .. string.rep("]", 1001))
fails("json.parse: nesting deeper than 1000 levels", json.parse, string.rep('{"a":', 1001) .. "1" .. string.rep("}", 1001))

-- parse: errors with their position
local err = fails("json.parse: EOF while parsing a value at line 1 column 0", json.parse, "")
fails("json.parse: EOF while parsing a value", json.parse, "   ")
fails("json.parse: EOF while parsing an object", json.parse, "{")
fails("json.parse: EOF while parsing an object", json.parse, '{"a":1')
fails("json.parse: EOF while parsing a list", json.parse, "[1")
fails("json.parse: EOF while parsing a value", json.parse, "[1,")
fails("json.parse: EOF while parsing a string", json.parse, '"abc')
fails("json.parse: EOF while parsing a string", json.parse, '"abc\\')
fails("json.parse: trailing comma at line 1 column 4", json.parse, "[1,]")
fails("json.parse: trailing comma", json.parse, '{"a":1,}')
fails("json.parse: expected `:` at line 1 column 6", json.parse, '{"a" 1}')
fails("json.parse: expected `,` or `]` at line 1 column 4", json.parse, "[1 2]")
fails("json.parse: expected `,` or `}`", json.parse, '{"a":1 "b":2}')
fails("json.parse: key must be a string at line 1 column 2", json.parse, "{1:2}")
fails("json.parse: expected value at line 1 column 1", json.parse, "x")
fails("json.parse: EOF while parsing a value at line 1 column 3", json.parse, "nul")
fails("json.parse: expected value at line 1 column 4", json.parse, "nulx")
fails("json.parse: expected value", json.parse, "tru e")
fails("json.parse: expected value", json.parse, "[undefined]")
fails("json.parse: expected value", json.parse, "'single'")
fails("json.parse: expected value", json.parse, ".5")
fails("json.parse: expected value", json.parse, "+1")
fails("json.parse: expected value", json.parse, "NaN")
fails("json.parse: trailing characters at line 1 column 4", json.parse, "[1]x")
fails("json.parse: trailing characters", json.parse, "01")
fails("json.parse: trailing characters", json.parse, "1 2")
fails("json.parse: invalid number", json.parse, "-x")
fails("json.parse: invalid number", json.parse, "1.x")
fails("json.parse: invalid number", json.parse, "1ex")
fails("json.parse: EOF while parsing a value", json.parse, "1.")
fails("json.parse: EOF while parsing a value", json.parse, "-")
fails("json.parse: number out of range", json.parse, "1e400")
fails("json.parse: number out of range", json.parse, "[-1e999]")
fails("json.parse: invalid escape", json.parse, '"\\x"')
fails("json.parse: invalid escape", json.parse, '"\\u12g4"')
fails("json.parse: lone leading surrogate in hex escape", json.parse, '"\\ud800"')
fails("json.parse: lone leading surrogate in hex escape", json.parse, '"\\ud800x"')
fails("json.parse: invalid low surrogate in hex escape", json.parse, '"\\ud800\\u0041"')
fails("json.parse: lone trailing surrogate in hex escape", json.parse, '"\\udc00"')
fails("json.parse: control character (\\u0000-\\u001F) found while parsing a string", json.parse, '"a\nb"')
fails("json.parse: control character", json.parse, '"a\0b"')
fails("json.parse: expected value at line 3 column 8", json.parse, '{\n  "a": 1,\n  "b": x\n}')
fails("json.parse: EOF while parsing a value at line 2 column 5", json.parse, '[1,\n  2, ')
assert(err:find("json.parse: ", 1, true))

---------------------------------------------------------------------------------------------
-- round trips keep subtypes and bytes
local doc = {
  int = 1, float = 1.0, big = math.maxinteger, small = math.mininteger, odd = (1 << 53) + 1,
  s = "a\0b\255", -- invalid UTF-8 cannot be encoded, checked below
  list = { 1, 2.5, "three", true, { x = -0.0 } },
}
fails("json.encode: invalid UTF-8", json.encode, doc)
doc.s = "a\0b é"
local back = json.parse(json.encode(doc))
assert(deep_equal(back, doc), "round trip must keep values and subtypes")
assert(math.type(back.float) == "float" and math.type(back.int) == "integer")
assert(1 / back.list[5].x == -math.huge)
assert(json.encode(back) == json.encode(doc))
assert(json.encode(json.parse('{"b":[1,2.0,{"c":null}],"a":"x"}')) == '{"a":"x","b":[1,2.0,[]]}')

-- a generated document of many shapes survives encode -> parse -> encode unchanged
local seed = 42
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local function gen(depth)
  local kind = rand(depth > 4 and 6 or 8)
  if kind == 0 then return rand(2) == 0
  elseif kind == 1 then return rand(1000000) - 500000
  elseif kind == 2 then return (rand(1000000) - 500000) / 64
  elseif kind == 3 then
    local p = {}
    for i = 1, rand(12) do p[i] = string.char(rand(95) + 32) end
    return table.concat(p) .. "é\n"
  elseif kind == 4 then return rand(2) == 0 and math.maxinteger or math.mininteger
  elseif kind == 5 then return ""
  elseif kind == 6 then
    local a = {}
    for i = 1, rand(6) do a[i] = gen(depth + 1) end
    return a
  else
    local o = {}
    for _ = 1, rand(6) + 1 do o["k" .. rand(50)] = gen(depth + 1) end
    return o
  end
end
for _ = 1, 200 do
  local v = gen(0)
  local text = json.encode(v)
  local parsed = json.parse(text)
  assert(deep_equal(parsed, v), "round trip: " .. text)
  assert(json.encode(parsed) == text)
end

-- a collection step during a parse may run __gc metamethods that use json themselves; each call
-- keeps its own state
do
  local seen, during, parsing = 0, 0, false
  local mt = { __gc = function(o)
    local s = json.encode({ o.i, { k = "v\n" .. o.i, f = o.i + 0.5 } })
    local v = json.parse(s)
    assert(v[1] == o.i and v[2].k == "v\n" .. o.i and v[2].f == o.i + 0.5, s)
    seen = seen + 1
    if parsing then during = during + 1 end
  end }
  local items = {}
  for i = 1, 3000 do items[i] = ('{"id":%d,"name":"n\\u00e9%d","tags":["a","b"],"x":%d.5}'):format(i, i, i) end
  local text = "[" .. table.concat(items, ",") .. "]"
  local expected = json.encode(json.parse(text))
  -- Whether a cycle ends (and finalizers run) inside a parse depends on where the collector
  -- stands, which depends on everything allocated before: a fast collector that never pauses,
  -- and rounds until it has happened.
  collectgarbage("incremental", 10, 400)
  local rounds = 0
  while rounds < 5 or (during == 0 and rounds < 60) do
    rounds = rounds + 1
    for i = 1, 2000 do setmetatable({ i = i }, mt) end
    parsing = true
    local parsed = json.parse(text)
    parsing = false
    assert(json.encode(parsed) == expected, "a parse interrupted by finalizers must not change")
  end
  collectgarbage("incremental", 200, 100)
  collectgarbage()
  assert(seen == 2000 * rounds and during > 0, ("finalizers: %d, during parses: %d"):format(seen, during))
end

-- integers too large for a double are out of range, like other numbers
fails("json.parse: number out of range at line 1 column 2", json.parse, "[1" .. string.rep("0", 400) .. "]")

-- a large document's first parse and encode (the codec is primed then) give the usual results
do
  local items = {}
  for i = 1, 2000 do
    items[i] = ('{"name":"pod-%d","ip":"10.0.%d.%d","ready":%s,"cpu":%d.25,"labels":{"app":"a%d"}}')
      :format(i, i // 256, i % 256, i % 2 == 0 and "true" or "false", i, i % 7)
  end
  local text = '{"kind":"List","items":[' .. table.concat(items, ",") .. ']}'
  assert(#text > 64 * 1024)
  local doc = json.parse(text)
  assert(#doc.items == 2000 and doc.items[2000].cpu == 2000.25 and doc.items[7].labels.app == "a0")
  local out = json.encode(doc)
  assert(out:sub(1, 60) == '{"items":[{"cpu":1.25,"ip":"10.0.0.1","labels":{"app":"a1"},', out:sub(1, 60))
  assert(json.encode(json.parse(out)) == out)
end

-- json is available in the pure profile too (checked by the CLI tests); here: no decode alias
assert(json.decode == nil)

-- beyond the reference: shape marks, json.null, pretty output
assert(json.encode(json.object({})) == "{}", "an empty table marked as an object")
assert(json.encode(json.object()) == "{}", "json.object() makes a new table")
assert(json.encode(json.array({})) == "[]")
assert(json.encode({}) == "[]", "unmarked tables keep the spec's rule")
assert(json.encode(json.object({ 1, 2 })) == '{"1":1,"2":2}', "a sequence marked as an object")
local marked = { list = json.array({ 3, 2 }), meta = json.object({}) }
assert(json.encode(marked) == '{"list":[3,2],"meta":{}}')
local same = {}
assert(json.object(same) == same, "json.object returns its argument")
setmetatable(same, { __index = function() return 1 end })
assert(json.encode(same) == "{}", "a metatable does not hide the mark")
fails("json.encode: a table marked with json.array has keys other than 1..n", json.encode, json.array({ x = 1 }))
fails("json.encode: a table marked with json.array has keys other than 1..n (at .a)", json.encode, { a = json.array({ [2] = 1 }) })
fails("json.object: first argument must be a table or nil", json.object, "x")
fails("json.array: first argument must be a table or nil", json.array, 1)

assert(type(json.null) == "userdata")
assert(json.encode(json.null) == "null")
assert(json.encode({ 1, json.null, 3 }) == "[1,null,3]", "json.null keeps an array's length")
assert(json.encode({ a = json.null }) == '{"a":null}')
local kept = json.parse("[1,null,3]", { null = json.null })
assert(#kept == 3 and kept[2] == json.null and json.encode(kept) == "[1,null,3]")
local obj = json.parse('{"a":null,"b":{"c":null}}', { null = json.null })
assert(obj.a == json.null and obj.b.c == json.null)
assert(json.parse("null", { null = json.null }) == json.null)
assert(json.parse("[1,null]", {})[2] == nil, "without the option null stays nil")
fails("json.parse: opts.null must be json.null or nil", json.parse, "1", { null = false })
fails("json.parse: second argument must be an options table or nil", json.parse, "1", "x")

assert(json.encode({ b = { x = 1, y = {} }, a = "é" }, { pretty = true }) ==
  '{\n  "a": "é",\n  "b": {\n    "x": 1,\n    "y": []\n  }\n}')
assert(json.encode({ 1, { "a,b", "[c]" } }, { indent = 4 }) == '[\n    1,\n    [\n        "a,b",\n        "[c]"\n    ]\n]',
  "indent implies pretty; brackets and commas inside strings stay text")
assert(json.encode({ 1 }, { pretty = false }) == "[1]")
assert(json.encode({ k = '\\"{' }, { pretty = true }) == '{\n  "k": "\\\\\\"{"\n}', "escapes inside strings")
assert(json.encode(json.object(), { pretty = true }) == "{}")
fails("json.encode: opts.indent must be an integer from 0 to 16", json.encode, {}, { indent = 2.5 })
fails("json.encode: opts.pretty must be a boolean", json.encode, {}, { pretty = 1 })
fails("json.encode: second argument must be an options table or nil", json.encode, {}, 2)

-- conversion errors name the path inside the value
fails("json.encode: unsupported Lua type for JSON: function (at .spec.handler)", json.encode, { spec = { handler = print } })
fails("json.encode: cannot encode NaN as JSON number (at .a[2])", json.encode, { a = { 1, 0 / 0 } })
fails("json.encode: unsupported Lua type for JSON: thread (at [1])", json.encode, { coroutine.create(print) })
