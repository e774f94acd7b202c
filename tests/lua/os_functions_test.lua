-- The os table: POSIX os.execute/tmpname/clock/setlocale/getenv as lua5.4 has them, and
-- the reference's os.hostname/arch/platform added to it.
local T = require("lib.testlib")
local dir = T.scratch()
local same = T.same
local raises = T.raises

-- os.execute: the shell's verdict, not a raw wait status
same({ true }, os.execute())
same({ true, "exit", 0 }, os.execute("true"))
same({ nil, "exit", 1 }, os.execute("false"))
same({ nil, "exit", 42 }, os.execute("exit 42"))
same({ nil, "signal", 9 }, os.execute("kill -KILL $$"))
same({ true, "exit", 0 }, os.execute("echo from-execute > " .. dir .. "/exec.txt"))
local f = assert(io.open(dir .. "/exec.txt"))
same({ "from-execute\n" }, f:read("a"))
f:close()
same({ true, "exit", 0 }, os.execute("test \"$ASSAY_TEST_TMP\" = '" .. os.getenv("ASSAY_TEST_TMP") .. "'"))
raises("bad argument #1 to 'execute' (string expected, got table)", function() os.execute({}) end)
-- inside a coroutine and a pcall (the scheduler waits for the child there)
local co = coroutine.wrap(function() return pcall(os.execute, "exit 2") end)
same({ true, nil, "exit", 2 }, co())
-- where the caller cannot yield (a sort comparator), it blocks instead
local results = {}
table.sort({ 2, 1 }, function(a, b)
  results[#results + 1] = select(3, os.execute("exit 4"))
  return a < b
end)
assert(results[1] == 4)

-- os.tmpname creates /tmp/lua_XXXXXX
local name = os.tmpname()
assert(name:match("^/tmp/lua_[%w][%w][%w][%w][%w][%w]$"), name)
f = assert(io.open(name, "r"), "the file exists")
same({ "" }, f:read("a"))
f:close()
local other = os.tmpname()
assert(other ~= name)
assert(os.remove(name))
assert(os.remove(other))

-- os.clock is CPU time: busy work advances it, sleeping barely does
local c0 = os.clock()
assert(math.type(c0) == "float" and c0 >= 0)
local x = 0
for i = 1, 3e6 do x = x + i % 7 end
local c1 = os.clock()
assert(c1 > c0, "CPU time advances with work")
-- Process CPU time: under assay test other threads of the process (the JS engine's collector
-- and compilers, busy after a heavy test file) can add about 0.2 s while this file sleeps.
sleep(1)
assert(os.clock() - c1 < 0.5, "sleeping is not CPU time")

-- os.setlocale: a C-locale-only build
same({ "C" }, os.setlocale())
same({ "C" }, os.setlocale("C"))
same({ "C" }, os.setlocale("POSIX"))
same({ "C" }, os.setlocale(""))
same({ nil }, os.setlocale("pt_BR"))
same({ nil }, os.setlocale("en_US.UTF-8", "numeric"))
same({ "C" }, os.setlocale(nil, "time"))
raises("bad argument #2 to 'setlocale' (invalid option 'bogus')", function() os.setlocale("C", "bogus") end)

-- os.getenv reads the environment the runtime was given
same({ dir:match("^(.*)/os_functions_test$") }, os.getenv("ASSAY_TEST_TMP"))
same({ nil }, os.getenv("ASSAY_SURELY_UNSET_VARIABLE"))
raises("bad argument #1 to 'getenv' (string expected, got no value)", function() os.getenv() end)

-- os.date's %Z is an abbreviation, %z a numeric offset
local zone = os.date("%Z")
assert(zone:match("^[%w+-]+$") and #zone <= 6, zone)
assert(os.date("%z"):match("^[+-]%d%d%d%d$"))
assert(os.date("!%Z", 0) == "GMT" or os.date("!%Z", 0) == "UTC")

-- the reference's additions
assert(type(os.hostname()) == "string" and #os.hostname() > 0)
local arch = os.arch()
assert(arch == "x86_64" or arch == "aarch64" or arch == "arm" or arch == "x86", arch)
local platform = os.platform()
assert(platform == "linux" or platform == "macos" or platform == "windows", platform)
