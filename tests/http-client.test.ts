/**
 * The HTTP client against servers that are not assay's own (a Bun peer, tests/fixtures/
 * http-peer.ts, with certificates made here by openssl): methods, bodies and headers both
 * ways, binary bodies intact, redirects under the policy, time limits, TLS trust (custom CAs,
 * SSL_CERT_FILE/SSL_CERT_DIR, the service-account CA), mTLS, proxies, streaming downloads
 * under the heap limit, event streams, keep-alive, and cancellation aborting the request.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, closeSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { assayCommand, runAssay, tempDir, writeScript } from "./helpers.ts";
import { closedPort, makeCertificates, startPeer } from "./peers.ts";
import "../builtins/index.ts";
import { testVm } from "../loader/test-vm.ts";
import { LUA_OK } from "../loader/lua-api.ts";

const dir = tempDir("assay-http-client-");
const certs = makeCertificates(dir);
const plain = await startPeer();
const secure = await startPeer(["--tls", certs.serverCert, certs.serverKey], "https");
const mutual = await startPeer(["--tls", certs.serverCert, certs.serverKey, "--client-ca", certs.ca], "https");

/** Runs a Lua script with `flags` before it and `args` after; fails the test unless it exits 0. */
function lua(source: string, options: { flags?: string[]; args?: string[]; env?: Record<string, string | undefined> } = {}): string[] {
  const script = writeScript(source, "client.lua", dir);
  const r = runAssay([...(options.flags ?? []), script, ...(options.args ?? [])], { env: options.env, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout.trimEnd().split("\n");
}

/**
 * As lua(), without blocking this process, whose event loop must meanwhile run a server the
 * test started in it; resolves with the lines printed.
 */
async function luaAsync(source: string, args: string[] = []): Promise<string[]> {
  const script = writeScript(source, "client.lua", dir);
  const [cmd, ...lead] = assayCommand();
  const child = spawn(cmd, [...lead, script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  assert.equal(code, 0, `exit ${code}\nstdout:\n${out}\nstderr:\n${err}`);
  return out.trimEnd().split("\n");
}

/** Byte i of the peer's test pattern, computed here on its own. */
const patternByte = (i: number) => (i * 31 + (i >>> 8)) & 255;

function patternDigest(size: number): string {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = patternByte(i);
  return createHash("sha256").update(bytes).digest("hex");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("each method sends its verb, body and headers; the response has status, lower-case headers and body", () => {
  const out = lua(`
    local base = arg[1]
    local r = http.get(base .. "/echo?q=1", { headers = { ["X-Num"] = 42, ["X-Text"] = "a b" } })
    local e = json.parse(r.body)
    assert(r.status == 200 and math.type(r.status) == "integer")
    assert(e.method == "GET" and e.path == "/echo?q=1" and e.headers["x-num"] == "42" and e.headers["x-text"] == "a b")
    assert(r.headers["content-type"]:find("application/json", 1, true), r.headers["content-type"])
    for _, m in ipairs({ "post", "put", "patch" }) do
      e = json.parse(http[m](base .. "/echo", "plain \\0 text").body)
      assert(e.method == m:upper() and e.body == "plain \\0 text" and e.headers["content-type"] ~= "application/json", m)
      e = json.parse(http[m](base .. "/echo", { b = 1, a = { 1, 2.0, "x" } }).body)
      assert(e.body == '{"a":[1,2.0,"x"],"b":1}' and e.headers["content-type"] == "application/json", e.body)
      e = json.parse(http[m](base .. "/echo", "").body)
      assert(e.size == 0, m .. " empty string sends no body")
      e = json.parse(http[m](base .. "/echo").body)
      assert(e.size == 0, m .. " nil sends no body")
    end
    -- {} is [] (section 0.5), unless marked as an object
    assert(json.parse(http.post(base .. "/echo", {}).body).body == "[]")
    assert(json.parse(http.post(base .. "/echo", json.object({})).body).body == "{}")
    -- a Content-Type of the caller's replaces the automatic one
    e = json.parse(http.post(base .. "/echo", { a = 1 }, { headers = { ["content-type"] = "application/merge-patch+json" } }).body)
    assert(e.headers["content-type"] == "application/merge-patch+json")
    e = json.parse(http.delete(base .. "/echo").body)
    assert(e.method == "DELETE")
    e = json.parse(http.request({ method = "put", url = base .. "/echo", body = { k = "v" }, headers = { ["X-R"] = "1" } }).body)
    assert(e.method == "PUT" and e.body == '{"k":"v"}' and e.headers["x-r"] == "1")
    r = http.request({ method = "OPTIONS", url = base .. "/echo" })
    assert(json.parse(r.body).method == "OPTIONS")
    print(e.headers["user-agent"])
  `, { args: [plain.url("")] });
  assert.match(out[0], /^assay\//);
});

test("http.client: base_url, default headers that a call's own replace, credentials in a URL sent as Basic auth", () => {
  const out = lua(`
    local c = http.client({ base_url = arg[1] .. "/", headers = { ["X-Team"] = "infra", ["X-Over"] = "default" } })
    local e = json.parse(c:get("/echo?a=1", { headers = { ["x-over"] = "call" } }).body)
    assert(e.path == "/echo?a=1" and e.headers["x-team"] == "infra" and e.headers["x-over"] == "call")
    e = json.parse(c:post("echo", { n = 1 }).body)
    assert(e.method == "POST" and e.body == '{"n":1}' and e.headers["x-team"] == "infra")
    e = json.parse(c:request({ method = "DELETE", url = "echo" }).body)
    assert(e.method == "DELETE")
    -- an absolute URL is not joined
    assert(json.parse(c:get(arg[1] .. "/echo").body).path == "/echo")
    local authed = arg[1]:gsub("^http://", "http://user:p%%40ss@")
    e = json.parse(http.get(authed .. "/echo").body)
    print(e.headers.authorization)
  `, { args: [plain.url("")] });
  assert.deepEqual(out, [`Basic ${Buffer.from("user:p@ss").toString("base64")}`]);
});

test("a 404 is a response, not an error; headers are lower-case, set-cookie keeps its last value, non-ASCII values are dropped", () => {
  const out = lua(`
    local r = http.get(arg[1] .. "/status?code=404")
    assert(r.status == 404 and r.body == "status 404" and r.headers["x-peer"] == "yes")
    r = http.post(arg[1] .. "/status?code=500", "x")
    assert(r.status == 500)
    r = http.get(arg[1] .. "/headers")
    assert(r.headers["x-mixed-case"] == "kept" and r.headers["X-Mixed-Case"] == nil)
    assert(r.headers["set-cookie"] == "b=2", r.headers["set-cookie"])
    assert(r.headers["x-latin"] == nil, r.headers["x-latin"])
    print(r.headers["x-repeat"])
  `, { args: [plain.url("")] });
  // A repeated header arrives as the fetch standard combines it.
  assert.deepEqual(out, ["one, two"]);
});

test("request header values go out as the string's bytes: UTF-8 text is not narrowed to Latin-1", async () => {
  const heads: Buffer[] = [];
  const server = createServer((socket) => {
    let head = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.indexOf("\r\n\r\n") < 0) return;
      heads.push(head);
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    await luaAsync(`
      assert(http.get(arg[1], { headers = { ["X-Name"] = "r\\u{e9}sum\\u{e9} \\u{20ac}" } }).body == "ok")
      assert(http.client({ headers = { ["X-Default"] = "\\u{e9}" } }):get(arg[1]).body == "ok")
    `, [`http://127.0.0.1:${port}/`]);
  } finally {
    server.close();
  }
  const value = (head: Buffer, name: string) => {
    const start = head.toString("latin1").toLowerCase().indexOf(`\r\n${name}: `) + name.length + 4;
    return [...head.subarray(start, head.indexOf("\r\n", start))];
  };
  assert.deepEqual(value(heads[0], "x-name"), [...Buffer.from("résumé €", "utf8")]);
  assert.deepEqual(value(heads[1], "x-default"), [...Buffer.from("é", "utf8")]);
});

test("a connection cut before the promised body is complete raises reading body failed; a download leaves no file", async () => {
  const server = createServer((socket) => {
    socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const path = join(dir, "cut.bin");
  try {
    const out = await luaAsync(`
      print(select(2, pcall(http.get, arg[1])))
      print(select(2, pcall(http.download, arg[1], arg[2])))
      print(select(2, pcall(http.get, arg[1], { on_event = function() end })))
    `, [url, path]);
    assert.equal(out.length, 3);
    for (const [i, fn] of ["http.get", "http.download", "http.get"].entries()) {
      assert.match(out[i], new RegExp(`^${fn.replace(".", "\\.")}: reading body failed: \\S`), out[i]);
    }
    assert.equal(existsSync(path), false);
  } finally {
    server.close();
  }
});

test("a 10 MiB binary body arrives intact and goes back intact", () => {
  const size = 10 * 1024 * 1024;
  const out = lua(`
    local size = ${size}
    local r = http.get(arg[1] .. "/blob?size=" .. size)
    assert(#r.body == size, #r.body)
    for _, i in ipairs({ 0, 1, 255, 256, 65535, 1000003, size - 1 }) do
      local want = (i * 31 + (i >> 8)) & 255
      assert(r.body:byte(i + 1) == want, ("byte %d: %d, want %d"):format(i, r.body:byte(i + 1), want))
    end
    local d = json.parse(http.post(arg[1] .. "/digest", r.body).body)
    print(d.size, d.sha256)
  `, { args: [plain.url("")] });
  assert.deepEqual(out, [`${size}\t${patternDigest(size)}`]);
});

test("redirects are followed (a 303 turns a POST into a GET), or returned with follow_redirects = false", () => {
  const out = lua(`
    local base = arg[1]
    local r = http.get(base .. "/redirect?to=/echo")
    assert(r.status == 200 and json.parse(r.body).path == "/echo")
    r = http.post(base .. "/redirect?code=303&to=/echo", "data")
    local e = json.parse(r.body)
    assert(e.method == "GET" and e.size == 0)
    r = http.post(base .. "/redirect?code=307&to=/echo", "data")
    e = json.parse(r.body)
    assert(e.method == "POST" and e.body == "data")
    local c = http.client({ follow_redirects = false })
    r = c:get(base .. "/redirect?to=/echo")
    print(r.status, r.headers.location)
  `, { args: [plain.url("")] });
  assert.deepEqual(out, ["302\t/echo"]);
});

test("every redirect hop asks the policy: a hop to a host the grant does not name is refused", () => {
  const away = `http://127.0.0.2:${plain.port}/echo`;
  const script = `
    local ok, err = pcall(http.get, arg[1] .. "/redirect?to=" .. arg[2])
    print(err)
    print(http.get(arg[1] .. "/redirect?to=/echo").status)
  `;
  const out = lua(script, { flags: ["--sandbox", "pure", `--allow-net=127.0.0.1:${plain.port}`], args: [plain.url(""), away] });
  assert.equal(
    out[0],
    `http.get: net access to "127.0.0.2:${plain.port}" denied by sandbox profile "pure" (grant with --allow-net=127.0.0.2:${plain.port})`,
  );
  assert.equal(out[1], "200");
  const denied = lua(script, { flags: [`--deny-net=localhost`], args: [plain.url(""), `http://localhost:${plain.port}/echo`] });
  assert.equal(denied[0], `http.get: net access to "localhost:${plain.port}" denied by --deny-net=localhost`);
});

test("a stalling server raises a timeout naming the URL; the body has its time limit too", () => {
  const started = Date.now();
  const out = lua(`
    local base = arg[1]
    print(select(2, pcall(http.get, base .. "/stall", { timeout = 0.5 })))
    print(select(2, pcall(http.client({ timeout = 0.3 }).get, http.client({ timeout = 0.3 }), base .. "/stall")))
    print(select(2, pcall(http.get, base .. "/slow-body", { timeout = 0.5 })))
    print(select(2, pcall(http.request, { url = base .. "/stall", timeout = 0.2 })))
  `, { args: [plain.url("")] });
  assert.deepEqual(out, [
    `http.get failed: ${plain.url("/stall")}: timed out after 0.5 s`,
    `http.get failed: ${plain.url("/stall")}: timed out after 0.3 s`,
    `http.get: reading body failed: timed out after 0.5 s`,
    `http.request failed: ${plain.url("/stall")}: timed out after 0.2 s`,
  ]);
  assert.ok(Date.now() - started < 20_000);
});

test("a refused connection raises http.<m> failed naming the URL", async () => {
  const port = await closedPort();
  const out = lua(`print(select(2, pcall(http.post, "http://127.0.0.1:${port}/x", "body")))`);
  assert.match(out[0], new RegExp(`^http\\.post failed: http://127\\.0\\.0\\.1:${port}/x: .*refused`, "i"));
});

test("requests in several tasks run at the same time; a task waiting for one does not block the others", () => {
  const out = lua(`
    local started = time()
    local tasks = {}
    for i = 1, 8 do
      tasks[i] = async.spawn(function() return http.get(arg[1] .. "/delay?ms=400").body end)
    end
    for i = 1, 8 do assert(tasks[i]:await()[1] == "after 400 ms") end
    print(time() - started < 2.5)
  `, { args: [plain.url("")] });
  assert.deepEqual(out, ["true"]);
});

test("connections are kept alive and reused across calls and clients", async () => {
  const peer = await startPeer();
  try {
    lua(`
      for i = 1, 20 do assert(http.get(arg[1] .. "/echo").status == 200) end
      local c = http.client({ headers = { ["X-C"] = "1" } })
      for i = 1, 5 do assert(c:post(arg[1] .. "/echo", "x").status == 200) end
    `, { args: [peer.url("")] });
    assert.equal((await peer.stats()).connections, 1);
  } finally {
    peer.stop();
  }
});

test("HTTPS: an unknown CA fails; ca_cert, ca_cert_file, SSL_CERT_FILE, SSL_CERT_DIR and the service-account CA are trusted", () => {
  const url = secure.url("/echo");
  const caPem = readFileSync(certs.ca, "utf8");
  const untrusted = lua(`print(select(2, pcall(http.get, arg[1])))`, { args: [url] });
  assert.match(untrusted[0], new RegExp(`^http\\.get failed: ${url.replace(/[.]/g, "\\.")}: .*(certificate|issuer)`, "i"));
  const trusted = lua(`
    local url, ca_file, ca_pem = arg[1], arg[2], arg[3]
    print(http.client({ ca_cert = ca_pem }):get(url).status)
    print(http.client({ ca_cert_file = ca_file }):get(url).status)
    -- a CA of the client's own that does not sign this server does not help
    print((select(2, pcall(http.client({ ca_cert_file = arg[4] }).get, http.client({ ca_cert_file = arg[4] }), url)) or ""):match("^http%.get failed") ~= nil)
  `, { args: [url, certs.ca, caPem, certs.otherCa] });
  assert.deepEqual(trusted, ["200", "200", "true"]);
  const byEnv = `print(http.get(arg[1]).status)`;
  assert.deepEqual(lua(byEnv, { args: [url], env: { SSL_CERT_FILE: certs.ca } }), ["200"]);
  const certDir = join(dir, "certdir");
  mkdirSync(certDir, { recursive: true });
  copyFileSync(certs.ca, join(certDir, "assay-test.pem"));
  assert.deepEqual(lua(byEnv, { args: [url], env: { SSL_CERT_DIR: `/nonexistent:${certDir}` } }), ["200"]);
  assert.deepEqual(lua(byEnv, { args: [url], env: { ASSAY_TEST_SA_CA: certs.ca } }), ["200"]);
  // A client's CA adds to the system's roots, it does not replace them.
  assert.deepEqual(
    lua(`print(http.client({ ca_cert_file = arg[2] }):get(arg[1]).status)`, { args: [url, certs.otherCa], env: { SSL_CERT_FILE: certs.ca } }),
    ["200"],
  );
});

test("HTTPS: the runtime reads its own trust files itself, so a profile that denies reading files does not refuse them", () => {
  const byEnv = `print(http.get(arg[1]).status)`;
  const flags = ["--sandbox", "restricted"];
  const url = secure.url("/echo");
  assert.deepEqual(lua(byEnv, { flags, args: [url], env: { SSL_CERT_FILE: certs.ca } }), ["200"]);
  assert.deepEqual(lua(byEnv, { flags, args: [url], env: { ASSAY_TEST_SA_CA: certs.ca } }), ["200"]);
  // The same file is denied to the script itself.
  assert.deepEqual(lua(`print(tostring(select(2, pcall(io.open, arg[1]))):find("denied", 1, true) ~= nil)`, { flags, args: [certs.ca] }), ["true"]);
});

test("HTTPS: a certificate for another name is refused even from a trusted CA", async () => {
  const ext = join(dir, "wrong.ext");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(ext, "subjectAltName=DNS:wrong.example\n");
  const { spawnSync } = await import("node:child_process");
  const run = (args: string[]) => assert.equal(spawnSync("openssl", args, { cwd: dir }).status, 0);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "wrong.key", "-out", "wrong.csr", "-subj", "/CN=wrong.example"]);
  run(["x509", "-req", "-in", "wrong.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "wrong.pem", "-days", "2", "-extfile", ext]);
  const peer = await startPeer(["--tls", join(dir, "wrong.pem"), join(dir, "wrong.key")], "https");
  try {
    const out = lua(`print(select(2, pcall(http.get, arg[1])))`, { args: [peer.url("/")], env: { SSL_CERT_FILE: certs.ca } });
    assert.match(out[0], new RegExp(`^http\\.get failed: ${peer.url("/").replace(/[.]/g, "\\.")}: \\S`));
  } finally {
    peer.stop();
  }
});

test("mTLS: a server that requires a client certificate gets one from cert/key or cert_file/key_file", () => {
  const out = lua(`
    local url, ca, cert_file, key_file = arg[1], arg[2], arg[3], arg[4]
    local function read(p) local f = assert(io.open(p)); local s = f:read("a"); f:close(); return s end
    print((select(2, pcall(http.client({ ca_cert_file = ca }).get, http.client({ ca_cert_file = ca }), url)) or ""):match("^http%.get failed") ~= nil)
    print(http.client({ ca_cert_file = ca, cert_file = cert_file, key_file = key_file }):get(url).status)
    print(http.client({ ca_cert = read(ca), cert = read(cert_file), key = read(key_file) }):get(url).status)
    print(select(2, pcall(http.client, { cert_file = cert_file, key_file = arg[5] })))
  `, { args: [mutual.url("/echo"), certs.ca, certs.clientCert, certs.clientKey, certs.serverKey] });
  assert.deepEqual(out, ["true", "200", "200", "http.client: the client key does not belong to the client certificate"]);
});

test("HTTP_PROXY/HTTPS_PROXY carry requests (either case); NO_PROXY hosts go direct", async () => {
  const proxy = await startPeer(["--proxy"]);
  try {
    const proxied = async (source: string, env: Record<string, string>, args: string[] = []) => {
      const before = proxy.lines.length;
      lua(source, { env: { HTTP_PROXY: undefined, HTTPS_PROXY: undefined, NO_PROXY: undefined, ...env }, args });
      await sleep(100); // the proxy's output reaches this process's event loop
      return proxy.lines.slice(before);
    };
    const get = `assert(http.get(arg[1]).status == 200)`;
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    assert.deepEqual(await proxied(get, { HTTP_PROXY: proxyUrl }, [plain.url("/echo")]), [`proxied GET ${plain.url("/echo")}`]);
    assert.deepEqual(await proxied(get, { http_proxy: `127.0.0.1:${proxy.port}` }, [plain.url("/echo")]), [`proxied GET ${plain.url("/echo")}`]);
    assert.deepEqual(await proxied(get, { HTTP_PROXY: proxyUrl, NO_PROXY: "example.com,127.0.0.1" }, [plain.url("/echo")]), []);
    assert.deepEqual(await proxied(get, { HTTP_PROXY: proxyUrl, no_proxy: "127.0.0.0/8" }, [plain.url("/echo")]), []);
    // NO_PROXY with another port still proxies.
    assert.deepEqual(await proxied(get, { HTTP_PROXY: proxyUrl, NO_PROXY: "127.0.0.1:1" }, [plain.url("/echo")]), [`proxied GET ${plain.url("/echo")}`]);
    // HTTPS through CONNECT, with the TLS still checked end to end.
    assert.deepEqual(
      await proxied(get, { HTTPS_PROXY: proxyUrl, SSL_CERT_FILE: certs.ca }, [secure.url("/echo")]),
      [`proxied CONNECT 127.0.0.1:${secure.port}`],
    );
  } finally {
    proxy.stop();
  }
});

test("http.download streams 200 MB into a file under the default 64 MiB heap; http.get of it fails cleanly", () => {
  const size = 200 * 1024 * 1024;
  const path = join(dir, "big.bin");
  const out = lua(`
    local r = http.download(arg[1] .. "/stream?size=" .. arg[3], arg[2])
    print(r.status, r.size, math.type(r.size), r.headers["content-type"])
    print(select(2, pcall(http.get, arg[1] .. "/stream?size=" .. arg[3])))
  `, { args: [plain.url(""), path, String(size)] });
  assert.equal(out[0], `200\t${size}\tinteger\tapplication/octet-stream`);
  assert.match(out[1], /^http\.get: reading body failed: the body does not fit in the memory limit \(more than \d+ bytes; http\.download saves a body to a file\)$/);
  assert.equal(statSync(path).size, size);
  const fd = openSync(path, "r");
  try {
    for (const offset of [0, 65535, 65536, 123456789, size - 16]) {
      const buf = Buffer.alloc(16);
      readSync(fd, buf, 0, 16, offset);
      assert.deepEqual([...buf], Array.from({ length: 16 }, (_, i) => patternByte(offset + i)), `bytes at ${offset}`);
    }
  } finally {
    closeSync(fd);
  }
});

test("http.download: a non-2xx answer raises and writes nothing; the path asks the write policy first", async () => {
  const peer = await startPeer();
  try {
    const path = join(dir, "never.bin");
    const out = lua(`
      print(select(2, pcall(http.download, arg[1] .. "/status?code=404", arg[2])))
    `, { args: [peer.url(""), path] });
    assert.deepEqual(out, [`http.download failed: ${peer.url("/status?code=404")}: the server answered 404 Not Found`]);
    assert.equal(existsSync(path), false);
    const denied = lua(`print(select(2, pcall(http.download, arg[1] .. "/blob?size=10", arg[2])))`, {
      flags: ["--sandbox", "restricted"],
      args: [peer.url(""), path],
    });
    assert.deepEqual(denied, [`http.download: write access to "${path}" denied by sandbox profile "restricted" (grant with --allow-write=${path})`]);
    assert.equal((await peer.stats()).connections, 1, "the denied download sent nothing");
    const allowed = lua(`print(http.download(arg[1] .. "/blob?size=10", arg[2]).size)`, {
      flags: ["--sandbox", "restricted", `--allow-write=${dir}`],
      args: [peer.url(""), path],
    });
    assert.deepEqual(allowed, ["10"]);
    assert.deepEqual([...readFileSync(path)], Array.from({ length: 10 }, (_, i) => patternByte(i)));
  } finally {
    peer.stop();
  }
});

test("on_event reads a live event stream event by event; the callback may sleep; false stops the stream", async () => {
  const peer = await startPeer();
  try {
    const out = lua(`
      local seen = {}
      local r = http.get(arg[1] .. "/sse?n=5&gap=30", { on_event = function(e)
        sleep(0.01)
        seen[#seen + 1] = e
      end })
      assert(r.status == 200 and r.body == nil and r.headers["content-type"] == "text/event-stream")
      assert(#seen == 5, #seen)
      local first = seen[1]
      assert(first.event == "tick" and first.data == "n=1\\nsecond line" and first.id == "1" and first.retry == 1500)
      assert(seen[2].retry == nil and seen[5].data == "n=5" and seen[5].id == "5")
      local count = 0
      r = http.get(arg[1] .. "/sse?n=50&gap=30", { on_event = function(e)
        count = count + 1
        if count == 2 then return false end
      end })
      assert(count == 2 and r.status == 200 and r.body == nil)
      local ok, err = pcall(http.get, arg[1] .. "/sse", { on_event = function() error("boom") end })
      print(err)
      -- a response that is not an event stream is read as usual
      print(http.get(arg[1] .. "/echo", { on_event = function() error("not called") end }).status)
    `, { args: [peer.url("")] });
    assert.match(out[0], /client\.lua:\d+: boom$/);
    assert.equal(out[1], "200");
    await sleep(100);
    assert.equal((await peer.stats()).sseCancelled, 2, "the stopped and the failed stream were closed");
  } finally {
    peer.stop();
  }
});

test("a cancelled task aborts the request it waits for", async () => {
  const peer = await startPeer();
  const vm = await testVm();
  try {
    const { api, L, scheduler } = vm;
    const source = `http.get(${JSON.stringify(peer.url("/stall"))})`;
    assert.equal(api.load(L, new TextEncoder().encode(source), "@t.lua", "t"), LUA_OK);
    const run = scheduler.run(scheduler.spawn(L, 0, "main"));
    for (let i = 0; i < 200 && (await peer.stats()).stalls === 0; i++) await sleep(10);
    vm.stop();
    assert.equal((await run).cancelled, true);
    let aborted = 0;
    for (let i = 0; i < 200 && (aborted = (await peer.stats()).aborted) === 0; i++) await sleep(10);
    assert.equal(aborted, 1, "the peer saw the request go away");
  } finally {
    vm.close();
    peer.stop();
  }
});

test("profiles: restricted has the client but not ws; pure has neither unless --allow-net grants it", () => {
  const probe = `print(type(http), http and type(http.get), http and type(http.client), http and type(http.serve), type(ws))`;
  assert.deepEqual(lua(probe, { flags: ["--sandbox", "restricted"] }), ["table\tfunction\tfunction\tnil\tnil"]);
  assert.deepEqual(lua(probe, { flags: ["--sandbox", "pure"] }), ["nil\tnil\tnil\tnil\tnil"]);
  assert.deepEqual(lua(probe, { flags: ["--sandbox", "pure", "--allow-net=127.0.0.1"] }), ["table\tfunction\tfunction\tnil\ttable"]);
  // A CA file a script names is the script's file: read under the read policy.
  assert.deepEqual(lua(`print(select(2, pcall(http.client, { ca_cert_file = arg[1] })))`, { flags: ["--sandbox", "restricted"], args: [certs.ca] }), [
    `http.client: read access to "${certs.ca}" denied by sandbox profile "restricted" (grant with --allow-read=${certs.ca})`,
  ]);
});
