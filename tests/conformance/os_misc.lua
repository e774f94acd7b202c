-- os functions that need no child process: dates and times (run with TZ=UTC), locale,
-- environment, clock, difftime and their argument errors.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    t[i] = math.type(v) and (math.type(v) .. ":" .. tostring(v)) or tostring(v)
  end
  print(table.concat(t, " | ", 1, t.n))
end

local t0 = 1700000000
show(os.date("!%Y-%m-%d %H:%M:%S", t0))
show(os.date("%Y-%m-%d %H:%M:%S %Z %z %a %A %b %B %j %p %y %%", t0))
show(os.date("%c|%x|%X|%D|%e|%F|%g|%G|%h|%I|%n|%R|%t|%T|%u|%V|%w|%U|%W", t0))
show(os.date("%Z"))
local d = os.date("*t", t0)
show(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
d = os.date("!*t", 0)
show(d.year, d.month, d.day, d.hour, d.wday, d.yday)
show(os.time({ year = 2020, month = 2, day = 30, hour = 12 }))
show(os.time({ year = 2000, month = 1, day = 1, hour = 0, min = -1 }))
local n = { year = 2021, month = 14, day = 1 }
show(os.time(n), n.year, n.month, n.day, n.hour, n.isdst)
show(pcall(os.time, { year = 2020 }))
show(pcall(os.time, { year = 2020, month = "x", day = 1 }))
show(pcall(os.date, "%Ez", t0))
show(pcall(os.date, "%Q", t0))
show(pcall(os.date, "%", t0))
show(pcall(os.date, 1, "x"))
show(math.type(os.time()), math.type(os.clock()), os.clock() >= 0)
show(os.difftime(t0 + 10, t0), pcall(os.difftime, t0), pcall(os.difftime))

show(os.setlocale())
show(os.setlocale("C"), os.setlocale("POSIX"), os.setlocale(""))
show(os.setlocale("pt_BR"), os.setlocale("xx_YY.UTF-8", "numeric"))
show(os.setlocale(nil, "time"), os.setlocale("C", "collate"), os.setlocale("C", "all"))
show(pcall(os.setlocale, "C", "bogus"))
show(pcall(os.setlocale, {}))

show(os.getenv("CONFORMANCE_VALUE"), os.getenv("CONFORMANCE_UNSET_XYZ"))
show(pcall(os.getenv))
show(pcall(os.getenv, {}))
local tmp = os.tmpname()
show(type(tmp), os.remove(tmp))
show(pcall(os.exit, "x"))
