/**
 * The first (cold) json.parse and json.encode of a document in a fresh VM, timed inside the
 * process: what a script pays on its first round trip, without start-up or reading the file.
 *
 * Run: `bun bench/json-cold.ts FILE [ROUNDS]` (one line per round; later rounds show the warm
 * speed). Timed with performance.now(), which the binary's scripts do not have.
 */
import { readFileSync } from "node:fs";
import { Policy } from "../loader/sandbox/policy.ts";
import { testVm } from "../loader/test-vm.ts";
import { LUA_OK } from "../loader/lua-api.ts";
import "../builtins/json.ts";

const [file, rounds = "3"] = process.argv.slice(2);
const vm = await testVm({ policy: new Policy({ profile: "pure" }) });
const { api, L } = vm;
api.pushbytes(L, readFileSync(file));
api.setglobal(L, "TEXT");
const call = (source: string): number => {
  if (api.load(L, new TextEncoder().encode(source), "=cold") !== LUA_OK) throw new Error(api.tostring(L, -1) ?? "");
  const t = performance.now();
  if (api.pcall(L, 0, 0) !== LUA_OK) throw new Error(api.tostring(L, -1) ?? "");
  return performance.now() - t;
};
for (let i = 0; i < Number(rounds); i++) {
  const parse = call("DOC = json.parse(TEXT)");
  const encode = call("OUT = json.encode(DOC)");
  console.log(`round ${i + 1}: parse ${parse.toFixed(1)} ms, encode ${encode.toFixed(1)} ms`);
}
vm.close();
