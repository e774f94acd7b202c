-- Helpers shared by the Lua test files (required as "lib.testlib"; package.path starts with
-- the script's own directory).
local M = {}

--- The scratch directory the test runner made for this file.
function M.scratch()
  return assert(os.getenv("ASSAY_TEST_TMP"), "ASSAY_TEST_TMP not set")
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

return M
