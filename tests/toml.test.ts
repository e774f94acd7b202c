/**
 * toml through the binary, against an independent reader: Python's tomllib reads what
 * toml.encode writes as the same values (date-times as date-times), and toml.parse reads a
 * document as tomllib does. Skipped where Python's tomllib (3.11+) is missing. Behaviour inside
 * Lua is covered by tests/lua/toml_test.lua; profiles at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { passLua, python, tempDir } from "./helpers.ts";

const hasTomllib = spawnSync("python3", ["-c", "import tomllib"]).status === 0;
const skip = hasTomllib ? false : "python3 with tomllib (3.11+) is not installed";

const pass = passLua;

/**
 * Python that turns tomllib's values into JSON with types kept: floats tagged (so `1.0` is
 * not `1`), date-times as the reference's marker table with RFC 3339 text (`Z` for UTC).
 */
const TO_JSON = `
import datetime, json, math, tomllib
def conv(v):
    if isinstance(v, bool): return v
    if isinstance(v, float): return {"float": repr(v)}
    if isinstance(v, int): return {"int": str(v)}
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        text = v.isoformat()
        if isinstance(v, datetime.datetime) and v.tzinfo is not None and v.utcoffset() == datetime.timedelta(0):
            text = text[:-6] + "Z"
        return {"$__toml_private_datetime": text}
    if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}
    if isinstance(v, list): return [conv(x) for x in v]
    return v
`;

/** The same tagging in Lua, for values assay holds. */
const LUA_TAG = `
local function conv(v)
  if math.type(v) == "float" then
    if v ~= v then return { float = "nan" } end
    if v == math.huge then return { float = "inf" } end
    if v == -math.huge then return { float = "-inf" } end
    return { float = v }
  end
  if math.type(v) == "integer" then return { int = tostring(v) } end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = conv(x) end
  if next(v) == nil then return json.object({}) end
  return out
end
`;

test("toml.encode: tomllib reads the output as the same values, date-times included", { skip }, () => {
  const dir = tempDir();
  const ours = pass(dir, `${LUA_TAG}
local DT = "$__toml_private_datetime"
local value = {
  title = "a \\"quoted\\" \\\\ title\\nwith\\tcontrol \\1 \\127 é ✓",
  ints = { 0, -7, 9007199254740993, math.maxinteger, math.mininteger },
  floats = { 5.0, -0.0, 0.5, 1e16, 1.5e-7, 1e300 },
  flags = { true, false },
  ["odd key"] = { ["a.b"] = 1, [""] = 2 },
  when = { [DT] = "1979-05-27T07:32:00Z" },
  local_dt = { [DT] = "1979-05-27T00:32:00.999999" },
  day = { [DT] = "1979-05-27" },
  at = { [DT] = "07:32:00" },
  offset = { [DT] = "1979-05-27T00:32:00-07:00" },
  server = { host = "h", tls = { on = true }, nested = { deep = { x = 1 } } },
  items = { { n = 1 }, { n = 2, sub = { { z = "s" } } } },
  mixed = { 1, "two", { k = 3 } },
}
local f = assert(io.open("out.toml", "w")) f:write(toml.encode(value)) f:close()
print(json.encode(conv(value)))
`);
  const theirs = python(`${TO_JSON}
print(json.dumps(conv(tomllib.load(open("out.toml", "rb")))))
`, dir);
  const norm = (text: string) => {
    const v = JSON.parse(text, (_k, x) => (x && typeof x === "object" && "float" in x ? { float: Number(x.float) } : x));
    return v;
  };
  assert.deepEqual(norm(ours), norm(theirs));
});

const DOC = `
title = "TOML Example"
[owner]
name = "Tom"
dob = 1979-05-27T07:32:00-08:00
[database]
enabled = true
ports = [ 8000, 8001, 8002 ]
data = [ ["delta", "phi"], [3.14] ]
temp_targets = { cpu = 79.5, case = 72.0 }
big = 9_223_372_036_854_775_807
hex = 0xdead_beef
special = [inf, -inf]
[servers]
[servers.alpha]
ip = "10.0.0.1"
role = "frontend"
[[fruits]]
name = "apple"
[fruits.physical]
color = "red"
[[fruits.varieties]]
name = "red delicious"
[[fruits]]
name = "banana"
str = '''
raw \\n text'''
ml = """
a \\
  b"""
`;

test("toml.parse: a document reads as tomllib reads it", { skip }, () => {
  const dir = tempDir();
  writeFileSync(join(dir, "doc.toml"), DOC);
  const ours = pass(dir, `${LUA_TAG}
local f = assert(io.open("doc.toml")) local text = f:read("a") f:close()
print(json.encode(conv(toml.parse(text))))
`);
  const theirs = python(`${TO_JSON}
print(json.dumps(conv(tomllib.load(open("doc.toml", "rb")))))
`, dir);
  const norm = (text: string) => JSON.parse(text, (_k, x) => (x && typeof x === "object" && "float" in x ? { float: Number(x.float) } : x));
  assert.deepEqual(norm(ours), norm(theirs));
});

test("toml is installed in the restricted and pure profiles", () => {
  for (const profile of ["restricted", "pure"]) {
    const out = pass(tempDir(), `io.write(toml.encode(toml.parse("b = 1.0\\n[t]\\na = 2020-01-01\\n")))`, [`--sandbox=${profile}`]);
    assert.equal(out, "b = 1.0\n\n[t]\na = 2020-01-01\n", profile);
  }
});
