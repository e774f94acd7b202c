/**
 * The json builtin inside a real VM: a fresh state whose wasm memory has to grow while a large
 * document is parsed and encoded (the parser scans wasm memory in place, so it must follow the
 * memory when it moves), and the result checked against an independent canonical encoding;
 * generated documents and floats against JS's own JSON and float formatting; error texts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Vm } from "../loader/vm.ts";
import { Policy } from "../loader/sandbox/policy.ts";
import { LUA_OK } from "../loader/lua-api.ts";
import { testVm } from "../loader/test-vm.ts";
import { generatePodList } from "../bench/gen-podlist.ts";
import { formatFloat } from "../loader/bridge/float-format.ts";
import "./json.ts";
import { prng } from "../bench/prng.ts";

async function vm(memoryLimit?: number): Promise<Vm> {
  return await testVm({ policy: new Policy({ profile: "pure" }), memoryLimit });
}

/** Calls json.parse on the bytes given; throws the Lua error. */
function parse({ api, L }: Vm, arg: Uint8Array): void {
  api.getglobal(L, "json");
  api.getfield(L, -1, "parse");
  api.pushbytes(L, arg);
  const status = api.pcall(L, 1, 1);
  const message = status === LUA_OK ? "" : api.tostring(L, -1);
  api.settop(L, 0);
  if (status !== LUA_OK) throw new Error(message ?? "?");
}

/** Runs Lua source that returns one string. */
function run({ api, L }: Vm, source: string): string {
  assert.equal(api.load(L, new TextEncoder().encode(source), "=test"), LUA_OK);
  const status = api.pcall(L, 0, 1);
  const out = api.tostring(L, -1)!;
  api.settop(L, 0);
  if (status !== LUA_OK) throw new Error(out);
  return out;
}

/** §0.5 in plain JS for a document without floats or big integers: sorted keys, nulls dropped
 * from objects, empty objects as []. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return "[]";
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  if (typeof v === "number" && !Number.isInteger(v)) return String(v);
  return JSON.stringify(v);
}

test("a 1.6 MB pod list parses and encodes exactly while the memory grows", async () => {
  const text = generatePodList();
  const v = await vm();
  v.api.pushbytes(v.L, new TextEncoder().encode(text));
  v.api.setglobal(v.L, "TEXT");
  const before = v.api.m.HEAPU8.buffer;
  // Keeping several parsed copies alive (about 1.2 MB each) outgrows the initial 16 MiB during one of the parses.
  run(v, "DOCS = {} for i = 1, 20 do DOCS[i] = json.parse(TEXT) end return 'ok'");
  assert.notEqual(v.api.m.HEAPU8.buffer, before, "parsing must make the wasm memory grow");
  const expected = canonical(JSON.parse(text));
  for (let i = 1; i <= 20; i += 19) assert.equal(run(v, `return json.encode(DOCS[${i}])`), expected);
  assert.equal(run(v, "return json.encode(json.parse(json.encode(DOCS[1])))"), expected);
});

test("parse and encode agree with JSON.parse on assorted documents", async () => {
  const v = await vm();
  const docs = [
    `{"a":[1,2,{"b":"c\\n\\u00e9"}],"z":true,"m":false,"e":{},"l":[]}`,
    `[${Array.from({ length: 5000 }, (_, i) => `{"id":${i},"name":"n${i}"}`).join(",")}]`,
    `{${Array.from({ length: 5000 }, (_, i) => `"k${(i * 7919) % 5000}":${i}`).join(",")}}`,
    `"${"x".repeat(100000)}\\"${"é".repeat(1000)}"`,
  ];
  for (const doc of docs) {
    assert.equal(run(v, `return json.encode(json.parse(${JSON.stringify(doc)}))`), canonical(JSON.parse(doc)));
  }
});

test("running out of Lua memory mid-parse raises a catchable error and the VM survives", async () => {
  const v = await vm(8 * 1024 * 1024);
  const big = `[${Array.from({ length: 200000 }, (_, i) => `{"k":"v${i}"}`).join(",")}]`;
  assert.throws(() => parse(v, new TextEncoder().encode(big)), /not enough memory/);
  assert.equal(run(v, `return json.encode(json.parse('{"ok":[1,2.0]}'))`), `{"ok":[1,2.0]}`);
});


/** A random document of every JSON shape: keys and strings with escapes, control characters
 * and non-ASCII text, safe integers, floats, nulls in objects, nesting. */
function generate(rand: () => number, depth = 0): unknown {
  const pick = (n: number) => Math.floor(rand() * n);
  const text = () => {
    const parts = ["a", "b", "Z", "_", "0", " ", "é", "€", "😀", "\n", "\"", "\\", "/", "\u0001", "\t", "key", "\u007f"];
    let s = "";
    for (let i = pick(8); i > 0; i--) s += parts[pick(parts.length)];
    return s;
  };
  switch (pick(depth > 5 ? 6 : 9)) {
    case 0:
      return pick(2) === 0;
    case 1:
      return pick(2_000_001) - 1_000_000;
    case 2:
      return (pick(2_000_001) - 1_000_000) / 128;
    case 3:
      return text();
    case 4:
      return pick(2) ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
    case 5:
      return pick(3) === 0 ? null : text();
    case 6:
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = pick(12); i > 0; i--) o[text()] = generate(rand, depth + 1);
      return o;
    }
    default:
      return Array.from({ length: pick(10) }, () => {
        const v = generate(rand, depth + 1);
        return v === null ? 0 : v; // a null element would leave a hole: an object, not an array
      });
  }
}

