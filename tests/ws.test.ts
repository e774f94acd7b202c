/**
 * The `ws` client against a Bun WebSocket echo server (tests/fixtures/http-peer.ts): text and
 * binary frames both ways, the server closing, closing ourselves, a refused port, wss:// with
 * the HTTP client's trust, and the `net` policy asked before connecting.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runAssay, tempDir, writeScript } from "./helpers.ts";
import { closedPort, makeCertificates, startPeer } from "./peers.ts";
import "../builtins/index.ts";
import { testVm } from "../loader/test-vm.ts";
import { LUA_OK, LUA_TSTRING } from "../loader/lua-api.ts";
import type { Vm } from "../loader/vm.ts";
import { serve } from "../loader/runtime/serve.ts";

const dir = tempDir("assay-ws-");
const certs = makeCertificates(dir);
const plain = await startPeer();
const secure = await startPeer(["--tls", certs.serverCert, certs.serverKey], "https");
const wsUrl = `ws://127.0.0.1:${plain.port}/ws`;

function lua(source: string, options: { flags?: string[]; args?: string[]; env?: Record<string, string> } = {}): string[] {
  const script = writeScript(source, "ws.lua", dir);
  const r = runAssay([...(options.flags ?? []), script, ...(options.args ?? [])], { env: options.env });
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout.trimEnd().split("\n");
}

test("text and binary messages go both ways, bytes intact, with their kind", () => {
  const out = lua(`
    local conn = ws.connect(arg[1])
    ws.send(conn, "héllo")
    print(ws.recv(conn))
    local all = {}
    for b = 0, 255 do all[#all + 1] = string.char(b) end
    all = table.concat(all)
    ws.send(conn, all, { binary = true })
    local msg, kind = ws.recv(conn)
    print(kind, #msg, msg == all)
    -- text that is valid UTF-8 may go as a binary frame too
    ws.send(conn, "abc", { binary = true })
    print(ws.recv(conn))
    -- one task waits in recv while another sends
    local waiter = async.spawn(function() return ws.recv(conn) end)
    sleep(0.05)
    ws.send(conn, "from the main task")
    print(waiter:await()[1])
    ws.close(conn)
    print(select(2, pcall(ws.recv, conn)))
    print(select(2, pcall(ws.send, conn, "late")))
    ws.close(conn) -- closing again does nothing
  `, { args: [wsUrl] });
  assert.deepEqual(out, [
    "héllo\ttext",
    "binary\t256\ttrue",
    "abc\tbinary",
    "from the main task",
    "ws.recv: connection closed",
    "ws.send: connection closed",
  ]);
});

test("when the server closes, what it sent first is still received, then recv raises", () => {
  const out = lua(`
    local conn = ws.connect(arg[1])
    ws.send(conn, "one")
    ws.send(conn, "close me")
    sleep(0.1)
    print(ws.recv(conn))
    print(select(2, pcall(ws.recv, conn)))
  `, { args: [wsUrl] });
  assert.deepEqual(out, ["one\ttext", "ws.recv: connection closed"]);
});

test("a refused port and a server that does not upgrade raise ws.connect errors naming the URL", async () => {
  const port = await closedPort();
  const out = lua(`
    print(select(2, pcall(ws.connect, arg[1])))
    print(select(2, pcall(ws.connect, arg[2])))
  `, { args: [`ws://127.0.0.1:${port}/`, `ws://127.0.0.1:${plain.port}/echo`] });
  assert.match(out[0], new RegExp(`^ws\\.connect: ws://127\\.0\\.0\\.1:${port}/: \\S`));
  assert.match(out[1], new RegExp(`^ws\\.connect: ws://127\\.0\\.0\\.1:${plain.port}/echo: \\S`));
});

test("wss:// trusts what the HTTP client trusts (SSL_CERT_FILE here) and refuses an unknown CA", () => {
  const url = `wss://127.0.0.1:${secure.port}/ws`;
  const script = `
    local ok, conn = pcall(ws.connect, arg[1])
    if not ok then print(conn) return end
    ws.send(conn, "secure")
    print(ws.recv(conn))
    ws.close(conn)
  `;
  assert.deepEqual(lua(script, { args: [url], env: { SSL_CERT_FILE: certs.ca } }), ["secure\ttext"]);
  const refused = lua(script, { args: [url] });
  assert.match(refused[0], new RegExp(`^ws\\.connect: ${url.replace(/[.]/g, "\\.")}: \\S`));
});

test("ws.connect asks the net policy first; ws exists in pure only with --allow-net", () => {
  const flags = ["--sandbox", "pure", `--allow-net=127.0.0.1:${plain.port}`];
  const out = lua(`
    local conn = ws.connect(arg[1])
    ws.send(conn, "allowed")
    print(ws.recv(conn))
    print(select(2, pcall(ws.connect, "ws://127.0.0.1:9/")))
  `, { flags, args: [wsUrl] });
  assert.deepEqual(out, [
    "allowed\ttext",
    `ws.connect: net access to "127.0.0.1:9" denied by sandbox profile "pure" (grant with --allow-net=127.0.0.1:9)`,
  ]);
  assert.deepEqual(lua(`print(type(ws))`, { flags: ["--sandbox", "pure"] }), ["nil"]);
  assert.deepEqual(lua(`print(type(ws))`, { flags: ["--sandbox", "restricted"] }), ["nil"]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `source` as the main task of a fresh in-process VM. */
