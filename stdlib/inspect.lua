--- @module assay.inspect
--- @description Readable dump of any Lua value: sorted keys, indentation, shared and cyclic tables marked, depth limit, integers and floats told apart.
--- @keywords inspect, dump, debug, pretty-print, print, table, serialize
--- @quickref inspect(value, opts?) -> string | Render a value as Lua-like text; opts: depth, indent, width, metatables
--- @quickref inspect.inspect(value, opts?) -> string | Same as calling the module

-- Output reads like a Lua table constructor: `{ 1, 2, name = "x", ["a b"] = 1.5 }`.
-- Array items (1..n without holes) come first, then the other keys sorted (numbers,
-- strings, booleans, then other types). A table that would not fit on one line within
-- `width` is broken over lines, indented with `indent`. A table reached twice is printed
-- once, labelled `<N>{ ... }`; later references, including cycles, read `<table N>`.
-- Functions, threads and userdata read `<function 1>`, `<thread 1>`, `<FILE* 1>`... numbered
-- by first appearance. Tables nested deeper than `depth` read `{...}`.

local type, next, rawget, tostring, getmetatable, error = type, next, rawget, tostring, getmetatable, error
local mtype, huge, mininteger = math.type, math.huge, math.mininteger
local format, sbyte, ssub, sfind, srep = string.format, string.byte, string.sub, string.find, string.rep
local concat, sort = table.concat, table.sort
local ulen = utf8.len

---@class assay.inspect.Options
---@field depth? number nesting levels shown (default unlimited); deeper tables read `{...}`
---@field indent? string the indentation of one level (default two spaces)
---@field width? integer the line width tables are fitted to (default 80; 0 puts every table over lines)
---@field metatables? boolean also show each table's metatable as `<metatable> = {...}` (default false)

--- The module table; calling it is calling `inspect.inspect`.
---@class assay.inspect
---@overload fun(value: any, opts?: assay.inspect.Options): string
local M = {}

local KEYWORDS = {}
for word in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do KEYWORDS[word] = true end

local ESCAPES = {
  [7] = "\\a", [8] = "\\b", [9] = "\\t", [10] = "\\n", [11] = "\\v", [12] = "\\f", [13] = "\\r",
  [34] = '\\"', [92] = "\\\\",
}

