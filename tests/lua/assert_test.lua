-- The assert builtin: callable like Lua's assert, plus the assertion table of builtins.md §16
-- with deep table equality (README §0 item 2). Checks use `error` directly so a broken
-- assert cannot make this file pass.
local function check(cond, what)
  if not cond then error("check failed: " .. what, 2) end
end

-- Calls f(...) and expects it to raise exactly `expected` (a pcall'd builtin adds no position).
local function fails_with(expected, f, ...)
  local ok, err = pcall(f, ...)
  if ok then error("expected failure: " .. expected, 2) end
  if err ~= expected then error(("expected error %q, got %q"):format(expected, tostring(err)), 2) end
end

local function passes(f, ...)
  local n = select("#", f(...))
  if n ~= 0 then error("assertion returned values", 2) end
end

check(type(assert) == "function", "assert is Lua's own function, as the official suite expects")
check(type(assert.eq) == "function" and assert.no_such_assertion == nil, "assert carries the assertion functions")
do
  local ok, err = pcall(function() return print.eq end)
  check(not ok and err:match("attempt to index a function value$"), "other functions cannot be indexed: " .. tostring(err))
end

-- Callable with Lua's own semantics -------------------------------------------------------
do
  local a, b, c = assert(1, "m", 3)
  check(a == 1 and b == "m" and c == 3, "assert returns all its arguments")
  check(select("#", assert(true, nil, nil)) == 3, "trailing nils are returned too")
  check(assert(0) == 0 and assert("") == "", "0 and empty string are truthy")

  local ok, err = pcall(function() assert(false, "boom") end)
  check(not ok and err:match("^.-assert_test%.lua:%d+: boom$"), "string message gets the caller's position: " .. tostring(err))
  ok, err = pcall(function() assert(nil) end)
  check(not ok and err:match("^.-assert_test%.lua:%d+: assertion failed!$"), "default message: " .. tostring(err))
  ok, err = pcall(function() assert() end)
  check(not ok and err:match("^.-assert_test%.lua:%d+: bad argument #1 to 'assert' %(value expected%)$"), "no argument: " .. tostring(err))
  ok, err = pcall(function() assert(false, 42) end)
  check(not ok and err == 42, "a number message is raised as it is")
  local obj = {}
  ok, err = pcall(function() assert(false, obj) end)
  check(not ok and rawequal(err, obj), "a table message is raised as the same object")
  ok, err = pcall(function() assert(false, nil) end)
  check(not ok and err == nil, "an explicit nil message raises nil, as in lua5.4")
  -- The table's functions are still there after calling it.
  check(type(assert.eq) == "function" and assert.debug == nil, "assert table fields")
end

-- eq / ne: scalars ---------------------------------------------------------------------------
passes(assert.eq, nil, nil)
passes(assert.eq, nil)
passes(assert.eq, true, true)
passes(assert.eq, 1, 1)
passes(assert.eq, 1, 1.0)
passes(assert.eq, 0.1 + 0.2, 0.3)
passes(assert.eq, math.huge, math.huge)
passes(assert.eq, math.maxinteger, math.maxinteger)
passes(assert.eq, "a\0b\255", "a\0b\255")
passes(assert.eq, print, print)
fails_with('assert.eq failed: "1" != "2" - x', assert.eq, 1, 2, "x")
fails_with('assert.eq failed: "1" != "2"', assert.eq, 1, 2)
fails_with('assert.eq failed: "1" != "2" - 42', assert.eq, 1, 2, 42)
fails_with('assert.eq failed: "1" != "2" - msg via tostring',
  assert.eq, 1, 2, setmetatable({}, { __tostring = function() return "msg via tostring" end }))
fails_with('assert.eq failed: "1" != "1"', assert.eq, "1", 1)
fails_with('assert.eq failed: "nil" != "false"', assert.eq, nil, false)
fails_with('assert.eq failed: "true" != "false"', assert.eq, true, false)
fails_with('assert.eq failed: "9223372036854775807" != "-9223372036854775808"', assert.eq, math.maxinteger, math.mininteger)
fails_with('assert.eq failed: "1" != "1.5"', assert.eq, 1.0, 1.5)
fails_with('assert.eq failed: "0.1" != "100000000000000000000"', assert.eq, 0.1, 1e20)
fails_with('assert.eq failed: "0.0000001" != "-0"', assert.eq, 1e-7, -0.0)
fails_with('assert.eq failed: "NaN" != "NaN"', assert.eq, 0 / 0, 0 / 0)
fails_with('assert.eq failed: "inf" != "-inf"', assert.eq, math.huge, -math.huge)
fails_with('assert.eq failed: "1" != "1.0000000000000002"', assert.eq, 1, 1 + 2 ^ -52)
fails_with('assert.eq failed: "a\\"b\\\\c" != "x\\n\\t\\r\\0\\u{1b}"', assert.eq, 'a"b\\c', "x\n\t\r\0\27")
fails_with('assert.eq failed: "é" != "\\xff\\xfe"', assert.eq, "é", "\255\254")
fails_with('assert.eq failed: "<function>" != "<function>"', assert.eq, print, pairs)
fails_with('assert.eq failed: "<thread>" != "nil"', assert.eq, coroutine.create(print), nil)
fails_with('assert.eq failed: "<table>" != "<table>"', assert.eq, { 1 }, { 2 })
fails_with('assert.eq failed: "<table>" != "1"', assert.eq, {}, 1)

passes(assert.ne, 1, 2)
passes(assert.ne, 1, "1")
passes(assert.ne, nil, false)
passes(assert.ne, 0 / 0, 0 / 0)
passes(assert.ne, 1, 1 + 2 ^ -52)
fails_with('assert.ne failed: "1" == "1" - y', assert.ne, 1, 1, "y")
fails_with('assert.ne failed: "1" == "1"', assert.ne, 1, 1.0)
fails_with('assert.ne failed: "nil" == "nil"', assert.ne, nil, nil)
fails_with('assert.ne failed: "s" == "s"', assert.ne, "s", "s")

-- eq / ne: deep table equality --------------------------------------------------------------
do
  local t = { 1, 2 }
  passes(assert.eq, t, t)
  fails_with('assert.ne failed: "<table>" == "<table>"', assert.ne, t, t)
  passes(assert.eq, {}, {})
  passes(assert.eq, { 1, 2, { a = "x", b = { true } } }, { 1, 2, { a = "x", b = { true } } })
  passes(assert.eq, { 1, 2.0 }, { 1.0, 2 })
  passes(assert.ne, { 1, 2 }, { 1, 2, 3 })
  passes(assert.ne, { 1, 2, 3 }, { 1, 2 })
  passes(assert.ne, { a = 1 }, { b = 1 })
  passes(assert.ne, { a = { b = 1 } }, { a = { b = 2 } })
  passes(assert.ne, { a = {} }, { a = 1 })
  passes(assert.ne, { a = false }, {})
  passes(assert.ne, {}, { a = false })
  -- Metatables are ignored: contents are compared raw.
  passes(assert.eq, setmetatable({ 1 }, { __index = { 2 } }), { 1 })
  passes(assert.ne, setmetatable({}, { __eq = function() return true end }), { 1 })
  -- Table keys match by identity.
  local k = {}
  passes(assert.eq, { [k] = 1 }, { [k] = 1 })
  passes(assert.ne, { [{}] = 1 }, { [{}] = 1 })
  -- Cycles terminate.
  local a, b = { v = 1 }, { v = 1 }
  a.self, b.self = a, b
  passes(assert.eq, a, b)
  local c, d = { v = 1 }, { v = 2 }
  c.self, d.self = c, d
  passes(assert.ne, c, d)
  local x1, y1 = {}, {}
  x1.next, y1.next = y1, x1
  local x2, y2 = {}, {}
  x2.next, y2.next = y2, x2
  passes(assert.eq, x1, x2)
  -- Deep nesting needs no recursion.
  local function chain(n)
    local root = {}
    local cur = root
    for i = 1, n do cur.next = { i = i } cur = cur.next end
    return root, cur
  end
  local p, q = chain(100000), chain(100000)
  passes(assert.eq, p, q)
  local r, last = chain(100000)
  last.i = -1
  passes(assert.ne, p, r)
end

-- gt / lt ------------------------------------------------------------------------------------
passes(assert.gt, 2, 1)
passes(assert.gt, 2.5, 2)
passes(assert.lt, 1, 2)
passes(assert.lt, math.mininteger, math.maxinteger)
passes(assert.gt, math.maxinteger, math.maxinteger - 1)
fails_with("assert.gt failed: 1 is not > 2 - m", assert.gt, 1, 2, "m")
fails_with("assert.gt failed: 2 is not > 2", assert.gt, 2, 2.0)
fails_with("assert.gt failed: 1.5 is not > 100000000000000000000", assert.gt, 1.5, 1e20)
fails_with("assert.gt failed: NaN is not > 1", assert.gt, 0 / 0, 1)
fails_with("assert.lt failed: 3 is not < 2 - m", assert.lt, 3, 2, "m")
fails_with("assert.lt failed: 2 is not < 2", assert.lt, 2.0, 2)
fails_with("assert.gt: both arguments must be numbers", assert.gt, "2", 1)
fails_with("assert.gt: both arguments must be numbers", assert.gt, 2)
fails_with("assert.lt: both arguments must be numbers", assert.lt, 1, "2")
fails_with("assert.lt: both arguments must be numbers", assert.lt, nil, nil)

-- contains ---------------------------------------------------------------------------------
passes(assert.contains, "hello world", "lo w")
passes(assert.contains, "hello", "")
passes(assert.contains, "a.b", ".")
passes(assert.contains, "x\0y\255", "\0y\255")
fails_with('assert.contains failed: "hello" does not contain "xyz" - m', assert.contains, "hello", "xyz", "m")
fails_with('assert.contains failed: "a.b" does not contain "%."', assert.contains, "a.b", "%.")
fails_with("assert.contains: first argument must be a string", assert.contains, 12, "1")
fails_with("assert.contains: first argument must be a string", assert.contains, nil, "1")
fails_with("assert.contains: second argument must be a string", assert.contains, "12", 1)

-- not_nil ------------------------------------------------------------------------------------
passes(assert.not_nil, false)
passes(assert.not_nil, 0)
passes(assert.not_nil, {})
fails_with("assert.not_nil failed: value is nil", assert.not_nil, nil)
fails_with("assert.not_nil failed: value is nil", assert.not_nil)
fails_with("assert.not_nil failed: value is nil - why", assert.not_nil, nil, "why")

-- matches ------------------------------------------------------------------------------------
passes(assert.matches, "abc123", "%d+")
passes(assert.matches, "abc", "^a.c$")
fails_with('assert.matches failed: "abc" does not match pattern "%d" - m', assert.matches, "abc", "%d", "m")
fails_with("assert.matches: pattern error: malformed pattern (ends with '%')", assert.matches, "abc", "%")
fails_with("assert.matches: pattern error: malformed pattern (missing ']')", assert.matches, "abc", "[a")
fails_with("assert.matches: first argument must be a string", assert.matches, 123, "%d")
fails_with("assert.matches: second argument must be a string", assert.matches, "123", 1)
do
  -- Replacing string.find does not change what matches uses.
  local find = string.find
  string.find = function() return 1 end
  local ok = pcall(assert.matches, "abc", "%d")
  string.find = find
  check(not ok, "matches uses the original string.find")
end

-- Failures from Lua code carry the caller's position, like every builtin error.
do
  local ok, err = pcall(function() assert.eq(1, 2) end)
  check(not ok and err:match('^.-assert_test%.lua:%d+: assert%.eq failed: "1" != "2"$'), "position: " .. tostring(err))
end
