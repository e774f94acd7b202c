/**
 * The json builtin inside a real VM: a fresh state whose wasm memory has to grow while a large
 * document is parsed and encoded (the parser scans wasm memory in place, so it must follow the
 * memory when it moves), and the result checked against an independent canonical encoding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Vm } from "../loader/vm.ts";
import { Policy } from "../loader/sandbox/policy.ts";
import { LUA_OK } from "../loader/lua-api.ts";
import { testVm } from "../loader/test-vm.ts";
import { generatePodList } from "../bench/gen-podlist.ts";
import "./json.ts";

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
