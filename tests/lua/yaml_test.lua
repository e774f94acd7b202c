-- yaml.parse / parse_all / encode / encode_all: YAML 1.2 core schema, exact numbers, sorted
-- keys, quoting that reads back, and every error path.
local t = require("lib.testlib")

local same = t.deep_same

-- core schema: booleans are only true/false, YAML 1.1 words stay strings
local v = yaml.parse([[
t: true
f: false
words: [yes, no, on, off, y, n, Yes, NO]
n1: ~
n2: null
n3:
int: 42
neg: -7
hex: 0x1F
oct: 0o17
float: 1.0
frac: 0.5
exp: 1e3
inf: .inf
ninf: -.inf
nan: .nan
big: 9007199254740993
i64max: 9223372036854775807
i64min: -9223372036854775808
huge: 99999999999999999999
date: 2024-01-01
str: "1"
]])
assert(v.t == true and v.f == false)
same(v.words, { "yes", "no", "on", "off", "y", "n", "Yes", "NO" })
assert(v.n1 == nil and v.n2 == nil and v.n3 == nil)
assert(math.type(v.int) == "integer" and v.int == 42 and v.neg == -7)
assert(v.hex == 31 and v.oct == 15 and math.type(v.hex) == "integer")
assert(math.type(v.float) == "float" and v.float == 1.0)
assert(v.frac == 0.5 and math.type(v.exp) == "float" and v.exp == 1000.0)
assert(v.inf == math.huge and v.ninf == -math.huge and v.nan ~= v.nan)
assert(math.type(v.big) == "integer" and tostring(v.big) == "9007199254740993")
assert(v.i64max == math.maxinteger and v.i64min == math.mininteger)
assert(math.type(v.huge) == "float" and v.huge == 1e20) -- beyond int64: a float, as json.parse
assert(v.date == "2024-01-01" and v.str == "1")

-- scalar keys become their source text; merge keys are ordinary keys
v = yaml.parse("1: a\n1.0: b\ntrue: c\n~: d\n0x10: e\n'q': f\n")
same(v, { ["1"] = "a", ["1.0"] = "b", ["true"] = "c", ["~"] = "d", ["0x10"] = "e", q = "f" })
v = yaml.parse("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n")
same(v, { base = { x = 1, y = 2 }, derived = { ["<<"] = { x = 1, y = 2 }, y = 3 } })

-- anchors and aliases (each alias is its own copy in Lua)
v = yaml.parse("a: &x [1, {k: v}]\nb: *x\nc: &s str\nd: *s\n")
same(v.a, { 1, { k = "v" } })
same(v.b, v.a)
assert(v.a ~= v.b and v.d == "str")
-- an anchor redefined later: aliases see the latest one before them
v = yaml.parse("- &a 1\n- *a\n- &a 2\n- *a\n")
same(v, { 1, 1, 2, 2 })

-- nulls: absent keys, holes in sequences
v = yaml.parse("- 1\n- ~\n- 3\n")
assert(v[1] == 1 and v[2] == nil and v[3] == 3)

-- empty input gives nil (one value); a document of only null too
t.same({ nil }, yaml.parse(""))
assert(select("#", yaml.parse("")) == 1 and select("#", yaml.parse("# just a comment\n")) == 1)
assert(select("#", yaml.parse("~")) == 1 and yaml.parse("~") == nil)
assert(yaml.parse("--- 3\n") == 3 and yaml.parse("hello") == "hello")
assert(yaml.parse("a: 1\n...\n").a == 1)

-- block scalars and multi-line flow scalars
v = yaml.parse("lit: |\n  a\n   b\nfold: >\n  a\n  b\nkeep: |+\n  x\n\nstrip: |-\n  y\n")
same(v, { lit = "a\n b\n", fold = "a b\n", keep = "x\n\n", strip = "y" })

-- unknown tags are kept as plain values (with a warning the library keeps to itself)
v = yaml.parse("ref: !Ref bucket\nn: !!str 12\n")
assert(v.ref == "bucket" and v.n == "12")

-- parse errors name line and column
t.raises("yaml.parse: Map keys must be unique at line 2, column 1", yaml.parse, "a: 1\na: 2\n")
t.raises("yaml.parse: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1", yaml.parse, "a: [1, 2\n")
t.raises("yaml.parse: Invalid escape sequence \\q at line 1, column 5", yaml.parse, 'a: "\\q"\n')
t.raises("yaml.parse: unknown alias *nope at line 1, column 4", yaml.parse, "a: *nope\n")
t.raises("yaml.parse: a mapping key must be a scalar, not a collection, an alias or a tagged value at line 1, column 3", yaml.parse, "? [1, 2]\n: x\n")
t.raises("yaml.parse: a mapping key must be a scalar, not a collection, an alias or a tagged value at line 2, column 1", yaml.parse, "a: &k x\n*k : y\n")
t.raises("yaml.parse: a mapping key must be a scalar, not a collection, an alias or a tagged value at line 1, column 1", yaml.parse, "!!int 1: y\n")
local ok, err = pcall(yaml.parse, "a:\n\tb: 1\n")
assert(not ok and err:find("^yaml%.parse: .* at line 2, column 1"), err)

