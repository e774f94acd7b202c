-- `require`, `package.searchpath` and `package.searchers`, written in Lua because Lua's C
-- require calls a module's loader with lua_call, so an async builtin at a module's top level
-- could not yield. File probing, reading, the sandbox and the embedded stdlib are reached
-- through the host helpers H (loader/require.ts); the search order is README item 15.
local H, tasks = ... -- tasks: the scheduler's weak set of task threads
local package = package
-- Like the C require, keep the original table even if a script replaces package.loaded.
local loaded = package.loaded
local type, select, tostring, error, rawget, next = type, select, tostring, error, rawget, next
local setmetatable, ipairs = setmetatable, ipairs
local tremove, maxinteger = table.remove, math.maxinteger
local co_running, co_status = coroutine.running, coroutine.status
local sfind, ssub, sgsub, sbyte, format, concat = string.find, string.sub, string.gsub, string.byte, string.format, table.concat

-- error(msg, level) as seen from raise's caller, except that a position inside this file
-- is left out: a module whose top level ends in `return require(x)` tail-calls require, and
-- the C require would name no position there either.
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

-- loadlib.c's searchpath. `probe(file)` answers true (use it), false (not there) or the
-- sandbox's denial message, raised at `level` as seen from searchpath's caller (so that it
-- names the line that called require or package.searchpath).
local function searchpath(name, path, sep, rep, probe, fname, level)
  if sep ~= "" and sfind(name, sep, 1, true) then name = plain_gsub(name, sep, rep) end
  local candidates = pieces(plain_gsub(path, "?", name), ";")
  for i = 1, #candidates do
    local file = candidates[i]
    local found = probe(file, fname)
    if found == true then return file end
    if found then raise(found, level + 1) end
  end
  return nil, "no file '" .. concat(candidates, "'\n\tno file '") .. "'"
end

local function readable(file, fname) return H.probe(file, fname) end
-- Native modules are never loaded, so the C searchers only look (and only in `full`; the
-- other profiles do no I/O outside the script's directory).
local function exists(file) return H.full and H.exists(file) end

function package.searchpath(...)
  local name, path, sep, rep = ...
  local n = select("#", ...)
  name = checkstring(name, 1, "searchpath", n >= 1)
  path = checkstring(path, 2, "searchpath", n >= 2)
  sep = optstring(sep, 3, "searchpath", ".")
  rep = optstring(rep, 4, "searchpath", "/")
  -- Not a tail call: the level of a denial counts this frame.
  local file, err = searchpath(name, path, sep, rep, readable, "package.searchpath", 2)
  if file then return file end
  return nil, err
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
  local file, msg = searchpath(name, path_field("path"), ".", "/", readable, "require", 3)
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
      local found = readable(file, "require")
      if found == true then return load_module(name, file) end
      if found then raise(found, 3) end -- searcher, require, its caller
      tried[#tried + 1] = "no file '" .. file .. "'"
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

local function require(...)
  local name = checkstring((...), 1, "require", select("#", ...) > 0)
  local value = loaded[name]
  if value then return value end
  local me = co_running()
  while loading[name] do
    local owner = loading[name]
    if on_our_stack(owner.co, me) then raise("require cycle: " .. cycle_chain(name, me), 2) end
    if co_status(owner.co) == "dead" or not owner.task or co_status(owner.task) == "dead" then
      -- Its loader failed in a coroutine nobody closed, or its task is gone: the load is over.
      forget_dead()
      if loading[name] == owner then loading[name] = nil end
    elseif owner.task == task_of(me) then
      -- Our own task suspended that load with a plain coroutine.yield: waiting would hang.
      raise(format("require: module '%s' is still loading in a suspended coroutine", name), 2)
    else
      -- Another task is running this module's top level: wait for it, then use its result.
      H.wait(name)
      value = loaded[name]
      if value then return value end
    end
  end
  -- loadlib.c's findloader, inline so that a searcher's error levels name require's caller.
  local list = package.searchers
  if type(list) ~= "table" then raise("'package.searchers' must be a table", 2) end
  local msg, loader, data = {}, nil, nil
  for i = 1, maxinteger do
    local searcher = rawget(list, i)
    if searcher == nil then raise(format("module '%s' not found:%s", name, concat(msg)), 2) end
    loader, data = searcher(name)
    if type(loader) == "function" then break end
    local t = type(loader)
    if t == "string" or t == "number" then msg[#msg + 1] = "\n\t" .. loader end
  end
  local entry = setmetatable({ name = name, co = me, task = task_of(me) }, Loading)
  loading[name] = entry
  active[#active + 1] = entry
  local _ <close> = entry
  local result = loader(name, data)
  if result ~= nil then loaded[name] = result end
  if loaded[name] == nil then loaded[name] = true end
  return loaded[name], data
end

_G.require = require