-- A double-quoted Lua literal: control bytes and bytes that are not valid UTF-8 escaped,
-- valid UTF-8 text kept readable.
local function quote(s)
  if not sfind(s, '[%c"\\\128-\255]') then return '"' .. s .. '"' end
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = sbyte(s, i)
    local len = 1
    if c >= 0xC2 and c <= 0xF4 then
      len = c >= 0xF0 and 4 or c >= 0xE0 and 3 or 2
      if i + len - 1 > n or ulen(s, i, i + len - 1) ~= 1 then len = 0 end
    end
    if len > 1 then
      out[#out + 1] = ssub(s, i, i + len - 1)
      i = i + len
    else
      if ESCAPES[c] then
        out[#out + 1] = ESCAPES[c]
      elseif c < 0x20 or c >= 0x7F then
        out[#out + 1] = format("\\x%02X", c)
      else
        out[#out + 1] = ssub(s, i, i)
      end
      i = i + 1
    end
  end
  return '"' .. concat(out) .. '"'
end

-- Integers as written; floats always with a point or an exponent, exact enough to read back.
local function number(x)
  if mtype(x) == "integer" then
    if x == mininteger then return "math.mininteger" end
    return tostring(x)
  end
  if x ~= x then return "0/0" end
  if x == huge then return "math.huge" end
  if x == -huge then return "-math.huge" end
  local s = format("%.14g", x)
  if tonumber(s) ~= x then s = format("%.17g", x) end
  if not sfind(s, "[%.e]") then s = s .. ".0" end
  return s
end

local TYPE_ORDER = { number = 1, string = 2, boolean = 3, table = 4, ["function"] = 5, userdata = 6, thread = 7 }

-- One rendering: options, numbering of tables and other reference values.
local function new_state(opts)
  return {
    depth = opts.depth or huge,
    indent = opts.indent or "  ",
    width = opts.width or 80,
    metatables = opts.metatables == true,
    nodes = {},      -- table -> its node, once rendering of it started
    ids = {},        -- function/thread/userdata -> number
    counts = {},     -- kind -> last number used
  }
end

local function ref_id(st, v, kind)
  local id = st.ids[v]
  if not id then
    id = (st.counts[kind] or 0) + 1
    st.counts[kind] = id
    st.ids[v] = id
  end
  return id
end

local function other(st, v)
  local t = type(v)
  local kind = t
  if t == "userdata" then
    local mt = getmetatable(v)
    if type(mt) == "table" and type(rawget(mt, "__name")) == "string" then kind = rawget(mt, "__name") end
  end
  return format("<%s %d>", kind, ref_id(st, v, kind))
end

local function key_less(st)
  return function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return TYPE_ORDER[ta] < TYPE_ORDER[tb] end
    if ta == "number" or ta == "string" then return a < b end
    if ta == "boolean" then return b and not a end
    return ref_id(st, a, "key") < ref_id(st, b, "key")
  end
end

local render

-- A table becomes a node: {label?, entries = {{key = text or {bracket = item}, value = item}}}
-- where an item is text, a node or {ref = node} (a later reference). A node is marked for a
-- label when a second reference shows up; numbers are given in output order afterwards.
local function render_table(st, t, level)
  local node = st.nodes[t]
  if node then
    node.label = true
    return { ref = node }
  end
  if level > st.depth then return next(t) == nil and "{}" or "{...}" end
  node = { entries = {} }
  st.nodes[t] = node
  local entries = node.entries
  local n = 0
  while rawget(t, n + 1) ~= nil do
    n = n + 1
    entries[n] = { value = render(st, rawget(t, n), level + 1) }
  end
  local keys = {}
  for k in next, t do
    if not (mtype(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  sort(keys, key_less(st))
  for i = 1, #keys do
    local k = keys[i]
    local key
    if type(k) == "string" and sfind(k, "^[%a_][%w_]*$") and not KEYWORDS[k] then
      key = k
    else
      key = { bracket = render(st, k, level + 1) }
    end
    entries[#entries + 1] = { key = key, value = render(st, rawget(t, k), level + 1) }
  end
  if st.metatables then
    local mt = getmetatable(t)
    if mt ~= nil then entries[#entries + 1] = { key = "<metatable>", value = render(st, mt, level + 1) } end
  end
  return node
end

function render(st, v, level)
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "number" then return number(v) end
  if t == "table" then return render_table(st, v, level) end
  if t == "nil" or t == "boolean" then return tostring(v) end
  return other(st, v)
end

-- Numbers the labelled nodes in the order they will be printed.
local function number_labels(item, seen, next_label)
  if type(item) ~= "table" or item.ref or seen[item] then return next_label end
  seen[item] = true
  if item.label then
    item.label = next_label
    next_label = next_label + 1
  end
  for _, e in ipairs(item.entries) do
    if type(e.key) == "table" then next_label = number_labels(e.key.bracket, seen, next_label) end
    next_label = number_labels(e.value, seen, next_label)
  end
  return next_label
end

local function label_of(node)
  return node.label and "<" .. node.label .. ">" or ""
end

local flat

local function flat_key(key, width)
  if type(key) == "string" then return key end
  local inner = flat(key.bracket, width)
  return inner and "[" .. inner .. "]"
end

-- The one-line form of an item, or false when it is longer than `width` (always the same
-- width in one rendering, so the answer is kept on the node).
function flat(item, width)
  if type(item) == "string" then return #item <= width and item end
  if item.ref then return "<table " .. item.ref.label .. ">" end
  if item.flat ~= nil then return item.flat end
  local label = label_of(item)
  if #item.entries == 0 then
    item.flat = label .. "{}"
    return item.flat
  end
  local parts, size = {}, #label + 4
  for i, e in ipairs(item.entries) do
    local text = flat(e.value, width)
    if text and e.key then
      local key = flat_key(e.key, width)
      text = key and key .. " = " .. text
    end
    size = size + (text and #text or 0) + (i > 1 and 2 or 0)
    if not text or size > width then
      item.flat = false
      return false
    end
    parts[i] = text
  end
  item.flat = label .. "{ " .. concat(parts, ", ") .. " }"
  return item.flat
end

-- Appends the text of `item` to `out`, starting `used` characters into a line at `level`.
local function layout(st, item, level, out, used)
  local room = st.width - #st.indent * level - used
  local one = flat(item, st.width)
  if type(item) ~= "table" or item.ref or #item.entries == 0 or (one and #one <= room) then
    out[#out + 1] = one or (type(item) == "string" and item) or label_of(item) .. "{}"
    return
  end
  local pad = srep(st.indent, level + 1)
  local line = nil -- length of the current line when it holds packed array items
  out[#out + 1] = label_of(item) .. "{"
  for i, e in ipairs(item.entries) do
    local last = i == #item.entries
    local text = not e.key and (type(e.value) == "string" or e.value.ref) and flat(e.value, st.width)
    if text and line and line + 2 + #text + (last and 0 or 1) <= st.width then
      -- Short array items share a line.
      out[#out + 1] = ", " .. text
      line = line + 2 + #text
    else
      out[#out + 1] = (i > 1 and ",\n" or "\n") .. pad
      if text then
        out[#out + 1] = text
        line = #pad + #text
      else
        line = nil
        local used_here = 0
        if e.key then
          if type(e.key) == "string" then
            out[#out + 1] = e.key
            used_here = #e.key
          else
            out[#out + 1] = "["
            layout(st, e.key.bracket, level + 1, out, 1)
            out[#out + 1] = "]"
            used_here = 2
          end
          out[#out + 1] = " = "
          used_here = used_here + 3
        end
        layout(st, e.value, level + 1, out, used_here + (last and 0 or 1))
      end
    end
  end
  out[#out + 1] = "\n" .. srep(st.indent, level) .. "}"
end

local function check_opts(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error("inspect: opts must be a table, got " .. type(opts), 3) end
  local depth, indent, width = opts.depth, opts.indent, opts.width
  if depth ~= nil and (type(depth) ~= "number" or depth < 0 or depth ~= depth) then
    error("inspect: opts.depth must be a number >= 0", 3)
  end
  if indent ~= nil and type(indent) ~= "string" then error("inspect: opts.indent must be a string", 3) end
  if width ~= nil and (mtype(width) ~= "integer" or width < 0) then
    error("inspect: opts.width must be an integer >= 0", 3)
  end
  return opts
end

--- Renders `value` as readable Lua-like text.
-- opts.depth (default unlimited): nesting levels shown; deeper tables read `{...}`.
-- opts.indent (default two spaces), opts.width (default 80; 0 puts every table over lines),
-- opts.metatables (default false): also show each table's metatable as `<metatable> = {...}`.
---@param value any the value to render
---@param opts? assay.inspect.Options depth, indent, width, metatables
---@return string
function M.inspect(value, opts)
  local st = new_state(check_opts(opts))
  local root = render(st, value, 1)
  number_labels(root, {}, 1)
  local out = {}
  layout(st, root, 0, out, 0)
  return concat(out)
end

return setmetatable(M, {
  __call = function(_, ...) return M.inspect(...) end,
})
