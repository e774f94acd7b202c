--@ TZ=UTC America/New_York Asia/Kolkata Europe/Berlin Australia/Lord_Howe America/Sao_Paulo America/St_Johns
-- Calendar conversions the runtime computes itself (loader/wasm/time.ts): beyond the range a
-- JS Date holds, years 0-99, local mean time's offsets with seconds, and os.time with isdst
-- given or not inside DST gaps, overlaps and zones without DST.
print(os.date("!%Y-%m-%d %H:%M:%S %j %w", 10^13))
print(os.date("!%Y-%m-%d %H:%M:%S %j %w", 0), os.date("!%c", 86400*365*30+12345))
print(os.time{year=50,month=1,day=1,hour=0})
print(os.time{year=2024,month=2,day=30,hour=12})
print(os.date("!%Y-%m-%d", -10^11), os.date("%Y-%m-%d %H", 1700000000))
print(os.date("*t", 1700000000).yday, os.date("!*t", -1).year)
print(os.date("!%Y-%m-%d %j", 951782400), os.date("!%Y-%m-%d %j", 4107542400))
for _, y in ipairs({50, 999, 1000, 1999, 2024}) do
  local t = os.time{year=y, month=1, day=2, hour=12}
  print(y, os.date("%C %g %G %y", t))
end

local function show(t)
  local ok, r = pcall(os.time, t)
  if not ok then return print(t.year, t.month, t.day, "->", r) end
  print(t.year, t.month, t.day, t.hour, t.min, tostring(t.isdst), "->", r, t.hour, t.isdst, t.yday, t.wday)
end
show{year=2024, month=3, day=10, hour=2, min=30, isdst=true}
show{year=2024, month=3, day=10, hour=2, min=30, isdst=false}
show{year=2024, month=3, day=10, hour=2, min=30}
show{year=2024, month=11, day=3, hour=1, min=30}
show{year=2024, month=11, day=3, hour=1, min=30, isdst=true}
show{year=2024, month=11, day=3, hour=1, min=30, isdst=false}
show{year=2024, month=1, day=15, hour=12, isdst=true}
show{year=2024, month=7, day=15, hour=12, isdst=false}
show{year=2024, month=7, day=15, hour=12}
show{year=2024, month=14, day=40, hour=25, min=-10}
show{year=50, month=1, day=1, hour=0}
show{year=1969, month=12, day=31, hour=23, min=59, sec=59}
print(os.date("%H:%M:%S", -60589278238), os.date("%H:%M:%S", -3000000000))
