-- CPU workload shared by lua5.4 and assay: recursion, string building, sorting.
-- Deterministic; prints one line so both runtimes can be checked for the same answer.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
local f = fib(30)

-- string building: formatting, concatenation in a buffer, gsub and find
local parts = {}
for i = 1, 100000 do
  parts[#parts + 1] = string.format("item-%d=%s", i, tostring(i * 7 % 1000))
end
local text = table.concat(parts, ",")
local replaced, count = text:gsub("item%-(%d+)", "%1")
local found = 0
for _ in text:gmatch("=9%d%d") do found = found + 1 end

-- sorting: integers with the default order, strings with a Lua comparator
local seed = 12345
local numbers, words = {}, {}
for i = 1, 100000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  numbers[i] = seed
  if i <= 50000 then words[i] = string.format("%08x", seed) end
end
table.sort(numbers)
table.sort(words, function(a, b) return a > b end)

print(f, #text, #replaced, count, found, numbers[1], numbers[#numbers], words[1], words[#words])
