-- Helpers shared by the Lua test files (required as "lib.testlib"; package.path starts with
-- the test file's own directory).
local M = {}

--- This file's own scratch directory, made on first use: `<name>` (the file's name without
--- `.lua`) under the ASSAY_TEST_TMP directory tests/lua.test.ts makes for the run. The files
--- run one after another in one `assay test` process and share ASSAY_TEST_TMP, so each keeps
--- to its own directory.
function M.scratch()
  local root = assert(os.getenv("ASSAY_TEST_TMP"), "ASSAY_TEST_TMP not set")
  local name = assert(arg[0]:match("([^/]+)%.lua$"), "arg[0] is not a Lua file: " .. tostring(arg[0]))
  local dir = root .. "/" .. name
  fs.mkdir(dir)
  return dir
end

--- Asserts that the values after `expected` are exactly the values in it, count included.
function M.same(expected, ...)
  local got = table.pack(...)
  for i = 1, math.max(#expected, got.n) do
    assert(got[i] == expected[i], ("result %d: expected %s, got %s"):format(i, tostring(expected[i]), tostring(got[i])))
  end
end

--- Asserts that f(...) raises exactly `text`, possibly after a `file.lua:line: ` position.
function M.raises(text, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error: " .. text)
  err = tostring(err)
  assert(err == text or err:match("^[^:]*%.lua:%d+: (.*)$") == text, ("expected %q, got %q"):format(text, err))
end

--- Deep equality that also tells integers from floats and keeps NaN equal to itself.
function M.deep_same(a, b, path)
  path = path or "value"
  if type(a) ~= type(b) then error(("%s: %s vs %s"):format(path, type(a), type(b)), 2) end
  if type(a) == "number" then
    assert(math.type(a) == math.type(b), ("%s: %s %s vs %s %s"):format(path, math.type(a), a, math.type(b), b))
    assert(a == b or (a ~= a and b ~= b), ("%s: %s vs %s"):format(path, a, b))
    if a == 0 and math.type(a) == "float" then assert(1 / a == 1 / b, path .. ": signed zero") end
    return
  end
  if type(a) ~= "table" then
    assert(a == b, ("%s: %q vs %q"):format(path, tostring(a), tostring(b)))
    return
  end
  for k, v in pairs(a) do M.deep_same(v, b[k], path .. "." .. tostring(k)) end
  for k in pairs(b) do assert(a[k] ~= nil, path .. ": extra key " .. tostring(k)) end
end

return M