-- a multi-document stream is refused by parse, pointing at parse_all
t.raises("yaml.parse: the text holds 2 documents; use yaml.parse_all for a multi-document stream", yaml.parse, "a: 1\n---\nb: 2\n")
t.raises("yaml.parse: the text holds 2 documents; use yaml.parse_all for a multi-document stream", yaml.parse, "a: 1\n---\n")

-- alias bombs are refused rather than expanded into Lua
local bomb = { "a: &a [x, x, x, x, x, x, x, x, x, x]" }
for i = 1, 8 do
  local prev = string.char(96 + i)
  local name = string.char(97 + i)
  bomb[#bomb + 1] = ("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]"):format(name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
end
ok, err = pcall(yaml.parse, table.concat(bomb, "\n"))
assert(not ok and err:find("^yaml%.parse: aliases expand the document to %d+ values"), err)
ok, err = pcall(yaml.parse, "a: &a [1, *a]\n")
assert(not ok and err:find("^yaml%.parse: "), err)

-- parse_all: every document, empty ones skipped
local docs = yaml.parse_all("a: 1\n---\n---\n# nothing\n---\n- x\n--- ~\n--- 3\n")
same(docs, { { a = 1 }, { "x" }, 3 })
same(yaml.parse_all(""), {})
same(yaml.parse_all("just: one\n"), { { just = "one" } })
t.raises("yaml.parse_all: Map keys must be unique at line 5, column 1", yaml.parse_all, "a: 1\n---\nb: 1\nc: 2\nb: 3\n")

-- argument errors
t.raises("yaml.parse: first argument must be a string", yaml.parse)
t.raises("yaml.parse: first argument must be a string", yaml.parse, {})
t.raises("yaml.parse: first argument must be valid UTF-8 text", yaml.parse, "a: \255\n")
t.raises("yaml.parse_all: first argument must be a string", yaml.parse_all, true)
assert(yaml.parse(42) == 42) -- numbers are strings too (§0.3)

-- encode: sorted keys (byte-wise, so "B" < "a" and "10" < "9"), block style, trailing newline
assert(yaml.encode({ b = 1, a = 2, B = 3, ["10"] = 4, ["9"] = 5 }) == '"10": 4\n"9": 5\nB: 3\na: 2\nb: 1\n')
assert(yaml.encode({ z = { 1, 2 }, a = { k = "v" } }) == "a:\n  k: v\nz:\n- 1\n- 2\n")
-- byte-wise, not UTF-16: U+FF5E sorts before U+1F600 as bytes EF.. < F0..
assert(yaml.encode({ ["\u{1F600}"] = 1, ["\u{FF5E}"] = 2 }) == "\u{FF5E}: 2\n\u{1F600}: 1\n")
assert(yaml.encode({}) == "[]\n")
assert(yaml.encode(json.object({})) == "{}\n")
assert(yaml.encode(json.array({})) == "[]\n")
assert(yaml.encode({ a = json.null }) == "a: null\n")
assert(yaml.encode(nil) == "null\n" and yaml.encode() == "null\n")
assert(yaml.encode("plain") == "plain\n" and yaml.encode(true) == "true\n")
assert(yaml.encode(5) == "5\n" and yaml.encode(5.0) == "5.0\n" and yaml.encode(10 / 2) == "5.0\n")
assert(yaml.encode(0.1) == "0.1\n" and yaml.encode(-0.0) == "-0.0\n" and yaml.encode(1e16) == "1.0e+16\n")
assert(yaml.encode(math.maxinteger) == "9223372036854775807\n")
assert(yaml.encode(9007199254740993) == "9007199254740993\n")
assert(yaml.encode({ 1, nil, 3 }) == '"1": 1\n"3": 3\n') -- holes make an object (§0.5)

-- strings that would read back as another type are quoted (for YAML 1.1 readers too)
for _, s in ipairs({ "yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "", "1", "1.0", "-5",
  "0x1F", "0o17", "012", ".inf", ".nan", "1e3", "2024-01-01", "1:20", " lead", "trail ", "a: b", "- x", "#c",
  "[x]", "{x}", "*a", "&a", "!t", "|", ">", "'", '"', "%", "@", "`", "---", "...", "<<" }) do
  local out = yaml.encode(s)
  assert(out:sub(1, 1) == '"' or out:sub(1, 1) == "'" or out:sub(1, 1) == "|", ("%q encoded unquoted: %q"):format(s, out))
  assert(yaml.parse(out) == s, ("%q did not round trip: %q"):format(s, out))
end
assert(yaml.encode("yes") == '"yes"\n')
assert(yaml.encode({ "a\nb" }) == "- |-\n  a\n  b\n")
-- strings the library would write in a layout that does not read back
for _, s in ipairs({ " \n\n", " #\n\n", "  x\ny", "\n \n", " a\n", "\t\n", "\u{FEFF}{", "\u{FEFF}", "x\n\u{FEFF}y" }) do
  assert(yaml.parse(yaml.encode(s)) == s, ("%q did not round trip: %q"):format(s, yaml.encode(s)))
  assert(yaml.parse(yaml.encode({ s }))[1] == s and yaml.parse(yaml.encode({ [s] = s }))[s] == s, ("%q in a collection"):format(s))
end

-- values JSON cannot hold raise with the path inside the value (§0.5)
t.raises("yaml.encode: unsupported Lua type for JSON: function (at .spec.handler)", yaml.encode, { spec = { handler = print } })
t.raises("yaml.encode: unsupported Lua type for JSON: function", yaml.encode, print)
t.raises("yaml.encode: cannot encode NaN as JSON number (at .a[2])", yaml.encode, { a = { 1, 0 / 0 } })
t.raises("yaml.encode: cannot encode inf as JSON number", yaml.encode, math.huge)
t.raises("yaml.encode: cannot encode -inf as JSON number (at .x)", yaml.encode, { x = -math.huge })
t.raises("yaml.encode: invalid UTF-8 in string at byte 2 (at .list[2])", yaml.encode, { list = { "ok", "a\200" } })
t.raises("yaml.encode: table key is not valid UTF-8", yaml.encode, { ["\255"] = 1 })
t.raises("yaml.encode: unsupported table key type: boolean (at .x)", yaml.encode, { x = { [true] = 1 } })
local cyc = {}
cyc.self = cyc
t.raises("yaml.encode: cannot convert a table that contains itself (cycle detected) (at .self)", yaml.encode, cyc)
t.raises("yaml.encode: a table marked with json.array has keys other than 1..n (at .a)", yaml.encode, { a = json.array({ [2] = 1 }) })

-- encode_all: documents separated by ---
assert(yaml.encode_all({ { a = 1 }, { b = 2 } }) == "a: 1\n---\nb: 2\n")
assert(yaml.encode_all({}) == "")
assert(yaml.encode_all({ "x", json.null, 3 }) == "x\n---\nnull\n---\n3\n")
t.raises("yaml.encode_all: first argument must be a list of documents", yaml.encode_all, { a = 1 })
t.raises("yaml.encode_all: first argument must be a list of documents", yaml.encode_all, "x")
t.raises("yaml.encode_all: unsupported Lua type for JSON: function (at [2].f)", yaml.encode_all, { {}, { f = print } })

-- round trips of generated values through encode and parse (and encode_all/parse_all)
local seed = 12345
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local pieces = { "", " ", "a", "yes", "No", "null", "~", "1", "1.0", "-", ":", ": ", "#", " #", "'", '"', "\\", "\n", "\n\n",
  "\t", "\r", "\r\n", "é", "\u{1F600}", "\u{85}", "\u{2028}", "\u{FEFF}", "---", "...", "x: y", "- z", "{", "]", "&a", "*a",
  "!", "%", "@", "`", "|", ">", "0x1", "1e3", ".inf", "2024-01-01", "\0", "\1", "\127", "<<", "?", ",", "  " }
local function gen_string()
  local parts = {}
  for _ = 1, rand(5) do parts[#parts + 1] = pieces[rand(#pieces) + 1] end
  return table.concat(parts)
end
local numbers = { 0, 1, -1, 42, 2 ^ 53, math.maxinteger, math.mininteger, 9007199254740993, 0.0, -0.0, 1.0, 0.5,
  -2.5, 1e16, 1e-7, 1.5e300, 123456789.125, 1 / 3, 5e-324, 2 ^ 63 }
local function gen(depth)
  local kind = rand(depth > 3 and 4 or 7)
  if kind == 0 then return gen_string() end
  if kind == 1 then return numbers[rand(#numbers) + 1] end
  if kind == 2 then return rand(2) == 0 end
  if kind == 3 then return rand(3) == 0 and json.null or gen_string() end
  if kind == 4 or kind == 6 then
    local out = {}
    for i = 1, rand(5) do out[i] = gen(depth + 1) end
    return out
  end
  local out = rand(4) == 0 and json.object({}) or {}
  for _ = 1, rand(6) do out[gen_string()] = gen(depth + 1) end
  return out
end
--- The value as it reads back: json.null is nil (absent in tables), {} stays a table.
local function expected(x)
  if x == json.null then return nil end
  if type(x) ~= "table" then return x end
  local out = {}
  for k, val in pairs(x) do out[k] = expected(val) end
  return out
end
for i = 1, 400 do
  local value = gen(0)
  local text = yaml.encode(value)
  assert(text:sub(-1) == "\n" and text:sub(1, 3) ~= "---", text)
  local ok2, back = pcall(yaml.parse, text)
  assert(ok2, ("round trip %d: %s\n%s"):format(i, back, text))
  same(expected(value), back, "round trip " .. i)
end
local stream = {}
for i = 1, 60 do
  local doc = gen(1)
  if doc ~= json.null then stream[#stream + 1] = doc end
end
local back = yaml.parse_all(yaml.encode_all(stream))
assert(#back == #stream, ("%d documents came back of %d"):format(#back, #stream))
for i = 1, #stream do same(expected(stream[i]), back[i], "document " .. i) end
