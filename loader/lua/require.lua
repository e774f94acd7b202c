-- `package.searchpath`, `package.searchers` and the search and bookkeeping of `require`,
-- written in Lua because Lua's C require calls a module's loader with lua_call, so an async
-- builtin at a module's top level could not yield. `require` itself is a C function made by
-- H.require (loader/require.ts) around `find` and `store` below. File probing, reading, the
-- sandbox and the embedded stdlib are reached through the host helpers H; the search order
-- is README item 15.
local H, tasks = ... -- tasks: the scheduler's weak set of task threads
local package = package
-- Like the C require, keep the original table even if a script replaces package.loaded.
local loaded = package.loaded
local type, select, tostring, error, rawget, next, pcall = type, select, tostring, error, rawget, next, pcall
local setmetatable, ipairs = setmetatable, ipairs
local tremove, maxinteger = table.remove, math.maxinteger
local co_running, co_status = coroutine.running, coroutine.status
local sfind, ssub, sgsub, sbyte, format, concat = string.find, string.sub, string.gsub, string.byte, string.format, table.concat

-- error(msg, level) as seen from raise's caller, except that a position inside this file
-- is left out: the position to name is the user's code, never the loader's.
local function raise(msg, level)
  error(H.where(level + 1) .. msg, 0)
end

-- Argument checks with Lua's own "bad argument" wording.
local function checkstring(v, n, fname, present)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring(v) end
  local got = present and t or "no value"
  raise(format("bad argument #%d to '%s' (string expected, got %s)", n, fname, got), 3)
end

local function optstring(v, n, fname, default)
  if v == nil then return default end
  return checkstring(v, n, fname, true)
end

-- gsub with plain-text pattern and replacement (luaL_gsub).
local function plain_gsub(s, from, to)
  return (sgsub(s, sgsub(from, "%W", "%%%0"), (sgsub(to, "%%", "%%%%"))))
end

