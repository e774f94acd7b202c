/**
 * The Lua/TS bridge: bytes, int64 values and number subtypes survive every crossing; JS
 * functions registered as C functions raise real Lua errors with positions; longjmps pass
 * through JS frames and nested pcalls untouched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { testVm } from "./test-vm.ts";
import type { Vm } from "./vm.ts";
import { LUA_ERRRUN, LUA_OK, LUA_TNUMBER, LUA_TSTRING, LuaError } from "./lua-api.ts";

async function vm(): Promise<Vm> {
  return await testVm();
}

/** Runs Lua source as chunk `@t.lua` on the main state; returns [status, results left on the stack]. */
function exec(v: Vm, source: string, nresults = 0): number {
  const { api, L } = v;
  api.settop(L, 0);
  const loaded = api.load(L, new TextEncoder().encode(source), "@t.lua", "t");
  if (loaded !== LUA_OK) return loaded;
  return api.pcall(L, 0, nresults);
}

/** Runs Lua source that must succeed (its asserts included). */
function ok(v: Vm, source: string, nresults = 0): void {
  const status = exec(v, source, nresults);
  // Only read the message on failure: lua_tolstring converts a number result in place.
  if (status !== LUA_OK) assert.fail(v.api.tostring(v.L, -1) ?? `status ${status}`);
}

const v = await vm();
const { api, L } = v;

test("bytes: NUL and 0xFF survive both ways, byte-exact", () => {
  const bytes = new Uint8Array([0, 255, 0x41, 0, 0xfe, 0x80, 0xc3, 0x28, 0]);
  api.pushbytes(L, bytes);
  api.setglobal(L, "b");
  ok(v, `assert(#b == 9, #b)
assert(b:byte(1) == 0 and b:byte(2) == 255 and b:byte(3) == 65 and b:byte(9) == 0)
assert(b == "\\0\\255A\\0\\254\\128\\195\\40\\0")`);
  ok(v, `return "\\0\\255x\\0" .. string.char(200, 0)`, 1);
  assert.deepEqual([...api.tobytes(L, -1)!], [0, 255, 0x78, 0, 200, 0]);
  // A large buffer (beyond the scratch area) too.
  const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
  api.pushbytes(L, big);
  api.setglobal(L, "big");
  ok(v, `assert(#big == 200000 and big:byte(1) == 0 and big:byte(2) == 7 and big:byte(200000) == (199999 * 7) & 255)
return big`, 1);
  assert.deepEqual(api.tobytes(L, -1), big);
});

test("JS strings cross as UTF-8; invalid bytes read as text become U+FFFD", () => {
  api.pushstring(L, "héllo ✓ 𝄞");
  api.setglobal(L, "s");
  ok(v, `assert(s == "h\\xC3\\xA9llo \\xE2\\x9C\\x93 \\xF0\\x9D\\x84\\x9E", s) assert(utf8.len(s) == 9)`);
  ok(v, `return s`, 1);
  assert.equal(api.tostring(L, -1), "héllo ✓ 𝄞");
  ok(v, `return "a\\255b"`, 1);
  assert.equal(api.tostring(L, -1), "a\uFFFDb");
  assert.deepEqual([...api.tobytes(L, -1)!], [0x61, 0xff, 0x62]);
  // A long JS string (beyond the scratch fast path).
  const long = "é".repeat(50_000);
  api.pushstring(L, long);
  assert.equal(api.rawlen(L, -1), 100_000);
  assert.equal(api.tostring(L, -1), long);
});

