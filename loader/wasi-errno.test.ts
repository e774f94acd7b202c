/**
 * Errno numbering: musl's strerror table inside the real wasm module is found and remapped
 * to host numbers (so Lua pushes ENOENT=2 next to "No such file or directory"), remapping is
 * idempotent, and an unrecognised memory is left alone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { testVm } from "./test-vm.ts";
import { hostErrno, hostErrnoOf, locateStrerror, remapStrerror, strerrorText, WASI, wasiErrno } from "./wasi-errno.ts";
import { LUA_OK } from "./lua-api.ts";

const E = constants.errno as Record<string, number>;

async function vm() {
  return await testVm();
}

test("the strerror table is found, and indexed by host numbers from the first failing call on", async () => {
  const { api, L } = await vm();
  assert.equal(locateStrerror(api.heap)?.host, false, "nothing remapped before an error needs it");
  assert.equal(api.load(L, new TextEncoder().encode(`assert(not io.open("/nonexistent-dir/x"))`), "=t"), LUA_OK);
  assert.equal(api.pcall(L, 0, 0), LUA_OK);
  const at = locateStrerror(api.heap);
  assert.ok(at, "table found");
  assert.equal(at.host, true, "the failing open remapped it");
  assert.equal(strerrorText(api.heap, at, E.ENOENT), "No such file or directory");
  assert.equal(strerrorText(api.heap, at, E.EACCES), "Permission denied");
  assert.equal(strerrorText(api.heap, at, E.EISDIR), "Is a directory");
  assert.equal(strerrorText(api.heap, at, E.ENOTEMPTY), "Directory not empty");
  assert.equal(strerrorText(api.heap, at, 0), "No error information");
  assert.equal(strerrorText(api.heap, at, 100000), "No error information");
  assert.deepEqual(remapStrerror(api.heap), at, "remapping again changes nothing and still succeeds");
  assert.equal(strerrorText(api.heap, at, E.ENOENT), "No such file or directory");
});

test("Lua's own luaL_fileresult reports the host number with the right text", async () => {
  const { api, L } = await vm();
  const src = new TextEncoder().encode(`return io.open("/nonexistent-dir/x")`);
  assert.equal(api.load(L, src, "=t"), LUA_OK);
  assert.equal(api.pcall(L, 0, 3), LUA_OK);
  assert.equal(api.tostring(L, -2), "/nonexistent-dir/x: No such file or directory");
  assert.equal(api.tointeger(L, -1), BigInt(E.ENOENT));
});

test("an unrecognised memory is not touched", () => {
  const mem = new Uint8Array(4096).fill(7);
  assert.equal(locateStrerror(mem), null);
  assert.equal(remapStrerror(mem), null);
  assert.ok(mem.every((b) => b === 7));
});

test("number translations", () => {
  assert.equal(wasiErrno("ENOENT"), WASI.ENOENT);
  assert.equal(wasiErrno("ENOPE"), WASI.EIO);
  assert.equal(wasiErrno(undefined), WASI.EIO);
  assert.equal(hostErrnoOf("ENOENT"), E.ENOENT);
  assert.equal(hostErrnoOf("ENOPE"), E.EIO);
  assert.equal(hostErrno(WASI.ENOENT), E.ENOENT);
  assert.equal(hostErrno(WASI.EXDEV), E.EXDEV);
});
