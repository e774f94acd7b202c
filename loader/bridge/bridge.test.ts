/**
 * The conversion and object layer: values keep their Lua meaning across push/toJs (integer vs
 * float, int64 beyond 2^53, bytes vs text, holes, nesting), the argument reader gives the
 * spec's error texts, closures pushed per call are released when Lua drops them, and handles
 * release their JS resource exactly once through close, `<close>`, `__gc` or VM close.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { testVm } from "../test-vm.ts";
import { LUA_OK, LuaError } from "../lua-api.ts";
import type { Vm } from "../vm.ts";
import { ConversionError, float, LuaFloat, push, toJs } from "./values.ts";
import { type ArgSpec, expectation, readArgs } from "./args.ts";

const v = await testVm();
const { api, L } = v;

/** Runs Lua source on the main state; its results stay on the stack. */
function run(vm: Vm, source: string, nresults = 0): void {
  vm.api.settop(vm.L, 0);
  assert.equal(vm.api.load(vm.L, new TextEncoder().encode(source), "@t.lua", "t"), LUA_OK);
  const status = vm.api.pcall(vm.L, 0, nresults);
  if (status !== LUA_OK) assert.fail(vm.api.tostring(vm.L, -1) ?? `status ${status}`);
}

/** Registers a global C function. */
function global(name: string, fn: (L: number) => number): void {
  api.pushfunction(L, fn);
  api.setglobal(L, name);
}

test("toJs: numbers keep their subtype; int64 beyond 2^53 is exact as bigint", () => {
  run(v, `return 3, 2^53 + 0.0, math.maxinteger, math.mininteger, 0.5, 5.0, -0.0, 1/0`, 8);
  const got = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => toJs(api, L, i));
  assert.equal(got[0], 3);
  assert.ok(got[1] instanceof LuaFloat && got[1].value === 2 ** 53);
  assert.equal(got[2], 9223372036854775807n);
  assert.equal(got[3], -9223372036854775808n);
  assert.equal(got[4], 0.5);
  assert.ok(got[5] instanceof LuaFloat && got[5].value === 5);
  assert.ok(got[6] instanceof LuaFloat && Object.is(got[6].value, -0));
  assert.equal(got[7], Infinity);
});

test("toJs and text arguments keep a leading U+FEFF (TextDecoder would drop it as a BOM)", () => {
  run(v, `return "\\u{FEFF}x", { ["\\u{FEFF}k"] = "\\u{FEFF}" }`, 2);
  assert.equal(toJs(api, L, 1), "\uFEFFx");
  assert.deepEqual({ ...(toJs(api, L, 2) as object) }, { "\uFEFFk": "\uFEFF" });
  let got: unknown[] = [];
  global("bom", (L) => {
    got = readArgs(api, L, "t.bom", [{ name: "s", type: "text" }]);
    return 0;
  });
  run(v, `bom("\\u{FEFF}y")`);
  assert.equal(got[0], "\uFEFFy");
});

test("push then toJs gives back the same Lua values (math.type and bytes included)", () => {
  global("check", (L) => {
    push(api, L, {
      int: 7,
      big: 9007199254740993n,
      flt: float(5),
      frac: 2.25,
      text: "héllo",
      bytes: new Uint8Array([0, 0xff, 0x41]),
      list: [1, "two", 3.5],
      holes: [1, undefined, 3],
      nested: { deep: { deeper: [true, false] } },
      none: null,
    });
    return 1;
  });
  run(v, `
    local t = check()
    assert(math.type(t.int) == "integer" and t.int == 7)
    assert(math.type(t.big) == "integer" and t.big == 9007199254740993, tostring(t.big))
    assert(math.type(t.flt) == "float" and t.flt == 5)
    assert(t.frac == 2.25)
    assert(t.text == "h\\xC3\\xA9llo")
    assert(t.bytes == "\\0\\255A")
    assert(#t.list == 3 and t.list[2] == "two" and math.type(t.list[3]) == "float")
    assert(t.holes[1] == 1 and t.holes[2] == nil and t.holes[3] == 3)
    assert(t.nested.deep.deeper[1] == true and t.nested.deep.deeper[2] == false)
    assert(t.none == nil)
    return t
  `, 1);
  const back = toJs(api, L, -1) as Record<string, unknown>;
  assert.equal(back.int, 7);
  assert.equal(back.big, 9007199254740993n);
  assert.ok(back.flt instanceof LuaFloat);
  assert.deepEqual(back.bytes, new Uint8Array([0, 0xff, 0x41]));
  assert.equal(back.text, "héllo");
  // A table with a hole is an object keyed by the indices' text (builtins.md §0.5).
  assert.deepEqual({ ...(back.holes as object) }, { 1: 1, 3: 3 });
});

test("toJs: table shapes follow §0.5; unsupported values fail with the path inside the value", () => {
  run(v, `return {}, {1, 2, 3}, {[1] = "a", x = 1}, {[2] = "b"}, {[1.5] = true}`, 5);
  assert.deepEqual(toJs(api, L, 1), []);
  assert.deepEqual(toJs(api, L, 2), [1, 2, 3]);
  assert.deepEqual({ ...(toJs(api, L, 3) as object) }, { 1: "a", x: 1 });
  assert.deepEqual({ ...(toJs(api, L, 4) as object) }, { 2: "b" });
  assert.deepEqual({ ...(toJs(api, L, 5) as object) }, { "1.5": true });
  run(v, `return { spec = { handler = print } }, { [true] = 1 }`, 2);
  assert.throws(() => toJs(api, L, 1), (e: unknown) =>
    e instanceof ConversionError && e.message === "unsupported Lua type for JSON: function (at .spec.handler)");
  assert.throws(() => toJs(api, L, 2), /unsupported table key type: boolean/);
  run(v, `local t = {} t.self = t return t`, 1);
  assert.throws(() => toJs(api, L, 1), /cycle detected/);
});

