--@ TZ=Europe/Berlin America/St_Johns Asia/Kolkata Australia/Lord_Howe America/Sao_Paulo EST5EDT UTC
-- Local time in several zones (the runner runs this once per TZ above): %Z and %z, DST
-- flags, and os.time's normalisation around transitions.
for _, t in ipairs({ 0, 1700000000, 1711846800, 1720000000, 2000000000, 4102444800 }) do
  local d = os.date("*t", t)
  print(os.date("%Y-%m-%d %H:%M:%S %Z %z", t), d.isdst, d.yday)
end
print(os.time({ year = 2024, month = 7, day = 1, hour = 12 }), os.time({ year = 2024, month = 1, day = 1, hour = 12 }))
print(os.time({ year = 2024, month = 3, day = 31, hour = 2, min = 30 }))
print(os.time({ year = 2024, month = 10, day = 27, hour = 2, min = 30, isdst = false }))
