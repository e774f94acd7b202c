-- disk (builtins.md §20): usage from statvfs, sweep by modification time, dir_size of the
-- regular files below a directory. Peers: coreutils' `stat -f`, `touch -d`, `find -printf`.
-- Usage against df and the profiles are checked by tests/disk.test.ts.
local testlib = require("lib.testlib")
local S = testlib.scratch() .. "/disk"
assert(os.execute("mkdir -p '" .. S .. "'"))

local function fails(prefix, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error starting with " .. prefix)
  err = tostring(err)
  assert(err:sub(1, #prefix) == prefix, ("expected %q to start with %q"):format(err, prefix))
end

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  assert(p:close(), "command failed: " .. cmd)
  return (out:gsub("\n$", ""))
end

-- ---- usage ------------------------------------------------------------------------------
do
  local u = disk.usage(S)
  for _, k in ipairs({ "total", "free", "used" }) do
    assert(math.type(u[k]) == "integer" and u[k] >= 0, k)
  end
  assert(u.available == nil, "the field is free, not available")
  assert(u.used == u.total - u.free)
  assert(math.type(u.percent) == "float" and math.abs(u.percent - u.used / u.total * 100) < 1e-9)
  -- total = blocks x fragment size exactly; free (f_bfree) moves while we look, so within 64 MiB
  local blocks, free, size = sh("stat -f -c '%b %f %S' '" .. S .. "'"):match("^(%d+) (%d+) (%d+)$")
  assert(u.total == tonumber(blocks) * tonumber(size), ("%d vs %s x %s"):format(u.total, blocks, size))
  assert(math.abs(u.free - tonumber(free) * tonumber(size)) < 64 * 1024 * 1024, "free counts f_bfree")
  -- a file system with no blocks (procfs): all zero, percent a float 0.0
  local p = disk.usage("/proc")
  assert(p.total == 0 and p.used == 0 and p.percent == 0 and math.type(p.percent) == "float")
  assert(disk.usage(S .. "/").total == u.total, "any path on the file system will do")
  fails('disk.usage: failed to stat "' .. S .. '/none": No such file or directory (os error 2)', disk.usage, S .. "/none")
  fails("disk.usage: first argument must be a path string", disk.usage, nil)
end

-- ---- sweep ------------------------------------------------------------------------------
do
  local d = S .. "/sweep"
  assert(os.execute(table.concat({
    "mkdir -p '" .. d .. "/old-dir/inner' '" .. d .. "/new-dir'",
    "echo x > '" .. d .. "/old-dir/inner/f'",
    "echo x > '" .. d .. "/old.log'",
    "echo x > '" .. d .. "/new.log'",
    "echo x > '" .. S .. "/old-target'",
    "ln -s '" .. S .. "/old-target' '" .. d .. "/link-to-old'",
    "touch -d '3 hours ago' '" .. d .. "/old.log' '" .. d .. "/old-dir' '" .. S .. "/old-target'",
    "touch -d '10 minutes ago' '" .. d .. "/new.log'",
  }, " && ")))
  assert(disk.sweep(d, 86400) == 0, "nothing is a day old")
  assert(disk.sweep(d, 3600) == 3, "old.log, old-dir and the link (by its target's age)")
  assert(sh("ls -A '" .. d .. "' | sort | tr '\\n' ' '") == "new-dir new.log ", sh("ls -A '" .. d .. "'"))
  assert(sh("cat '" .. S .. "/old-target'") == "x", "a swept symlink's target stays")
  assert(disk.sweep(d, 300.5) == 1, "fractional ages work; new.log is 10 minutes old")
  assert(sh("ls -A '" .. d .. "'") == "new-dir")
  assert(disk.sweep(d .. "/new-dir", 0) == 0, "an empty directory sweeps nothing")

  assert(os.execute("ln -s '" .. S .. "/gone' '" .. d .. "/broken'"))
  fails('disk.sweep: failed to stat "' .. d .. '/broken": No such file or directory', disk.sweep, d, 3600)
  fails('disk.sweep: failed to list "' .. S .. '/none": No such file or directory', disk.sweep, S .. "/none", 1)
  fails("disk.sweep: second argument must be a number", disk.sweep, d, nil)
end

-- ---- dir_size -----------------------------------------------------------------------------
do
  local d = S .. "/size"
  assert(os.execute(table.concat({
    "mkdir -p '" .. d .. "/a/b/c' '" .. d .. "/empty' '" .. S .. "/elsewhere'",
    "head -c 1000 /dev/zero > '" .. d .. "/one'",
    "head -c 4097 /dev/zero > '" .. d .. "/a/two'",
    "head -c 123456 /dev/zero > '" .. d .. "/a/b/c/three'",
    "head -c 1 /dev/zero > '" .. d .. "/a/b/.hidden'",
    "head -c 999999 /dev/zero > '" .. S .. "/elsewhere/big'",
    "ln -s '" .. S .. "/elsewhere/big' '" .. d .. "/link-to-big'",
    "ln -s '" .. S .. "/elsewhere' '" .. d .. "/a/link-to-dir'",
  }, " && ")))
  local peer = tonumber(sh("find '" .. d .. "' -type f -printf '%s\\n' | awk '{s += $1} END {print s + 0}'"))
  assert(peer == 1000 + 4097 + 123456 + 1)
  local n = disk.dir_size(d)
  assert(n == peer and math.type(n) == "integer", tostring(n))
  assert(disk.dir_size(d .. "/empty") == 0)
  fails('disk.dir_size: failed to read "' .. S .. '/none": No such file or directory', disk.dir_size, S .. "/none")
  fails("disk.dir_size: first argument must be a path string", disk.dir_size, nil)
  fails("disk.sweep: first argument must be a path string", disk.sweep, {}, 1)
  fails("disk.sweep: second argument must be a number", disk.sweep, d, "old")
end