async function runInVm(source: string): Promise<{ vm: Vm; run: Promise<{ cancelled?: boolean }> }> {
  const vm = await testVm();
  const { api, L, scheduler } = vm;
  assert.equal(api.load(L, new TextEncoder().encode(source), "@t.lua", "t"), LUA_OK);
  return { vm, run: scheduler.run(scheduler.spawn(L, 0, "main")) };
}

test("closing the VM closes its open ws connections: the peer sees a close frame", async () => {
  const peer = await startPeer();
  const { vm, run } = await runInVm(`local c = ws.connect(${JSON.stringify(`ws://127.0.0.1:${peer.port}/ws`)}) ws.recv(c)`);
  try {
    for (let i = 0; i < 300 && (await peer.stats()).wsOpen === 0; i++) await sleep(10);
    assert.equal((await peer.stats()).wsOpen, 1, "connected");
    vm.stop();
    assert.equal((await run).cancelled, true);
    vm.close();
    let stats = await peer.stats();
    for (let i = 0; i < 300 && stats.wsOpen !== 0; i++, stats = await peer.stats()) await sleep(10);
    assert.equal(stats.wsOpen, 0, "the connection was closed");
    // 1001 (going away) where the runtime lets a client send it; Deno's WebSocket allows only 1000.
    assert.ok(stats.wsClosed.length === 1 && [1000, 1001].includes(stats.wsClosed[0]), `closed with ${stats.wsClosed}`);
  } finally {
    vm.close();
    peer.stop();
  }
});

test("a message the server sends the moment the connection opens is not lost (server in the same process)", async () => {
  const listener = serve({
    hostname: "127.0.0.1",
    port: 0,
    maxBody: 1024,
    onError: () => {},
    fetch(_request, peer) {
      const upgrade = peer.upgrade()!;
      upgrade.socket.attach({ message: () => {}, close: () => {} });
      void upgrade.socket.send("first");
      return upgrade.response;
    },
  });
  const { vm, run } = await runInVm(`local c = ws.connect("ws://127.0.0.1:${listener.port}/") FIRST = ws.recv(c) ws.close(c)`);
  try {
    const ended = await Promise.race([run, sleep(5000).then(() => "hung")]);
    assert.notEqual(ended, "hung", "ws.recv waited for a message that had already arrived");
    const { api, L } = vm;
    assert.equal(api.getglobal(L, "FIRST"), LUA_TSTRING);
    assert.equal(api.tostring(L, -1), "first");
    api.pop(L);
  } finally {
    vm.close();
    listener.close();
  }
});

test("ws.connect to a server that accepts and never answers raises a timeout naming the URL", async () => {
  const { createServer } = await import("node:net");
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const { vm, run } = await runInVm(`ERR = select(2, pcall(ws.connect, ${JSON.stringify(url)}, { timeout = 0.3 }))`);
  try {
    const ended = await Promise.race([run, sleep(10_000).then(() => "hung")]);
    assert.notEqual(ended, "hung");
    const { api, L } = vm;
    assert.equal(api.getglobal(L, "ERR"), LUA_TSTRING);
    assert.equal(api.tostring(L, -1), `ws.connect: ${url}: timed out after 0.3 s`);
    api.pop(L);
  } finally {
    vm.close();
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});
