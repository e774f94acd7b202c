--@ TZ=UTC America/New_York Asia/Kolkata
-- Calendar conversions beyond the range a JS Date holds and for years 0-99, where the
-- runtime computes the fields itself (loader/wasm/time.ts).
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
