/**
 * The pieces of `http.serve` that need no server: the routing table's precedence, the SSE wire
 * format, header values written as Lua's `tostring` writes numbers, and request URL parsing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeParams, RouteError, RouteTable } from "./routes.ts";
import { formatEvent } from "./sse-writer.ts";
import { luaNumberText } from "./response.ts";
import { queryParams, splitTarget } from "./server-request.ts";
import { LuaFloat } from "../../loader/bridge/values.ts";

function table(keys: string[]): RouteTable<string> {
  const t = new RouteTable<string>();
  for (const key of keys) t.add("GET", key, key);
  return t;
}

test("routes: exact, then :name routes (most literal first), then the longest wildcard", () => {
  const t = table(["/*", "/a/*", "/a/b/*", "/a/:x", "/a/b", "/:p/c", "/a/:x/c", "/:p/:q/:r"]);
  const hit = (path: string) => t.match("GET", path)?.handler;
  assert.equal(hit("/a/b"), "/a/b");
  assert.equal(hit("/a/z"), "/a/:x");
  assert.equal(hit("/q/c"), "/:p/c");
  assert.equal(hit("/a/c"), "/a/:x", "a literal first segment beats a literal second one");
  assert.equal(hit("/a/b/c"), "/a/:x/c");
  assert.equal(hit("/x/y/z"), "/:p/:q/:r");
  assert.equal(hit("/a/b/c/d"), "/a/b/*");
  assert.equal(hit("/a/x/y/z"), "/a/*");
  assert.equal(hit("/a"), "/*", "/a/* does not match /a");
  assert.equal(hit("/a/"), "/a/*", "but matches /a/");
  assert.equal(hit("/"), "/*");
  assert.equal(t.match("POST", "/a/b"), undefined, "methods are separate");
  assert.equal(table(["/a"]).match("GET", "/b"), undefined);
});

test("routes: a :name segment matches one non-empty segment; its value is decoded on request", () => {
  const t = table(["/u/:id"]);
  assert.deepEqual(t.match("GET", "/u/a%2Fb")?.params, { id: "a%2Fb" });
  assert.equal(t.match("GET", "/u/"), undefined);
  assert.equal(t.match("GET", "/u/a/b"), undefined);
  assert.deepEqual(decodeParams({ a: "a%2Fb", b: "caf%C3%A9", c: "100%", d: "%FF-%41" }), { a: "a/b", b: "café", c: "100%", d: "%FF-A" });
});

test("routes: keys that cannot work are refused", () => {
  const refuse = (keys: string[], message: RegExp) => assert.throws(() => table(keys), (e) => e instanceof RouteError && message.test(e.message));
  refuse(["nope"], /must start with "\/"/);
  refuse(["/a", "/a"], /defined more than once/);
  refuse(["/a/*", "/a/*"], /defined more than once/);
  refuse(["/a/:x", "/a/:y"], /matches the same paths as "\/a\/:x"/);
  refuse(["/:x/:x"], /parameter :x appears twice/);
  refuse(["/:x/*"], /wildcard route cannot have :name segments/);
  assert.equal(table(["/a:b", "/a*b", "/:"]).match("GET", "/a:b")?.handler, "/a:b", "only a whole segment is a parameter");
});

test("SSE: fields in the order event, data, id, retry; data split at every kind of line end", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const text = (e: Parameters<typeof formatEvent>[0]) => new TextDecoder().decode(formatEvent(e));
  assert.equal(text({ retry: 10, id: bytes("7"), data: bytes("a\nb\r\nc\rd"), event: bytes("up") }), "event: up\ndata: a\ndata: b\ndata: c\ndata: d\nid: 7\nretry: 10\n\n");
  assert.equal(text({}), "\n");
  assert.equal(text({ data: bytes("") }), "data: \n\n");
  assert.throws(() => formatEvent({ event: bytes("a\rb") }), /^Error: SSE event name must not contain newlines$/);
  assert.throws(() => formatEvent({ id: bytes("a\nb") }), /^Error: SSE id must not contain newlines$/);
});

test("header values: numbers as Lua's tostring writes them", () => {
  const cases: [number | bigint | LuaFloat, string][] = [
    [42, "42"],
    [-7n * 10n ** 18n, "-7000000000000000000"],
    [new LuaFloat(5), "5.0"],
    [0.5, "0.5"],
    [1 / 3, "0.33333333333333"],
    [new LuaFloat(1e15), "1e+15"],
    [new LuaFloat(1e14), "1e+14"],
    [new LuaFloat(1e13), "10000000000000.0"],
    [1.5e-5, "1.5e-05"],
    [0.0001, "0.0001"],
    [new LuaFloat(Infinity), "inf"],
    [-Infinity, "-inf"],
  ];
  for (const [v, want] of cases) assert.equal(luaNumberText(v), want, String(v));
});

test("request URLs: the raw path and query; the query decoded as a form, the last value kept", () => {
  assert.deepEqual(splitTarget("http://h:1/a%20b/c?x=1&y#frag"), { path: "/a%20b/c", query: "x=1&y" });
  assert.deepEqual(splitTarget("http://h:1/"), { path: "/", query: "" });
  assert.deepEqual(splitTarget("http://h:1/p?"), { path: "/p", query: "" });
  assert.deepEqual({ ...queryParams("a=1&a=2&b=x+y%21&c") }, { a: "2", b: "x y!", c: "" });
});