-- The pieces of a `;`-separated template list, empty ones included (loadlib.c's
-- getnextfilename does not skip them either).
local function pieces(list, sep)
  local out, at = {}, 1
  while true do
    local i = sfind(list, sep, at, true)
    if not i then
      out[#out + 1] = ssub(list, at)
      return out
    end
    out[#out + 1] = ssub(list, at, i - 1)
    at = i + 1
  end
end

-- The miss-list line for a candidate `probe` did not take: false (not there), or why the
-- sandbox refuses it. A refused file is never looked at, so the line is the same whether it
-- exists or not, and the search goes on (to the embedded stdlib, say).
local function miss(file, found)
  if found then return "denied '" .. file .. "' (" .. found .. ")" end
  return "no file '" .. file .. "'"
end

-- loadlib.c's searchpath. `probe(file)` answers true (use it), false (not there) or why the
-- sandbox refuses it.
local function searchpath(name, path, sep, rep, probe)
  if sep ~= "" and sfind(name, sep, 1, true) then name = plain_gsub(name, sep, rep) end
  local candidates = pieces(plain_gsub(path, "?", name), ";")
  local tried = {}
  for i = 1, #candidates do
    local file = candidates[i]
    local found = probe(file)
    if found == true then return file end
    tried[i] = miss(file, found)
  end
  return nil, concat(tried, "\n\t")
end

local readable = H.probe
-- Native modules are never loaded, so the C searchers only look: in `full` through the same
-- sandbox-first probe, elsewhere not at all (no I/O outside the script's directory there).
local function exists(file) return H.full and H.probe(file) end

function package.searchpath(...)
  local name, path, sep, rep = ...
  local n = select("#", ...)
  name = checkstring(name, 1, "searchpath", n >= 1)
  path = checkstring(path, 2, "searchpath", n >= 2)
  sep = optstring(sep, 3, "searchpath", ".")
  rep = optstring(rep, 4, "searchpath", "/")
  return searchpath(name, path, sep, rep, readable)
end

-- As loadlib.c's checkload: no position, the loader's message on its own line.
local function load_error(name, file, err)
  error(format("error loading module '%s' from file '%s':\n\t%s", name, file, err), 0)
end

local function load_module(name, file)
  local f, err = H.loadfile(file)
  if not f then load_error(name, file, err) end
  return f, file
end

local function path_field(field)
  local path = package[field]
  if type(path) ~= "string" then error(format("'package.%s' must be a string", field), 0) end
  return path
end

-- Searcher 2: package.path, with the sandbox's read rules.
local function searcher_lua(name)
  name = checkstring(name, 1, "searcher", name ~= nil)
  local file, msg = searchpath(name, path_field("path"), ".", "/", readable)
  if not file then return msg end
  return load_module(name, file)
end

local function native(file)
  return format("'%s' is a native module; assay does not load native code", file)
end

-- Searcher 3: package.cpath, listed but never loaded.
local function searcher_c(name)
  name = checkstring(name, 1, "searcher", name ~= nil)
  local file, msg = searchpath(name, path_field("cpath"), ".", "/", exists)
  if not file then return msg end
  return native(file)
end

-- Searcher 4: the root of a dotted name in package.cpath (`a.b` -> `a.so`), likewise.
local function searcher_croot(name)
  name = checkstring(name, 1, "searcher", name ~= nil)
  local dot = sfind(name, ".", 1, true)
  if not dot then return end
  local file, msg = searchpath(ssub(name, 1, dot - 1), path_field("cpath"), ".", "/", exists)
  if not file then return msg end
  return native(file)
end

-- The part after `assay.`, or nil for other names.
local function assay_rest(name)
  if ssub(name, 1, 6) == "assay." then return ssub(name, 7) end
end

-- Names the assay searchers refuse to map onto files: an absolute path, a `..` component,
-- an empty module name, or a NUL byte.
local function escapes(s)
  return s == "" or sbyte(s, 1) == 47 or s == ".." or sfind(s, "^%.%./") or sfind(s, "/%.%./")
    or sfind(s, "/%.%.$") or sfind(s, "\0", 1, true)
end

local function rejected(name, rest)
  return escapes(name) or (rest and escapes(rest))
end

-- A directory as given, without trailing slashes (so chunk names read `@dir/file.lua`).
local function trim_dir(dir)
  local t = sgsub(dir, "/+$", "")
  if t == "" then return "/" end
  return t
end

local function join(dir, file)
  if dir == "/" then return "/" .. file end
  return dir .. "/" .. file
end

-- The directories searched for a name, read at each call (README item 15).
local function module_dirs(rest)
  local dirs = {}
  if rest then dirs[1] = "./modules" end
  local lib = H.env("ASSAY_LIB_PATH")
  if lib then
    local list = pieces(lib, ":")
    for i = 1, #list do
      if list[i] ~= "" then dirs[#dirs + 1] = trim_dir(list[i]) end
    end
  end
  if rest then
    local global = H.global_dir
    if not global then
      local env = H.env("ASSAY_MODULES_PATH")
      if env and env ~= "" then
        global = env
      else
        local home = H.env("HOME")
        if home and home ~= "" then global = join(trim_dir(home), ".assay/modules") end
      end
    end
    if global then dirs[#dirs + 1] = trim_dir(global) end
  end
  return dirs
end

-- Searcher 5: module directories. `assay.<rest>`: ./modules, each ASSAY_LIB_PATH directory,
-- then $ASSAY_MODULES_PATH or ~/.assay/modules. Other names: each ASSAY_LIB_PATH directory.
local function searcher_dirs(name)
  name = checkstring(name, 1, "searcher", name ~= nil)
  local rest = assay_rest(name)
  if rejected(name, rest) then
    return format("rejected module name '%s': absolute, empty or with a '..' component", name)
  end
  local base = sgsub(rest or name, "%.", "/")
  local dirs, tried = module_dirs(rest), {}
  for i = 1, #dirs do
    for _, candidate in ipairs({ base .. ".lua", base .. "/init.lua" }) do
      local file = join(dirs[i], candidate)
      local found = readable(file)
      if found == true then return load_module(name, file) end
      tried[#tried + 1] = miss(file, found)
    end
  end
  if #tried > 0 then return concat(tried, "\n\t") end
end

-- Searcher 6: the stdlib embedded in the binary, for `assay.*` names.
local function searcher_embedded(name)
  name = checkstring(name, 1, "searcher", name ~= nil)
  local rest = assay_rest(name)
  -- Other names add nothing, so a miss reads exactly as in lua5.4 (the official suite's
  -- attrib.lua compares it byte for byte).
  if not rest then return end
  if rejected(name, rest) then return end
  local base = sgsub(rest, "%.", "/")
  for _, candidate in ipairs({ base .. ".lua", base .. "/init.lua" }) do
    local f, err = H.embedded(candidate)
    if f then return f, ":embedded:assay/" .. candidate end
    if f == false then load_error(name, "assay/" .. candidate, err) end
  end
  return "no embedded stdlib file: " .. base .. ".lua"
end

local searchers = package.searchers
searchers[2] = searcher_lua
searchers[3] = searcher_c
searchers[4] = searcher_croot
searchers[5] = searcher_dirs
searchers[6] = searcher_embedded

-- Modules being loaded: name -> {name, co = the coroutine loading it, task = its task},
-- and the same entries in start order (for the chain in a cycle error).
local loading, active = {}, {}

-- Whether coroutine `co` is the running one or one that resumed it (so it is waiting for us).
local function on_our_stack(co, me)
  if co == me then return true end
  return co_status(co) == "normal"
end

-- The task (scheduler root) a running coroutine belongs to: itself, or the one task that is
-- resuming it (only one task runs at a time; the others are suspended or dead).
local function task_of(co)
  if tasks[co] then return co end
  for t in next, tasks do
    if co_status(t) == "normal" then return t end
  end
end

local function forget_dead()
  for i = #active, 1, -1 do
    local entry = active[i]
    if co_status(entry.co) == "dead" then
      tremove(active, i)
      if loading[entry.name] == entry then loading[entry.name] = nil end
    end
  end
end

local function cycle_chain(name, me)
  local chain, started = {}, false
  for i = 1, #active do
    local entry = active[i]
    if on_our_stack(entry.co, me) then
      if entry.name == name then started = true end
      if started then chain[#chain + 1] = entry.name end
    end
  end
  chain[#chain + 1] = name
  return concat(chain, " -> ")
end

-- Ends a load however the loader leaves (return or error caught by a pcall): other tasks
-- waiting for the same module try again.
local Loading = {
  __close = function(entry)
    if loading[entry.name] == entry then loading[entry.name] = nil end
    for i = #active, 1, -1 do
      if active[i] == entry then tremove(active, i) break end
    end
    H.notify(entry.name)
  end,
}

-- What to do with a name, for require (a C function in loader/require.ts, so that its errors
-- come from a C frame and the traceback shows none of this file's, as in lua5.4):
--   "loaded", value               the module is there (cached, or another task loaded it);
--   "load", entry, loader, data   call loader(name, data), then store(); close entry after;
--   "fail", message, positioned   raise message, after the caller's position if positioned.
-- loadlib.c's findloader is inline; a searcher's error is raised as it is.
local function find(name)
  local value = loaded[name]
  if value then return "loaded", value end
  local me = co_running()
  while loading[name] do
    local owner = loading[name]
    if on_our_stack(owner.co, me) then return "fail", "require cycle: " .. cycle_chain(name, me), true end
    if co_status(owner.co) == "dead" or not owner.task or co_status(owner.task) == "dead" then
      -- Its loader failed in a coroutine nobody closed, or its task is gone: the load is over.
      forget_dead()
      if loading[name] == owner then loading[name] = nil end
    elseif owner.task == task_of(me) then
      -- Our own task suspended that load with a plain coroutine.yield: waiting would hang.
      return "fail", format("require: module '%s' is still loading in a suspended coroutine", name), true
    else
      -- Another task is running this module's top level: wait for it, then use its result.
      H.wait(name)
      value = loaded[name]
      if value then return "loaded", value end
    end
  end
  local list = package.searchers
  if type(list) ~= "table" then return "fail", "'package.searchers' must be a table", true end
  local msg = {}
  for i = 1, maxinteger do
    local searcher = rawget(list, i)
    if searcher == nil then return "fail", format("module '%s' not found:%s", name, concat(msg)), true end
    local ok, loader, data = pcall(searcher, name)
    if not ok then return "fail", loader, false end
    if type(loader) == "function" then
      local entry = setmetatable({ name = name, co = me, task = task_of(me) }, Loading)
      loading[name] = entry
      active[#active + 1] = entry
      return "load", entry, loader, data
    end
    local t = type(loader)
    if t == "string" or t == "number" then msg[#msg + 1] = "\n\t" .. loader end
  end
end

-- What require returns once the loader has: as loadlib.c's ll_require stores it.
local function store(name, result)
  if result ~= nil then loaded[name] = result end
  if loaded[name] == nil then loaded[name] = true end
  return loaded[name]
end

_G.require = H.require(find, store)