test("push refuses what Lua cannot hold, with a clear reason", () => {
  api.settop(L, 0);
  assert.throws(() => push(api, L, 2n ** 64n), /does not fit in a Lua integer/);
  assert.throws(() => push(api, L, Symbol("x")), /unsupported JS value: symbol/);
  api.settop(L, 0);
});

test("the argument reader: coercions of §0.3 and the spec's error texts", () => {
  const specs: ArgSpec[] = [
    { name: "url", type: "text", strict: true, expect: "a URL string" },
    { name: "body", type: ["text", "table"], optional: true },
    {
      name: "opts",
      type: "options",
      optional: true,
      fields: {
        timeout: { name: "timeout", type: "number", optional: true },
        port: { name: "port", type: "integer", optional: true },
        headers: { name: "headers", type: "map", optional: true, items: { name: "value", type: "text" } },
      },
    },
  ];
  let last: unknown[] = [];
  global("f", (L) => {
    last = readArgs(api, L, "http.post", specs);
    return 0;
  });
  const failure = (call: string) => {
    api.settop(L, 0);
    api.load(L, new TextEncoder().encode(call), "=t", "t");
    assert.notEqual(api.pcall(L, 0, 0), LUA_OK);
    return api.tostring(L, -1);
  };
  run(v, `f("http://x", 12, { timeout = "1.5", port = 80, headers = { a = "b", n = 1 } })`);
  assert.equal(last[0], "http://x");
  assert.equal(last[1], "12"); // a number is text too (not strict)
  const opts = last[2] as { timeout: number; port: number; headers: Map<string, string> };
  assert.equal(opts.timeout, 1.5);
  assert.equal(opts.port, 80);
  assert.deepEqual([...opts.headers].sort(), [["a", "b"], ["n", "1"]]);
  assert.equal(failure(`f(42)`), "t:1: http.post: first argument must be a URL string");
  assert.equal(failure(`f("u", true)`), "t:1: http.post: second argument must be a string, table, or nil");
  assert.equal(failure(`f("u", nil, 3)`), "t:1: http.post: third argument must be a table or nil");
  assert.equal(failure(`f("u", nil, { port = 80.0 })`), "t:1: http.post: opts.port must be an integer or nil");
  assert.equal(failure(`f("u", nil, { headers = { a = true } })`), "t:1: http.post: opts.headers.a must be a string");
  assert.equal(failure(`f("\\255")`), "t:1: http.post: first argument must be valid UTF-8 text");
  assert.equal(expectation({ name: "x", type: "integer" }), "an integer");
});

test("closures pushed per call are released when Lua drops them (10k, table size flat)", () => {
  global("make", (L) => {
    const n = Number(api.tointeger(L, 1));
    v.ctx.objects.pushClosure(L, (L) => {
      api.pushinteger(L, n * 2);
      return 1;
    });
    return 1;
  });
  run(v, `collectgarbage()`);
  const before = v.ctx.objects.size;
  run(v, `
    local sum = 0
    for i = 1, 10000 do sum = sum + make(i)() end
    assert(sum == 10000 * 10001)
    keep = make(21)
  `);
  assert.ok(v.ctx.objects.size > before);
  run(v, `collectgarbage() collectgarbage()`);
  assert.equal(v.ctx.objects.size, before + 1, "only the closure still referenced stays");
  run(v, `assert(keep() == 42) keep = nil collectgarbage() collectgarbage()`);
  assert.equal(v.ctx.objects.size, before);
});

test("handles: methods, explicit close, <close>, __gc and VM close release the resource once", async () => {
  const vm = await testVm();
  const closed: string[] = [];
  const Thing = vm.ctx.objects.handleType<{ name: string }>("test.thing", {
    methods: {
      name: (self, L) => (vm.api.pushstring(L, self.name), 1),
    },
    close: (self) => void closed.push(self.name),
  });
  vm.api.pushfunction(vm.L, (L) => {
    Thing.push(L, { name: vm.api.tostring(L, 1)! });
    return 1;
  });
  vm.api.setglobal(vm.L, "thing");
  vm.api.pushfunction(vm.L, (L) => {
    vm.api.pushstring(L, Thing.check(L, 1, "test.use").name);
    return 1;
  });
  vm.api.setglobal(vm.L, "use");
  run(vm, `
    local a = thing("a")
    assert(a:name() == "a" and use(a) == "a")
    assert(tostring(a):match("^test.thing: "))
    a:close()
    a:close() -- closing twice is fine
    local ok, err = pcall(a.name, a)
    assert(not ok and err:find("test.thing:name: the test.thing is closed", 1, true), err)
    ok, err = pcall(use, {})
    assert(not ok and err:find("test.use: first argument must be a test.thing", 1, true), err)
    do local b <close> = thing("b") end
    thing("c") -- garbage
    collectgarbage() collectgarbage()
    d = thing("d")
  `);
  assert.deepEqual(closed, ["a", "b", "c"]);
  vm.close();
  assert.deepEqual(closed, ["a", "b", "c", "d"]);
});

test("a JS error in a raw C function becomes a Lua error with a position", () => {
  global("boom", () => {
    throw new LuaError("test.boom: it broke");
  });
  run(v, `local ok, err = pcall(boom) return err`, 1);
  assert.equal(api.tostring(L, -1), "test.boom: it broke");
  run(v, `local ok, err = pcall(function() boom() end) return err`, 1);
  assert.equal(api.tostring(L, -1), "t.lua:1: test.boom: it broke");
});