test("int64: math.maxinteger, mininteger and 2^53+1 survive both ways", () => {
  const values = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n, 0n, -1n];
  values.forEach((n, i) => {
    api.pushinteger(L, n);
    api.setglobal(L, `i${i}`);
  });
  ok(v, `assert(i0 == math.maxinteger and math.type(i0) == "integer")
assert(i1 == math.mininteger and math.type(i1) == "integer")
assert(i2 == (1 << 53) + 1 and tostring(i2) == "9007199254740993")
assert(i3 == -((1 << 53) + 1))
assert(i4 == 0 and math.type(i4) == "integer" and i5 == -1)`);
  ok(v, `return math.maxinteger, math.mininteger, (1 << 53) + 1, 2^53`, 4);
  assert.equal(api.tointeger(L, 1), 9223372036854775807n);
  assert.equal(api.tointeger(L, 2), -9223372036854775808n);
  assert.equal(api.tointeger(L, 3), 9007199254740993n);
  assert.ok(api.isinteger(L, 3));
  assert.ok(!api.isinteger(L, 4), "2^53 is a float in Lua");
  assert.equal(api.tonumber(L, 4), 2 ** 53);
  // A JS number that is a safe integer is pushed as an integer.
  api.pushinteger(L, 42);
  assert.ok(api.isinteger(L, -1));
});

test("float and integer subtypes are preserved", () => {
  api.pushnumber(L, 1);
  api.setglobal(L, "f");
  api.pushinteger(L, 1n);
  api.setglobal(L, "n");
  api.pushnumber(L, -0);
  api.setglobal(L, "nz");
  api.pushnumber(L, NaN);
  api.setglobal(L, "nan");
  ok(v, `assert(math.type(f) == "float" and tostring(f) == "1.0")
assert(math.type(n) == "integer" and tostring(n) == "1")
assert(f == n)
assert(1/nz == -math.huge)
assert(nan ~= nan)`);
  ok(v, `return 1.0, 1, 3.5, 1e308 * 10`, 4);
  assert.equal(api.type(L, 1), LUA_TNUMBER);
  assert.ok(!api.isinteger(L, 1));
  assert.ok(api.isinteger(L, 2));
  assert.equal(api.tonumber(L, 3), 3.5);
  assert.equal(api.tonumber(L, 4), Infinity);
});

test("a C function's thrown error becomes a Lua error at the caller's position", () => {
  const fail = api.cfunction(() => {
    throw new LuaError("bad thing");
  });
  api.pushcclosure(L, fail);
  api.setglobal(L, "fail");
  const bare = api.cfunction(() => {
    throw new LuaError("no position", 0);
  });
  api.pushcclosure(L, bare);
  api.setglobal(L, "bare");
  const plain = api.cfunction(() => {
    throw new TypeError("plain js error");
  });
  api.pushcclosure(L, plain);
  api.setglobal(L, "plain");
  ok(v, `local ok, e = pcall(fail)
assert(not ok and e == "bad thing", e) -- called by pcall (a C function): no Lua position
local function call() return fail() end
local function caller()
  local r = fail()
  return r
end
ok, e = pcall(caller)
assert(not ok and e == "t.lua:5: bad thing", e)
ok, e = pcall(function() bare() end)
assert(not ok and e == "no position", e)
ok, e = pcall(function()
  plain()
end)
assert(not ok and e == "t.lua:13: plain js error", e)`);
  // Uncaught: the status and message reach the caller of lua_pcall.
  assert.equal(exec(v, "\n\nfail()"), LUA_ERRRUN);
  assert.equal(api.tostring(L, -1), "t.lua:3: bad thing");
});

test("argument checks raise Lua's own 'bad argument' errors", () => {
  api.pushcclosure(L, api.cfunction((L) => {
    const n = api.checkinteger(L, 1);
    const s = api.checkstring(L, 2);
    api.pushstring(L, `${n}:${s}`);
    return 1;
  }));
  api.setglobal(L, "typed");
  ok(v, `assert(typed(7, "x") == "7:x")
assert(typed(7, 8) == "7:8")
local ok, e = pcall(function() return typed("nope", "x") end)
assert(not ok and e:find("bad argument #1 to 'typed' %(number expected, got string%)"), e)
ok, e = pcall(function() return typed(1.5, "x") end)
assert(not ok and e:find("number has no integer representation", 1, true), e)
ok, e = pcall(function() return typed(1) end)
assert(not ok and e:find("bad argument #2 to 'typed' %(string expected, got no value%)"), e)`);
});

