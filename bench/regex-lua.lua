-- The loop of bench/regex.lua with string.find and the Lua pattern equivalent to its regex
-- (^user-\d+@), for lua5.4 or assay. Prints how many matched.
-- usage: lua5.4 bench/regex-lua.lua [N]
local n = tonumber(arg and arg[1] or 100000)
local subjects = { "user-1234@example.com", "admin@example.com", "user-x@example.com", "user-42@host" }
local find = string.find
local count = 0
for i = 1, n do
  if find(subjects[i % 4 + 1], "^user%-%d+@") then count = count + 1 end
end
print(count)
