-- env.get / env.set / env.list (builtins.md §14) in the default (full) profile. Profile
-- behaviour (restricted denies env.set, pure has no env) is in tests/builtins.test.ts.
local function fails_with(expected, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected failure: " .. expected)
  assert(err == expected, ("expected error %q, got %q"):format(expected, tostring(err)))
end

local tmp = os.getenv("ASSAY_TEST_TMP")
assert(tmp and tmp ~= "", "the runner sets ASSAY_TEST_TMP")

-- get
assert(env.get("ASSAY_TEST_TMP") == tmp)
assert(env.get("ASSAY_ENV_TEST_SURELY_UNSET") == nil)
assert(select("#", env.get("ASSAY_ENV_TEST_SURELY_UNSET")) == 1, "unset gives one nil, not nil, err")
assert(env.get(12345) == nil, "a number name is accepted")
fails_with("env.get: first argument must be a string", env.get)
fails_with("env.get: first argument must be a string", env.get, nil)
fails_with("env.get: first argument must be a string", env.get, {})
fails_with("env.get: first argument must be a string", env.get, true)
do
  local ok, err = pcall(function() env.get(nil) end)
  assert(not ok and err:match("^.-env_test%.lua:%d+: env%.get: first argument"), "errors carry the caller's position: " .. err)
end

-- set: strings, numbers, nil unsets
env.set("ASSAY_ENV_TEST_A", "hello world")
assert(env.get("ASSAY_ENV_TEST_A") == "hello world")
env.set("ASSAY_ENV_TEST_A", 42)
assert(env.get("ASSAY_ENV_TEST_A") == "42" and math.type(env.get("ASSAY_ENV_TEST_A")) == nil, "number stored as a string")
env.set("ASSAY_ENV_TEST_A", 1.5)
assert(env.get("ASSAY_ENV_TEST_A") == "1.5")
env.set("ASSAY_ENV_TEST_A", "")
assert(env.get("ASSAY_ENV_TEST_A") == "", "empty value is set, not unset")
env.set("ASSAY_ENV_TEST_A", "ünïcode ✓")
assert(env.get("ASSAY_ENV_TEST_A") == "ünïcode ✓")
env.set("ASSAY_ENV_TEST_A", nil)
assert(env.get("ASSAY_ENV_TEST_A") == nil)
env.set("ASSAY_ENV_TEST_A", "again")
env.set("ASSAY_ENV_TEST_A")
assert(env.get("ASSAY_ENV_TEST_A") == nil, "a missing value unsets too")
env.set("ASSAY_ENV_TEST_NEVER_SET", nil) -- unsetting an unset variable is fine

fails_with("env.set: first argument must be a string", env.set, nil, "x")
fails_with("env.set: first argument must be a string", env.set, false, "x")
fails_with("env.set: second argument must be a string, a number or nil", env.set, "ASSAY_ENV_TEST_A", true)
fails_with("env.set: second argument must be a string, a number or nil", env.set, "ASSAY_ENV_TEST_A", {})
fails_with('env.set: invalid variable name ""', env.set, "", "x")
fails_with('env.set: invalid variable name "A=B"', env.set, "A=B", "x")
fails_with('env.set: invalid variable name "A\\u0000B"', env.set, "A\0B", "x")
fails_with('env.set: value of "ASSAY_ENV_TEST_A" contains a NUL byte', env.set, "ASSAY_ENV_TEST_A", "a\0b")
assert(env.get("ASSAY_ENV_TEST_A") == nil, "failed sets change nothing")

-- child processes see env.set, and no longer see an unset variable
env.set("ASSAY_ENV_TEST_CHILD", "from-parent")
assert(os.execute('test "$ASSAY_ENV_TEST_CHILD" = from-parent') == true, "child sees the set value")
env.set("ASSAY_ENV_TEST_CHILD", nil)
assert(os.execute('test -z "${ASSAY_ENV_TEST_CHILD+set}"') == true, "child does not see an unset variable")

-- list: an array of {key, value} entries, not a map
env.set("ASSAY_ENV_TEST_LISTED", "v1")
local list = env.list()
assert(type(list) == "table" and #list > 0)
assert(list.ASSAY_TEST_TMP == nil and list.ASSAY_ENV_TEST_LISTED == nil, "not a map")
local seen = {}
for i, entry in ipairs(list) do
  assert(type(entry.key) == "string" and type(entry.value) == "string", "entry " .. i)
  assert(seen[entry.key] == nil, "each variable once: " .. entry.key)
  seen[entry.key] = entry.value
end
local n = 0
for _ in pairs(list) do n = n + 1 end
assert(n == #list, "only array entries")
assert(seen.ASSAY_TEST_TMP == tmp)
assert(seen.ASSAY_ENV_TEST_LISTED == "v1")
env.set("ASSAY_ENV_TEST_LISTED", nil)
for _, entry in ipairs(env.list()) do
  assert(entry.key ~= "ASSAY_ENV_TEST_LISTED", "unset variable left the list")
end

-- no functions beyond the three (CHANGELOG mismatch in the reference)
assert(env.unset == nil and env.home == nil and env.cwd == nil)
