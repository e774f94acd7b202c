-- process (builtins.md §19) on processes this file starts: a copy of `sleep` under a name of
-- its own, found by name, signalled and waited for; the runtime's own entry in the list.
local t = require("lib.testlib")
local dir = t.scratch()

--- /proc/<pid>/<what> as it is on disk.
local function proc(pid, what)
  local f = assert(io.open("/proc/" .. pid .. "/" .. what))
  local text = f:read("a")
  f:close()
  return text
end

-- a sleep whose name no other process has: "asy" and 10 random letters (comm holds 15 bytes)
math.randomseed(os.time(), math.floor(os.clock() * 1e6))
local name = "asy"
for _ = 1, 10 do name = name .. string.char(math.random(97, 122)) end
local program = dir .. "/" .. name
assert(shell.exec("cp \"$(command -v sleep)\" '" .. program .. "'").status == 0)

--- Starts the copy in the background (output redirected, so shell.exec returns); its pid.
local function start(seconds, path)
  return tonumber(shell.exec("'" .. (path or program) .. "' " .. seconds .. " >/dev/null 2>&1 & echo $!").stdout)
end

-- list: the runtime itself (the shell's parent) with the name and command line /proc gives
local own = tonumber(shell.exec("echo $PPID").stdout)
local entries = process.list()
assert(#entries > 2)
local mine
for _, p in ipairs(entries) do
  assert(math.type(p.pid) == "integer" and p.pid > 0 and type(p.name) == "string" and p.name ~= "")
  assert(p.cmdline == nil or (type(p.cmdline) == "string" and p.cmdline ~= ""))
  if p.pid == own then mine = p end
end
assert(mine, "the runtime's own pid " .. own .. " is not listed")
t.same({ (proc(own, "comm"):gsub("\n$", "")) }, mine.name)
t.same({ (proc(own, "cmdline"):gsub("%z$", ""):gsub("%z", " ")) }, mine.cmdline)

-- a process started here: listed, running, signalled, waited for
local pid = start(30)
local found
for _, p in ipairs(process.list()) do
  if p.pid == pid then found = p end
end
assert(found, "the started process is not listed")
t.same({ name, program .. " 30" }, found.name, found.cmdline)
t.same({ true }, process.is_running(name))
t.same({ false }, process.is_running(name:sub(1, -2))) -- equal, not a prefix
t.same({ false }, process.is_running("assay-no-such-process"))
t.same({ true }, process.kill(pid, 0)) -- it exists
t.same({ true }, process.kill(pid)) -- SIGTERM
local started = time()
t.same({ true }, process.wait_idle(name, 5, 0.05))
assert(time() - started < 2)
t.same({ false }, process.is_running(name))
t.same({ true }, process.wait_idle({ name, "assay-no-such-process" }, 0))
t.same({ true }, process.wait_idle({}))

-- wait_idle gives up at its timeout, also when the interval is longer
pid = start(30)
started = time()
t.same({ false }, process.wait_idle({ "assay-no-such-process", name }, 0.3, 10))
local waited = time() - started
assert(waited >= 0.3 and waited < 2, waited)
-- signal 9 as a number
t.same({ true }, process.kill(pid, 9))
t.same({ true }, process.wait_idle(name, 5, 0.05))

-- Linux keeps the first 15 bytes of a longer name
local long = dir .. "/" .. name .. "-longer"
assert(shell.exec("cp '" .. program .. "' '" .. long .. "'").status == 0)
pid = start(30, long)
t.same({ true, false }, process.is_running((name .. "-longer"):sub(1, 15)), process.is_running(name .. "-longer"))
process.kill(pid, 9)

-- errors
t.raises("process.kill: pid must be > 0, got 0", process.kill, 0)
t.raises("process.kill: pid must be > 0, got -5", process.kill, -5)
t.raises("process.kill: pid must be an integer, got 1.5", process.kill, 1.5)
t.raises("process.kill: first argument must be a number", process.kill)
t.raises("process.kill: first argument must be a number", process.kill, "init")
t.raises("process.kill: signal must be >= 0, got -1", process.kill, own, -1)
-- 2^31-1 is above every kernel's pid_max: no such process
t.raises("process.kill: failed to send signal 15 to pid 2147483647: No such process (os error 3)", process.kill, 2147483647)
t.raises("process.kill: failed to send signal 0 to pid 4294967296: No such process (os error 3)", process.kill, 4294967296, 0)
t.raises("process.kill: failed to send signal 99 to pid " .. own .. ": Invalid argument (os error 22)", process.kill, own, 99)
t.raises("process.is_running: first argument must be a string", process.is_running)
t.raises("process.wait_idle: first argument must be a string or an array of strings", process.wait_idle)
t.raises("process.wait_idle: names[2] must be a string", process.wait_idle, { "a", {} })
t.raises("process.wait_idle: timeout must be a non-negative finite number", process.wait_idle, "a", -1)
t.raises("process.wait_idle: timeout must be a non-negative finite number", process.wait_idle, "a", 1 / 0)
t.raises("process.wait_idle: interval must be a positive finite number", process.wait_idle, "a", 1, 0)
