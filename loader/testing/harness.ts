/**
 * The test API a test file's VM gets (`describe`, `it`, `test`, `before_each`, `after_each`) and
 * the driver that runs the file: a Lua chunk installed before the file loads, returning a
 * function that runs as the file's one task. The driver calls the file's chunk (registration:
 * `describe` bodies run at once, `it` only records), then each registered test with its hooks.
 * Everything runs inside that one scheduler task, through `xpcall` (yieldable in Lua 5.4), so
 * `sleep`, `http.get` and `async.spawn` work at the top level, in `describe` bodies, hooks and
 * tests alike, and a test's error never ends the run.
 *
 * The harness is Lua because the API is Lua's (nested `describe` bodies call back into Lua and
 * may yield); JS gives it two functions: `report`, which receives the run's events, and
 * `where`, the message handler that makes every failure read `file:line: message` (Lua's own
 * `assert` and `error(msg, 0)` give no position; the first Lua frame below the error is
 * where it happened). It captures the library functions it uses before the file runs, so a
 * test that replaces `ipairs` or `string.find` cannot break the runner.
 *
 * @example
 * ```ts
 * const driver = installHarness(vm, { filter: "json", report: (event, name, message) => {} });
 * // then: the file's chunk is passed to `driver` as the argument of the file's task
 * ```
 */
import { errorText } from "../error-text.ts";
import { LUA_OK } from "../lua-api.ts";
import type { Vm } from "../vm.ts";

/** What the driver tells JS, in order: each test starts and ends, or is left out by the filter. */
export type HarnessEvent =
  | { kind: "start"; name: string }
  | { kind: "end"; name: string; message: string | null }
  | { kind: "filtered"; name: string }
  /** The file's top level (registration) failed: no test runs. */
  | { kind: "file-error"; message: string };

export interface HarnessOptions {
  /** Plain substring the full name (`describe > it`) must contain; every test when undefined. */
  filter?: string;
  /** Receives the events; it may throw a LuaError to end the driver (the VM was stopped). */
  report: (event: HarnessEvent) => void;
}

const HARNESS = String.raw`
local report, where, filter = ...
local xpcall, error, type, select, ipairs, setmetatable = xpcall, error, type, select, ipairs, setmetatable
local find, format, insert = string.find, string.format, table.insert

local root = { before = {}, after = {} }
local current = root
local tests = {}
local running = false

-- Errors name the caller's line (level 3: the user's call of describe/it/...).
local function arg_error(fname, n, expected, ...)
  local got = select("#", ...) < n and "no value" or type((select(n, ...)))
  error(format("bad argument #%d to '%s' (%s expected, got %s)", n, fname, expected, got), 3)
end

local function registering(fname)
  if running then
    error(fname .. "() cannot be called while tests run: call it at the top level of the file or in a describe() body", 3)
  end
end

local function full_name(name)
  return current.path and (current.path .. " > " .. name) or name
end

function describe(...)
  registering("describe")
  local name, fn = ...
  if type(name) ~= "string" then arg_error("describe", 1, "string", ...) end
  if type(fn) ~= "function" then arg_error("describe", 2, "function", ...) end
  local outer = current
  current = { parent = outer, path = full_name(name), before = {}, after = {} }
  -- Restored however the body ends, so a describe() caught by pcall leaves nothing behind.
  local restore <close> = setmetatable({}, { __close = function() current = outer end })
  fn()
end

local function registrar(fname)
  return function(...)
    registering(fname)
    local name, fn = ...
    if type(name) ~= "string" then arg_error(fname, 1, "string", ...) end
    if type(fn) ~= "function" then arg_error(fname, 2, "function", ...) end
    tests[#tests + 1] = { name = full_name(name), fn = fn, suite = current }
  end
end
it = registrar("it")
test = registrar("test")

local function hook_adder(fname, key)
  return function(...)
    registering(fname)
    local fn = ...
    if type(fn) ~= "function" then arg_error(fname, 1, "function", ...) end
    local list = current[key]
    list[#list + 1] = fn
  end
end
before_each = hook_adder("before_each", "before")
after_each = hook_adder("after_each", "after")

-- Outermost first.
local function levels_of(suite)
  local levels = {}
  while suite do
    insert(levels, 1, suite)
    suite = suite.parent
  end
  return levels
end

-- before_each hooks outer to inner, the test, then after_each hooks inner to outer for every
-- level whose before_each hooks began (so what was set up is torn down). The first error is
-- the test's.
local function run_test(t)
  local levels = levels_of(t.suite)
  local failure
  local entered = 0
  for i = 1, #levels do
    entered = i
    for _, hook in ipairs(levels[i].before) do
      local ok, err = xpcall(hook, where)
      if not ok then failure = "before_each: " .. err break end
    end
    if failure then break end
  end
  if not failure then
    local ok, err = xpcall(t.fn, where)
    if not ok then failure = err end
  end
  for i = entered, 1, -1 do
    for _, hook in ipairs(levels[i].after) do
      local ok, err = xpcall(hook, where)
      if not ok and not failure then failure = "after_each: " .. err end
    end
  end
  return failure
end

return function(chunk)
  local ok, err = xpcall(chunk, where)
  if not ok then
    report("file-error", nil, err)
    return
  end
  running = true
  for _, t in ipairs(tests) do
    if filter == nil or find(t.name, filter, 1, true) then
      report("start", t.name)
      report("end", t.name, run_test(t))
    else
      report("filtered", t.name)
    end
  end
end
`;

/** A message that already starts with a position (`file.lua:12: `, `[string "x"]:1: `). */
const POSITIONED = /^(?:\[string "[^\n]*"\]|[^:\n]+):\d+: /;
/** How deep the message handler looks for a Lua frame. */
const MAX_LEVELS = 64;

/**
 * Loads the harness into the VM: the test globals are set, and the driver function is kept in
 * the registry; returns its reference. Throws when the VM cannot even do that (out of memory).
 */
export function installHarness(vm: Vm, options: HarnessOptions): number {
  const { api, L } = vm;
  let ref = 0;
  const failed = api.protect(L, 0, (P) => {
    if (api.load(P, new TextEncoder().encode(HARNESS), "=assay test", "t") !== LUA_OK) {
      throw new Error(`the test harness does not load: ${api.tostring(P, -1)}`);
    }
    api.pushfunction(P, (R) => {
      const kind = api.tostring(R, 1) as HarnessEvent["kind"];
      const name = api.tostring(R, 2) ?? "";
      const message = api.isnoneornil(R, 3) ? null : api.tostring(R, 3);
      if (kind === "file-error") options.report({ kind, message: message ?? "" });
      else if (kind === "end") options.report({ kind, name, message });
      else options.report({ kind, name });
      return 0;
    });
    api.pushfunction(P, (R) => {
      const text = errorText(api, R, 1);
      api.pushstring(R, POSITIONED.test(text) ? text : whereOf(vm, R) + text);
      return 1;
    });
    if (options.filter === undefined) api.pushnil(P);
    else api.pushstring(P, options.filter);
    api.call(P, 3, 1);
    ref = api.ref(P);
  });
  if (failed !== null) throw new Error(failed);
  return ref;
}

/**
 * `file:line: ` of the innermost Lua frame above the message handler (level 1 is the function
 * that raised: `assert` or `error` are C functions, which have no line), or "".
 */
function whereOf(vm: Vm, L: number): string {
  const { api } = vm;
  for (let level = 1; level <= MAX_LEVELS; level++) {
    api.m._luaL_where(L, level);
    const where = api.tostring(L, -1) ?? "";
    api.pop(L);
    if (where !== "") return where;
  }
  return "";
}
