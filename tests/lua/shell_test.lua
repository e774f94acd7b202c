-- shell.exec (builtins.md §18): status and output as the command left them, options, the
-- timeout that kills the whole process group, errors, and other tasks running meanwhile.
local t = require("lib.testlib")
local dir = t.scratch()

--- Whether process `pid` runs: /proc has it and it is not a zombie.
local function alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local stat = f:read("a")
  f:close()
  return stat:match("%) (%a)") ~= "Z"
end

--- The numbers a file holds, one per whitespace-separated word.
local function numbers(path)
  local f = assert(io.open(path))
  local out = {}
  for n in f:read("a"):gmatch("%d+") do out[#out + 1] = tonumber(n) end
  f:close()
  return out
end

-- status, stdout and stderr; a non-zero exit is not an error
local r = shell.exec("echo out; echo err >&2; exit 3")
t.same({ 3, "out\n", "err\n", false }, r.status, r.stdout, r.stderr, r.timed_out)
r = shell.exec("true")
t.same({ 0, "", "" }, r.status, r.stdout, r.stderr)
-- killed by a signal: -1
t.same({ -1 }, shell.exec("kill -9 $$").status)

-- the bytes the command wrote, invalid UTF-8 and NUL included
t.same({ "\255\0\1x" }, shell.exec([[printf '\377\000\001x']]).stdout)
t.same({ "\254" }, shell.exec([[printf '\376' >&2]]).stderr)

-- stdin: the given bytes, or /dev/null
t.same({ "line1\nbin\255\0" }, shell.exec("cat", { stdin = "line1\nbin\255\0" }).stdout)
t.same({ "/dev/null" }, shell.exec("readlink /proc/$$/fd/0", {}).stdout:match("^(.-)\n$"))
t.same({ "" }, shell.exec("cat").stdout)

-- cwd, compared with where `cd` takes the shell
local physical = shell.exec("cd '" .. dir .. "' && pwd -P").stdout
t.same({ physical }, shell.exec("pwd -P", { cwd = dir }).stdout)

-- env: added to the inherited environment (the run's variables as env.set left them)
env.set("ASSAY_SHELL_X", "from env.set")
t.same({ "from env.set\n" }, shell.exec("echo \"$ASSAY_SHELL_X\"").stdout)
env.set("ASSAY_SHELL_X", nil)
t.same({ "unset\n" }, shell.exec("echo \"${ASSAY_SHELL_X-unset}\"").stdout)
r = shell.exec("echo \"$ASSAY_SHELL_Y $ASSAY_TEST_TMP\"", { env = { ASSAY_SHELL_Y = "added", N = 5 } })
t.same({ "added " .. os.getenv("ASSAY_TEST_TMP") .. "\n" }, r.stdout)
t.same({ "5\n" }, shell.exec("echo $N", { env = { N = 5 } }).stdout)
t.same({ nil }, env.get("ASSAY_SHELL_Y")) -- the script's own environment is unchanged
t.same({ "" }, shell.exec("echo -n \"$ASSAY_SHELL_Y\"").stdout)

-- a timeout under the command's running time: SIGKILL to the whole group, output dropped
local pids = dir .. "/pids"
local started = time()
r = shell.exec("echo early; sleep 100 & echo $$ $! > '" .. pids .. "'; sleep 100", { timeout = 0.3 })
local took = time() - started
t.same({ -1, "", "", true }, r.status, r.stdout, r.stderr, r.timed_out)
assert(took >= 0.3 and took < 5, took)
local group = numbers(pids)
assert(#group == 2, "expected the shell's pid and its background child's")
sleep(0.1)
for _, pid in ipairs(group) do assert(not alive(pid), "process " .. pid .. " outlived the timeout") end
-- the same when the shell has already exited and only its background child keeps the pipes
-- open: the group reaches a process that is no longer below the shell
started = time()
r = shell.exec("sleep 100 & echo $$ $! > '" .. pids .. "'", { timeout = 0.3 })
t.same({ -1, true }, r.status, r.timed_out)
assert(time() - started < 5)
group = numbers(pids)
sleep(0.1)
for _, pid in ipairs(group) do assert(not alive(pid), "process " .. pid .. " outlived the timeout") end
-- a timeout the command stays under changes nothing
r = shell.exec("echo fast", { timeout = 5 })
t.same({ 0, "fast\n", false }, r.status, r.stdout, r.timed_out)

-- errors
t.raises("shell.exec: command string required", shell.exec)
t.raises("shell.exec: command string required", shell.exec, nil, {})
t.raises("shell.exec: first argument must be a command string", shell.exec, {})
t.raises("shell.exec: second argument must be a table or nil", shell.exec, "true", "x")
for _, bad in ipairs({ -1, 1 / 0, -(1 / 0), 0 / 0, "soon", true, {} }) do
  t.raises("shell.exec: timeout must be a non-negative finite number", shell.exec, "true", { timeout = bad })
end
t.raises('shell.exec: failed to spawn command: working directory "' .. dir .. '/missing": No such file or directory (os error 2)',
  shell.exec, "true", { cwd = dir .. "/missing" })
local file = dir .. "/a-file"
assert(io.open(file, "w")):close()
t.raises('shell.exec: failed to spawn command: working directory "' .. file .. '": Not a directory (os error 20)',
  shell.exec, "true", { cwd = file })
t.raises('shell.exec: invalid environment variable name "A=B"', shell.exec, "true", { env = { ["A=B"] = "1" } })
t.raises("shell.exec: opts.env.A must be a string", shell.exec, "true", { env = { A = true } })
t.raises("shell.exec: opts.stdin must be a string or nil", shell.exec, "true", { stdin = {} })

-- the script's buffered writes reach the disk before the command runs
local buffered = dir .. "/buffered.txt"
local f = assert(io.open(buffered, "w"))
f:write("written, not yet closed")
t.same({ "written, not yet closed" }, shell.exec("cat '" .. buffered .. "'").stdout)
f:close()

-- other tasks run while a command runs
local ticks = 0
local ticker = async.spawn(function()
  for _ = 1, 10 do
    sleep(0.05)
    ticks = ticks + 1
  end
end)
shell.exec("sleep 1")
assert(ticks >= 5, "only " .. ticks .. " ticks during shell.exec")
ticker:await()
-- two commands in two tasks overlap
started = time()
local a = async.spawn(function() return shell.exec("sleep 0.5; echo a").stdout end)
local b = async.spawn(function() return shell.exec("sleep 0.5; echo b").stdout end)
t.same({ "a\n" }, a:await()[1])
t.same({ "b\n" }, b:await()[1])
assert(time() - started < 0.95, "the two commands ran one after the other")

-- a background process that keeps the output pipes open keeps the call waiting (as in the
-- reference); one that redirects its output is left running
started = time()
t.same({ "late\n" }, shell.exec("(sleep 0.4; echo late) &").stdout)
assert(time() - started >= 0.4)
started = time()
local bg = tonumber(shell.exec("sleep 30 >/dev/null 2>&1 & echo $!").stdout)
assert(time() - started < 5)
assert(alive(bg), "the redirected background process was killed")
process.kill(bg, 9)
