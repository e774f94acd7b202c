-- 100k regex.match calls on short strings (a compiled pattern from the per-VM cache, the
-- bridge, re2js's DFA). Prints how many matched: the same count as bench/regex-lua.lua, the
-- same loop with lua5.4's string.find and the equivalent Lua pattern.
-- usage: assay bench/regex.lua [N]
local n = tonumber(arg and arg[1] or 100000)
local subjects = { "user-1234@example.com", "admin@example.com", "user-x@example.com", "user-42@host" }
local match = regex.match
local count = 0
for i = 1, n do
  if match(subjects[i % 4 + 1], "^user-\\d+@") then count = count + 1 end
end
print(count)
