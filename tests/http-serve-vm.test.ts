/**
 * `http.serve` inside this process, where the VM can be inspected: requests of every kind
 * (plain, failing, SSE, WebSocket) leave nothing kept behind, and closing the VM closes the
 * server and releases its handlers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import "../builtins/index.ts";
import { testVm } from "../loader/test-vm.ts";
import { LUA_TNUMBER } from "../loader/lua-api.ts";
import type { Vm } from "../loader/vm.ts";

const ROUTES = `http.serve(0, {
  GET = {
    ["/ok"] = function(req) return { json = { n = tonumber(req.params.n) } } end,
    ["/fail"] = function() error("nope") end,
    ["/events"] = function() return { sse = function(send) for i = 1, 3 do send{ data = tostring(i) } end end } end,
    ["/ws"] = { ws = function(conn) local m = conn:recv() conn:send("echo " .. m) end },
    ["/ticks"] = function() return { sse = function(send) while true do send{ data = "tick" } sleep(0.02) end end } end,
    ["/hold"] = { ws = function(conn) while conn:recv() do end end },
  },
}, { host = "127.0.0.1" })`;

/** Runs the script as the main task (not awaited) and waits for `_SERVER_PORT`. */
async function start(): Promise<{ vm: Vm; port: number; ended: Promise<unknown> }> {
  const vm = await testVm();
  const { api, L, scheduler } = vm;
  api.load(L, new TextEncoder().encode(ROUTES), "@t.lua", "t");
  const ended = scheduler.run(scheduler.spawn(L, 0, "main"));
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const isNumber = api.getglobal(L, "_SERVER_PORT") === LUA_TNUMBER;
    const port = isNumber ? Number(api.tointeger(L, -1)) : 0;
    api.pop(L);
    if (port) return { vm, port, ended };
  }
  throw new Error("the server did not start");
}

function wsRoundTrip(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.onopen = () => ws.send("x");
    ws.onmessage = (e) => resolve(String(e.data));
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
}

test("requests of every kind keep nothing; closing the VM closes the server and releases its handlers", async () => {
  const { vm, port, ended } = await start();
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const kept = vm.ctx.callbacks.size;
  assert.equal(kept, 6, "one kept function per route");
  for (let n = 0; n < 5; n++) {
    const ok = await fetch(url(`/ok?n=${n}`));
    assert.deepEqual(await ok.json(), { n });
    const fail = await fetch(url("/fail"));
    assert.equal(fail.status, 500);
    assert.equal(await fail.text(), "handler error: t.lua:4: nope");
    assert.equal(await (await fetch(url("/events"))).text(), "data: 1\n\ndata: 2\n\ndata: 3\n\n");
    assert.equal(await wsRoundTrip(port), "echo x");
  }
  // The last SSE producer and WebSocket handler end just after their clients are done.
  for (let i = 0; i < 100 && vm.ctx.callbacks.size !== kept; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(vm.ctx.callbacks.size, kept, "SSE producers are released when their stream ends");
  assert.equal(vm.scheduler.pendingOperations, 1, "only http.serve itself still waits");

  vm.close();
  await ended;
  assert.equal(vm.ctx.callbacks.size, 0, "the route handlers are released");
  await assert.rejects(fetch(url("/ok")), "nothing listens any more");
});

test("closing the VM ends the server's open event streams and WebSocket connections", async () => {
  const { vm, port, ended } = await start();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/hold`);
  const wsClosed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
  const stream = (await fetch(`http://127.0.0.1:${port}/ticks`)).body!.getReader();
  assert.equal(new TextDecoder().decode((await stream.read()).value), "data: tick\n\n");
  vm.close();
  await ended;
  const within = <T>(p: Promise<T>, what: string) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} still open`)), 5000))]);
  assert.equal(await within(wsClosed, "the WebSocket"), 1001, "going away");
  for (;;) {
    const chunk = await within(stream.read().catch(() => ({ done: true })), "the event stream");
    if (chunk.done) break;
  }
});