/** What a document reads as after a round trip: null members gone, {} as []. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== null);
    if (entries.length === 0) return [];
    return Object.fromEntries(entries.map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}

test("generated documents survive parse and encode with the same structure", async () => {
  const v = await vm();
  const rand = prng(20240611);
  for (let i = 0; i < 300; i++) {
    const doc = { root: generate(rand), i };
    const text = JSON.stringify(doc);
    v.api.pushstring(v.L, text);
    v.api.setglobal(v.L, "TEXT");
    const out = run(v, "return json.encode(json.parse(TEXT))");
    assert.deepStrictEqual(JSON.parse(out), normalize(doc), text);
    assert.equal(out, canonical(doc), text);
    // And once more through Lua: the encoding is a fixed point.
    assert.equal(run(v, "local s = json.encode(json.parse(TEXT)) return json.encode(json.parse(s)) == s and 'same' or s"), "same");
  }
});

test("floats are written as float-format.ts writes them and read back exactly", async () => {
  const v = await vm();
  const rand = prng(7);
  const xs: number[] = [
    0, -0, 1, -1, 0.5, 0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3, 12.34, 100.25, 5e-324, 2.2250738585072014e-308,
    1.7976931348623157e308, 1e-5, 9.999999999999999e-6, 1.0000000000000002e-5, 1e-4, 0.000123, 1e15, 1e15 - 0.125,
    999999999999999.9, 123456789012345.6, 1e16, 1e16 + 2, 9007199254740993, 2 ** 63, 1e21, 1e22, 1e23, 1.5e-7, Math.PI,
    Math.E, 4.35, 0.07, 1.005, 8.675309, 299792.458, -273.15,
  ];
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 3000; i++) {
    // Random bit patterns (every magnitude), short decimals, and decimals of every length.
    view.setUint32(0, Math.floor(rand() * 2 ** 32));
    view.setUint32(4, Math.floor(rand() * 2 ** 32));
    const bits = view.getFloat64(0);
    if (Number.isFinite(bits)) xs.push(bits);
    xs.push(Math.round((rand() - 0.5) * 10 ** Math.floor(rand() * 8)) / 10 ** Math.floor(rand() * 10));
    xs.push(Number((rand() * 10 ** Math.floor(rand() * 30 - 10)).toPrecision(1 + Math.floor(rand() * 17))));
  }
  const { api, L } = v;
  api.newtable(L, xs.length, 0);
  xs.forEach((x, i) => {
    api.pushnumber(L, x);
    api.rawseti(L, -2, i + 1);
  });
  api.setglobal(L, "XS");
  const text = run(v, "return json.encode(XS)");
  assert.equal(text, `[${xs.map(formatFloat).join(",")}]`);
  // Parsing gives the same doubles back (compared in Lua, bit for bit, -0.0 included).
  assert.equal(
    run(v, `local back = json.parse(json.encode(XS)) for i, x in ipairs(XS) do
      if math.type(back[i]) ~= "float" or back[i] ~= x or 1 / back[i] ~= 1 / x then return "differs at " .. i end
    end return "same"`),
    "same",
  );
});

test("nesting, cycle and position errors read as before", async () => {
  const v = await vm();
  const error = (source: string) => run(v, `local ok, e = pcall(function() ${source} end) return ok and "no error" or (e:gsub("^test:1: ", ""))`);
  assert.equal(error(`json.parse(string.rep("[", 1001) .. string.rep("]", 1001))`), "json.parse: nesting deeper than 1000 levels at line 1 column 1001");
  assert.equal(error(`json.parse(string.rep('{"a":', 1001) .. "1" .. string.rep("}", 1001))`), "json.parse: nesting deeper than 1000 levels at line 1 column 5001");
  assert.equal(error(`json.parse("[\\n" .. string.rep(" [", 1000) .. string.rep("]", 1001))`), "json.parse: nesting deeper than 1000 levels at line 2 column 2000");
  assert.equal(error(`local t = {} for _ = 1, 1000 do t = { t } end json.encode(t)`), "json.encode: nesting deeper than 1000 levels");
  assert.equal(error(`local t = {} for _ = 1, 1000 do t = { k = t } end json.encode(t)`), "json.encode: nesting deeper than 1000 levels");
  assert.equal(error(`local t = {} t.a = { b = { t } } json.encode(t)`), "json.encode: cannot encode a table that contains itself (cycle detected) (at .a.b[1])");
  assert.equal(error(`json.encode({ list = { "ok", "a\\200" } })`), "json.encode: invalid UTF-8 in string at byte 2 (at .list[2])");
  assert.equal(error(`json.encode({ x = { [true] = 1 } })`), "json.encode: unsupported table key type: boolean (at .x)");
  assert.equal(error(`json.encode({ 1, 2, print })`), "json.encode: unsupported Lua type for JSON: function (at [3])");
  assert.equal(error(`json.encode({ a = 0/0 })`), "json.encode: cannot encode NaN as JSON number (at .a)");
  assert.equal(error(`json.parse('{\\n  "a": [1, 2,\\n    tru]\\n}')`), "json.parse: expected value at line 3 column 8");
  assert.equal(error(`json.parse('[1, 2')`), "json.parse: EOF while parsing a list at line 1 column 5");
  assert.equal(error(`json.parse('"\\\\ud83d"')`), "json.parse: lone leading surrogate in hex escape at line 1 column 8");
  assert.equal(error(`json.parse()`), "json.parse: first argument must be a string");
  // The deepest documents that are allowed still work, and the VM keeps working after errors.
  assert.equal(run(v, `return json.encode(json.parse(string.rep("[", 1000) .. string.rep("]", 1000)))`), "[".repeat(1000) + "]".repeat(1000));
});
