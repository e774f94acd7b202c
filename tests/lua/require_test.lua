-- require: package.path, caching, errors, cycles, searchers, async top levels, dofile.
-- Fixture modules live in tests/fixtures/require/lib; environment-dependent behaviour
-- (cwd, ASSAY_LIB_PATH, HOME, sandbox profiles) is covered by tests/require.test.ts.
local here = assert(arg[0]:match("^(.*)/lua/[^/]*$"), "run as tests/lua/require_test.lua")
local lib = here .. "/fixtures/require/lib"
local tmp = require("lib.testlib").scratch()
package.path = lib .. "/?.lua;" .. lib .. "/?/init.lua;" .. package.path

local function fails(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

local function has(s, part)
  assert(type(s) == "string", "not a string: " .. tostring(s))
  assert(s:find(part, 1, true), ("%q does not contain %q"):format(s, part))
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- require is a C function (around the Lua search), as in lua5.4; searchers are a real table.
assert(type(require) == "function" and debug.getinfo(require, "S").what == "C")
assert(type(package.searchers) == "table" and #package.searchers == 6, "six searchers")
for i = 1, 6 do assert(type(package.searchers[i]) == "function") end

-- Loading, the loader's arguments, and require's second value (the file path).
local m, path = require("args")
assert(m.name == "args" and m.path == lib .. "/args.lua" and m.n == 2)
assert(path == lib .. "/args.lua", path)
-- Cached: the same table, and only one value, as in Lua 5.4.
assert(require("args") == m)
assert(select("#", require("args")) == 1)
assert(package.loaded.args == m)

-- The body runs once.
local c = require("counter")
assert(require("counter") == c and counter_runs == 1)
package.loaded.counter = nil
assert(require("counter") ~= c and counter_runs == 2, "clearing package.loaded reloads")

-- A module returning nothing is cached as true; one that sets package.loaded keeps it.
assert(require("nothing") == true and package.loaded.nothing == true and nothing_ran)
assert(require("selfset").self_set == true)

-- Dotted names and init.lua; `x.lua` wins over `x/init.lua`.
assert(require("dotted.mod").from == "dotted/mod.lua")
local pkg, pkgpath = require("pkg")
assert(pkg.from == "pkg/init.lua" and pkg.name == "pkg" and pkgpath == lib .. "/pkg/init.lua")
assert(require("flat").from == "flat.lua")

-- Numbers are accepted as names (luaL_checkstring); other types are not.
has(fails(require, 42), "module '42' not found:")
assert(fails(require) == "bad argument #1 to 'require' (string expected, got no value)")
assert(fails(require, nil) == "bad argument #1 to 'require' (string expected, got nil)")
assert(fails(require, {}) == "bad argument #1 to 'require' (string expected, got table)")

-- Errors inside a module propagate unchanged, with its chunk name and line; nothing cached.
assert(fails(require, "boom") == lib .. "/boom.lua:4: boom")
assert(boom_started and package.loaded.boom == nil)
BOOM_VALUE = { code = 7 }
assert(fails(require, "boomtable") == BOOM_VALUE, "error values pass through unchanged")
assert(package.loaded.boomtable == nil)
has(fails(require, "flaky"), lib .. "/flaky.lua:3: flaky first try")
assert(package.loaded.flaky == nil)
assert(require("flaky").tries == 2, "a failed load is retried")

-- A syntax error reads like lua5.4's, without a position of its own.
local syn = fails(require, "syntax")
assert(syn:find("^error loading module 'syntax' from file '" .. lib:gsub("%p", "%%%0") .. "/syntax.lua':\n\t"), syn)
has(syn, lib .. "/syntax.lua:2: unexpected symbol near 'return'")

-- Loading follows luaL_loadfilex: the `#` line is skipped but counted, a BOM is skipped.
assert(fails(require, "shebang") == lib .. "/shebang.lua:3: line three")
assert(shebang_ran)
assert(require("bom") == "bom skipped")

-- Not found: lua5.4's shape, plus the assay searchers' lines; positioned at the caller.
local line = debug.getinfo(1, "l").currentline + 1
local ok, err = pcall(function() require("no.such.mod") end)
assert(not ok)
has(err, ("require_test.lua:%d: module 'no.such.mod' not found:\n\tno field package.preload['no.such.mod']\n\tno file '%s/no/such/mod.lua'\n\tno file '%s/no/such/mod/init.lua'"):format(line, lib, lib))
has(err, "\n\tno file '/usr/local/lib/lua/5.4/no/such/mod.so'")
has(err, "\n\tno file '/usr/local/lib/lua/5.4/no.so'")
assert(not err:find("not an assay", 1, true) and err:sub(-#"/no.so'") == "/no.so'", err)
local miss = fails(require, "assay.no_such_module")
assert(miss:find("^module 'assay.no_such_module' not found:\n\tno field package.preload%['assay.no_such_module'%]"), miss)
has(miss, "\n\tno file './modules/no_such_module.lua'\n\tno file './modules/no_such_module/init.lua'")
assert(miss:sub(-#"\n\tno embedded stdlib file: no_such_module.lua") == "\n\tno embedded stdlib file: no_such_module.lua", miss)
has(fails(require, "assay.a.b.c"), "\n\tno embedded stdlib file: a/b/c.lua")

-- A failure's traceback names no frame of the loader's own (loader/lua/require.lua).
local _, tb = xpcall(require, debug.traceback, "no.such.mod")
assert(not tb:find("[assay loader/", 1, true), tb)
has(tb, "\n\t[C]: in function 'require'\n\t[C]: in function 'xpcall'")

-- Names that try to leave a directory are rejected by the assay searchers.
for _, bad in ipairs({ "../x", "a/../../x", "/etc/passwd", "assay.../x", "assay./etc/x", "assay.", "x/.." }) do
  has(fails(require, bad), "rejected module name '" .. bad .. "': absolute, empty or with a '..' component")
end

-- Cycles are catchable errors naming the chain, and leave nothing behind.
local cyc = fails(require, "cyc_a")
assert(cyc == lib .. "/cyc_b.lua:1: require cycle: cyc_a -> cyc_b -> cyc_a", cyc)
assert(package.loaded.cyc_a == nil and package.loaded.cyc_b == nil)
assert(fails(require, "cyc_a") == cyc, "the same error again, not a stale wait")
assert(fails(require, "selfreq") == lib .. "/selfreq.lua:2: require cycle: selfreq -> selfreq")
-- require is a C function, as in lua5.4, so a tail call to it still names the caller's line.
assert(fails(require, "tailreq") == lib .. "/tailreq.lua:2: require cycle: tailreq -> tailreq")
has(fails(require, "cyc_co"), "require cycle: cyc_co -> cyc_co")

-- package.preload, and searchers users add.
package.preload.virtual = function(name, data) return { name = name, data = data } end
local v = require("virtual")
assert(v.name == "virtual" and v.data == ":preload:")
local seen = {}
table.insert(package.searchers, 2, function(name)
  seen[#seen + 1] = name
  if name == "made.up" then return function(n, d) return { n = n, d = d } end, "custom-data" end
  return "custom searcher: nothing for " .. name
end)
local made, data = require("made.up")
assert(made.n == "made.up" and made.d == "custom-data" and data == "custom-data")
has(fails(require, "nope.either"), "\n\tno field package.preload['nope.either']\n\tcustom searcher: nothing for nope.either\n\tno file")
table.remove(package.searchers, 2)
assert(#package.searchers == 6)
-- A searcher returning nothing adds no line; a non-table package.searchers is an error.
local saved = package.searchers
package.searchers = { function() end }
assert(fails(require, "zzz") == "module 'zzz' not found:")
package.searchers = nil
has(fails(require, "zzz"), "'package.searchers' must be a table")
package.searchers = saved

-- Writing package.path takes effect on the next require.
write(tmp .. "/late.lua", "return 'late'")
local before = package.path
has(fails(require, "late"), "module 'late' not found")
package.path = tmp .. "/?.lua"
assert(require("late") == "late")
package.path = 42
has(fails(require, "late2"), "'package.path' must be a string")
package.path = before

-- package.searchpath as in Lua, over the host filesystem.
assert(package.searchpath("dotted.mod", lib .. "/?.lua") == lib .. "/dotted/mod.lua")
assert(package.searchpath("dotted_mod", lib .. "/?.lua", "_") == lib .. "/dotted/mod.lua")
assert(package.searchpath("dotted.mod", lib .. "/?.lua", ".", "+") == nil)
local nf, msg = package.searchpath("x.y", "/nope/?.lua;;/nope/?/z.lua")
assert(nf == nil and msg == "no file '/nope/x/y.lua'\n\tno file ''\n\tno file '/nope/x/y/z.lua'", msg)
assert(fails(package.searchpath, "x") == "bad argument #2 to 'searchpath' (string expected, got no value)")

-- A module's top level can call async builtins: directly, and inside a user coroutine.
local a = require("async_top")
assert(a.slept == true)
package.loaded.async_top = nil
local viaco = coroutine.wrap(function() return require("async_top") end)()
assert(viaco.slept == true and viaco ~= a)

-- Tasks requiring a module another task is loading wait for it: the body runs once.
package.path = tmp .. "/?.lua;" .. before
write(tmp .. "/shared_slow.lua", "shared_runs = (shared_runs or 0) + 1\nsleep(0.02)\nreturn { runs = shared_runs }")
local h1 = async.spawn(function() return require("shared_slow") end)
local h2 = async.spawn(function() return require("shared_slow") end)
local shared = require("shared_slow")
assert(h1:await()[1] == shared and h2:await()[1] == shared and shared_runs == 1)
-- If that load fails, a waiting task loads the module itself.
write(tmp .. "/fail_once.lua", "fail_runs = (fail_runs or 0) + 1\nsleep(0.02)\n" ..
  "if fail_runs == 1 then error('first load fails') end\nreturn { runs = fail_runs }")
local f1 = async.spawn(function() return pcall(require, "fail_once") end)
sleep(0.005)
assert(require("fail_once").runs == 2)
local f1ok, f1err = table.unpack(f1:await())
assert(f1ok == false and f1err == tmp .. "/fail_once.lua:3: first load fails", f1err)
-- A load left behind by a coroutine that died (never closed) does not block later requires.
write(tmp .. "/dies.lua", "dies_runs = (dies_runs or 0) + 1\nsleep(0.001)\n" ..
  "if dies_runs == 1 then error('dies') end\nreturn dies_runs")
local dying = coroutine.create(function() return require("dies") end)
local dok, derr = coroutine.resume(dying)
assert(not dok and derr == tmp .. "/dies.lua:3: dies" and coroutine.status(dying) == "dead")
assert(require("dies") == 2)
package.path = before

-- ASSAY_MODULES_PATH and ASSAY_LIB_PATH are read at each require.
write(tmp .. "/gmod.lua", "return 'global module'")
has(fails(require, "assay.gmod"), "no embedded stdlib file: gmod.lua")
env.set("ASSAY_MODULES_PATH", tmp)
local g, gpath = require("assay.gmod")
assert(g == "global module" and gpath == tmp .. "/gmod.lua", gpath)
env.set("ASSAY_MODULES_PATH", nil)
write(tmp .. "/libmod.lua", "return 'lib module'")
has(fails(require, "libmod"), "module 'libmod' not found:")
env.set("ASSAY_LIB_PATH", "/nonexistent:" .. tmp .. "/")
assert(require("libmod") == "lib module")
env.set("ASSAY_LIB_PATH", nil)

-- dofile is yieldable too.
write(tmp .. "/df.lua", "#!shebang\nsleep(0.01)\nreturn 'done', ...")
local r1, r2 = dofile(tmp .. "/df.lua")
assert(r1 == "done" and r2 == nil)
write(tmp .. "/dferr.lua", "sleep(0.001)\nerror('after sleep')")
assert(fails(dofile, tmp .. "/dferr.lua") == tmp .. "/dferr.lua:2: after sleep")

-- Binary chunks load in `full` (the default profile).
write(tmp .. "/bin.lua", string.dump(function() return "from bytecode" end))
package.path = tmp .. "/?.lua"
assert(require("bin") == "from bytecode")
package.path = before

-- The embedded stdlib: chunk name @assay/<file>, loader data names it.
package.loaded["assay.inspect"] = nil
local inspect, where = require("assay.inspect")
assert(type(inspect) == "table" and where == ":embedded:assay/inspect.lua", where)
assert(debug.getinfo(inspect.inspect, "S").source == "@assay/inspect.lua")