test("a longjmp passes through JS frames and nested pcalls", () => {
  // outer(f) calls f through lua_pcall from JS and reports the outcome; f may raise from
  // Lua, from another JS C function, or via luaL_argerror's longjmp.
  api.pushcclosure(L, api.cfunction((L) => {
    api.checkany(L, 1);
    api.pushvalue(L, 1);
    const status = api.pcall(L, 0, 1);
    api.pushboolean(L, status === LUA_OK);
    api.insert(L, -2);
    return 2;
  }));
  api.setglobal(L, "outer");
  // through(f) calls f with lua_call: an error must unwind through this JS frame.
  api.pushcclosure(L, api.cfunction((L) => {
    api.pushvalue(L, 1);
    api.call(L, 0, 1);
    return 1;
  }));
  api.setglobal(L, "through");
  api.pushcclosure(L, api.cfunction((L) => {
    api.checkinteger(L, 1);
    return 0;
  }));
  api.setglobal(L, "needint");
  ok(v, `local ok, e = outer(function() error("from lua") end)
assert(ok == false and e == "t.lua:1: from lua", e)
ok, e = outer(function() needint("x") end)
assert(ok == false and e:find("bad argument #1 to 'needint'"), e)
ok, e = outer(function() return "fine" end)
assert(ok == true and e == "fine")
-- error raised two JS frames deep, caught by Lua's pcall around them
local ok2, e2 = pcall(through, function() return through(function() error("deep", 0) end) end)
assert(ok2 == false and e2 == "deep", e2)
-- nested: pcall inside outer inside pcall, errors stop at the nearest handler
local ok3, r3 = pcall(function()
  local a, b = outer(function()
    local okp, ep = pcall(needint, {})
    assert(not okp and ep:find("bad argument"))
    error({ tag = "table error" })
  end)
  return a == false and type(b) == "table" and b.tag
end)
assert(ok3 and r3 == "table error", tostring(r3))
-- the state is still healthy afterwards
assert(through(function() return 5 end) == 5)`);
  assert.equal(api.gettop(L), 0);
});

test("tables, references and typenames through the raw API", () => {
  api.newtable(L);
  api.pushinteger(L, 10n);
  api.setfield(L, -2, "ten");
  api.pushstring(L, "first");
  api.rawseti(L, -2, 1);
  const ref = api.ref(L);
  api.pushref(L, ref);
  assert.equal(api.getfield(L, -1, "ten"), LUA_TNUMBER);
  assert.equal(api.tointeger(L, -1), 10n);
  api.pop(L);
  assert.equal(api.rawgeti(L, -1, 1), LUA_TSTRING);
  assert.equal(api.tostring(L, -1), "first");
  assert.equal(api.typename(L, -2), "table");
  assert.equal(api.typename(L, 100), "no value");
  api.settop(L, 0);
  api.unref(L, ref);
  api.pushstring(L, "x");
  assert.equal(api.tolstring(L, -1), "x");
  api.pushinteger(L, 3n);
  assert.equal(api.tolstring(L, -1), "3");
  api.pushnumber(L, 3);
  assert.equal(api.tolstring(L, -1), "3.0");
  api.settop(L, 0);
});

test("load keeps source bytes and honours the mode", () => {
  const src = new Uint8Array([...new TextEncoder().encode('return "'), 0xff, 0xfe, ...new TextEncoder().encode('"')]);
  assert.equal(api.load(L, src, "@bytes.lua", "t"), LUA_OK);
  assert.equal(api.pcall(L, 0, 1), LUA_OK);
  assert.deepEqual([...api.tobytes(L, -1)!], [0xff, 0xfe]);
  api.settop(L, 0);
  ok(v, `return string.dump(function() return 1 end)`, 1);
  const binary = api.tobytes(L, -1)!;
  api.settop(L, 0);
  assert.notEqual(api.load(L, binary, "=bin", "t"), LUA_OK);
  assert.match(api.tostring(L, -1)!, /attempt to load a binary chunk \(mode is 't'\)/);
  api.settop(L, 0);
  assert.equal(api.load(L, binary, "=bin", "bt"), LUA_OK);
  api.settop(L, 0);
  assert.notEqual(api.load(L, new TextEncoder().encode("x = = 1"), "@syntax.lua"), LUA_OK);
  assert.equal(api.tostring(L, -1), "syntax.lua:1: unexpected symbol near '='");
  api.settop(L, 0);
});
