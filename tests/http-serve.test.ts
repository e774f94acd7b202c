/**
 * `http.serve` (builtins.md §1.3, README §0 items 7, 8, 11 and 15) driven by real clients:
 * curl for routes, request and response tables, keep-alive, SSE and limits; a raw socket for
 * malformed requests; the test runtime's own WebSocket; signals for the graceful shutdown.
 * Every server binds 127.0.0.1 on an ephemeral port (printed by the script) and is stopped by
 * its PID when its test ends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createConnection } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assayCommand, runAssay, tempDir } from "./helpers.ts";

const FROM_SOURCE = process.env.ASSAY_FROM_SOURCE === "deno";
/** Starting from source under Deno takes seconds. */
const START_TIMEOUT_MS = FROM_SOURCE ? 60_000 : 15_000;

/** Prints `PORT <n>` once the server has bound (the script's own code follows it). */
const PRINT_PORT = `async.spawn(function()
  while not _SERVER_PORT do sleep(0.01) end
  print("PORT " .. _SERVER_PORT) io.stdout:flush()
end)
`;

interface Server {
  pid: number;
  port: number;
  url: (path: string) => string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }>;
}

const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) child.kill("SIGKILL");
};
globalThis.addEventListener?.("unload", killAll);
process.on("exit", killAll);

/** Starts `assay [flags] server.lua` with PRINT_PORT prepended; resolves once it listens. */
async function serve(code: string, options: { flags?: string[]; env?: Record<string, string>; printPort?: boolean } = {}): Promise<Server> {
  const dir = tempDir();
  writeFileSync(join(dir, "server.lua"), (options.printPort === false ? "" : PRINT_PORT) + code);
  const [cmd, ...lead] = assayCommand();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: "1", RUST_LOG: "", ...options.env })) if (v !== undefined) env[k] = v;
  const child = spawn(cmd, [...lead, ...(options.flags ?? []), "server.lua"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "", err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  // "close", not "exit": by then everything the process wrote has been read.
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    })
  );
  const port = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearInterval(poll);
        resolve(Number(m[1]));
      } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > START_TIMEOUT_MS) {
        clearInterval(poll);
        child.kill("SIGKILL");
        reject(new Error(`server did not start (exit ${child.exitCode})\nstdout:\n${out}\nstderr:\n${err}`));
      }
    }, 20);
  });
  return {
    pid: child.pid!,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop(signal = "SIGTERM") {
      // process.kill, not child.kill: Deno's child.kill reports the signal it sent as the way
      // the child ended, even when the child handled it and exited with a code.
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
      return exited;
    },
  };
}

/** Runs `fn` with a server, always stopping it (SIGKILL) afterwards. */
async function withServer(code: string, fn: (s: Server) => Promise<void> | void, options: Parameters<typeof serve>[1] = {}) {
  const server = await serve(code, options);
  try {
    await fn(server);
  } finally {
    await server.stop("SIGKILL");
  }
}

interface Reply {
  status: number;
  headers: Map<string, string[]>;
  body: Buffer;
  text: string;
}

/** An HTTP request with curl (`-i`), parsed. */
function curl(url: string, args: string[] = [], input?: Uint8Array): Reply {
  const r = spawnSync("curl", ["-s", "-S", "-i", "--max-time", "20", ...args, url], { input, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `curl ${args.join(" ")} ${url} failed: ${r.stderr}`);
  return parseReply(r.stdout);
}

function parseReply(raw: Buffer): Reply {
  // curl sends `Expect: 100-continue` with large bodies: skip the interim answer.
  while (raw.subarray(0, 13).toString() === "HTTP/1.1 100 ") raw = raw.subarray(raw.indexOf("\r\n\r\n") + 4);
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(head[0].split(" ")[1]);
  const headers = new Map<string, string[]>();
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    const name = line.slice(0, i).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  const body = raw.subarray(end + 4);
  return { status, headers, body, text: body.toString("utf8") };
}

const header = (r: Reply, name: string) => r.headers.get(name)?.join(", ");

/**
 * Retries `check` until it passes or `ms` run out: what a server writes to stderr is read by
 * this process's event loop, which a synchronous curl holds up.
 */
async function eventually(check: () => void, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

// ---- routes ---------------------------------------------------------------------------------

const ROUTES = `
local function say(text) return function(req) return { body = text .. " " .. req.path } end end
http.serve(0, {
  GET = {
    ["/users/me"] = say("exact"),
    ["/users/:id"] = function(req) return { body = "param " .. req.path_params.id } end,
    ["/users/:id/posts/:post"] = function(req) return { json = req.path_params } end,
    ["/users/me/:tab"] = function(req) return { body = "me-tab " .. req.path_params.tab } end,
    ["/api/*"] = say("api"),
    ["/api/v2/*"] = say("api-v2"),
    ["/*"] = say("root"),
    ["/a*b"] = say("literal-star"),
  },
  post = { ["/users/me"] = say("post") },
  HEAD = { ["/probe"] = function() return { status = 204, headers = { ["x-probe"] = "yes" } } end },
}, { host = "127.0.0.1" })
`;

test("routes: exact beats :param beats wildcard; the most specific wildcard wins", async () => {
  await withServer(ROUTES, (s) => {
    assert.equal(curl(s.url("/users/me")).text, "exact /users/me");
    assert.equal(curl(s.url("/users/42")).text, "param 42");
    assert.equal(curl(s.url("/users/a%20b%2Fc")).text, "param a b/c", "path parameters are URL-decoded");
    assert.deepEqual(JSON.parse(curl(s.url("/users/7/posts/x%C3%A9")).text), { id: "7", post: "xé" });
    assert.equal(curl(s.url("/users/me/posts")).text, "me-tab posts", "the more literal route wins");
    assert.equal(curl(s.url("/api/v2/x/y")).text, "api-v2 /api/v2/x/y");
    assert.equal(curl(s.url("/api/v1")).text, "api /api/v1");
    assert.equal(curl(s.url("/api/")).text, "api /api/");
    assert.equal(curl(s.url("/api")).text, "root /api", "/api/* does not match /api itself");
    assert.equal(curl(s.url("/users")).text, "root /users");
    assert.equal(curl(s.url("/a*b")).text, "literal-star /a*b", "a * inside a key is literal");
    assert.equal(curl(s.url("/users/me"), ["-X", "POST"]).text, "post /users/me", "method keys are upper-cased");
  });
});

test("routes: a method without a route is a 404; HEAD is never mapped to GET", async () => {
  await withServer(ROUTES, (s) => {
    const put = curl(s.url("/users/me"), ["-X", "PUT"]);
    assert.equal(put.status, 404);
    assert.equal(header(put, "content-type"), "text/plain");
    assert.equal(put.text, "not found");
    assert.equal(curl(s.url("/users/me"), ["-I"]).status, 404, "HEAD on a GET-only route");
    assert.equal(curl(s.url("/anything"), ["-I"]).status, 404, "HEAD is not caught by the GET wildcard either");
    const probe = curl(s.url("/probe"), ["-I"]);
    assert.equal(probe.status, 204, "a HEAD route answers HEAD");
    assert.equal(header(probe, "x-probe"), "yes");
  });
});

test("routes: mistakes fail http.serve with a message naming the route", () => {
  const cases: [string, string][] = [
    [`http.serve("80", {})`, "http.serve: first argument must be a port number"],
    [`http.serve(80.0, {})`, "http.serve: first argument must be a port number"],
    [`http.serve(70000, {})`, "http.serve: port 70000 is out of range (0 to 65535)"],
    [`http.serve(0, "x")`, "http.serve: second argument must be a routes table"],
    [`http.serve(0)`, "http.serve: second argument must be a routes table"],
    [`http.serve(0, {}, 5)`, "http.serve: third argument must be a table or nil"],
    [`http.serve(0, {}, {max_body = 1.5})`, "http.serve: opts.max_body must be an integer"],
    [`http.serve(0, {}, {shutdown_grace = -1})`, "http.serve: opts.shutdown_grace must be a number of seconds >= 0"],
    [`http.serve(0, { GET = { ["/x"] = "nope" } })`, `http.serve: handler for GET "/x" must be a function (or {ws = function} under GET)`],
    [`http.serve(0, { GET = { [1] = function() end } })`, "http.serve: route paths under GET must be strings, not number values"],
    [`http.serve(0, { GET = 5 })`, "http.serve: routes.GET must be a table of path = handler"],
    [`http.serve(0, { [true] = {} })`, "http.serve: routes table keys must be method names, not boolean values"],
    [`http.serve(0, { ["GE T"] = {} })`, `http.serve: "GE T" is not an HTTP method name`],
    [`http.serve(0, { GET = { x = function() end } })`, `http.serve: route GET "x": a path must start with "/"`],
    [`http.serve(0, { GET = { ["/x"] = function() end }, get = { ["/x"] = function() end } })`, `http.serve: route GET "/x" is defined more than once`],
    [`http.serve(0, { GET = { ["/a/:x"] = function() end, ["/a/:y"] = function() end } })`, "matches the same paths as"],
    [`http.serve(0, { GET = { ["/a/:x/:x"] = function() end } })`, `http.serve: route GET "/a/:x/:x": parameter :x appears twice`],
    [`http.serve(0, { GET = { ["/a/:x/*"] = function() end } })`, "a wildcard route cannot have :name segments"],
    [`http.serve(0, { POST = { ["/ws"] = { ws = function() end } } })`, `http.serve: route POST "/ws": a WebSocket route ({ws = function}) must be under GET`],
  ];
  const script = cases.map(([call], i) => `local ok${i}, e${i} = pcall(function() ${call} end) print(tostring(e${i}))`).join("\n");
  const r = runAssay(["exec", "-e", script]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  cases.forEach(([call, want], i) => assert.ok(lines[i].includes(want), `${call}\n  got:  ${lines[i]}\n  want: ${want}`));
});

test("bind failure: http.serve: bind failed: ..., and _SERVER_PORT is the port bound", async () => {
  await withServer(
    `local second
http.serve(0, { GET = {
  ["/again"] = function()
    local ok, e = pcall(http.serve, _SERVER_PORT, {}, { host = "127.0.0.1" })
    return { body = tostring(e) }
  end,
  ["/port"] = function() return { body = tostring(_SERVER_PORT) .. " " .. math.type(_SERVER_PORT) } end,
} }, { host = "127.0.0.1" })`,
    (s) => {
      assert.match(curl(s.url("/again")).text, /^http\.serve: bind failed: cannot listen on 127\.0\.0\.1:\d+: /);
      assert.equal(curl(s.url("/port")).text, `${s.port} integer`);
      assert.equal(curl(s.url("/port")).status, 200, "the first server goes on");
    },
  );
});

// ---- the request table ------------------------------------------------------------------------

test("request: method, raw path and query, decoded params, lowercase headers, binary body", async () => {
  await withServer(
    `local function dump(req)
  local keys = {}
  for k in pairs(req.headers) do keys[#keys + 1] = k end
  table.sort(keys)
  return { json = { method = req.method, path = req.path, query = req.query, params = req.params,
    path_params = req.path_params, header_names = keys, x_multi = req.headers["x-multi"],
    x_latin = req.headers["x-latin"] or "dropped", body_len = #req.body } }
end
http.serve(0, {
  GET = { ["/dump/:name"] = dump, ["/plain"] = dump },
  POST = { ["/echo"] = function(req) return { body = req.body, headers = { ["content-type"] = "application/octet-stream" } } end },
}, { host = "127.0.0.1" })`,
    (s) => {
      const r = curl(s.url("/dump/caf%C3%A9?a=1&a=2&b=x+y%21&empty=&flag"), ["-H", "X-Multi: one", "-H", "X-Multi: two", "-H", "X-Latin: caf\xe9"]);
      const got = JSON.parse(r.text);
      assert.equal(got.method, "GET");
      assert.equal(got.path, "/dump/caf%C3%A9", "the path stays percent-encoded");
      assert.equal(got.query, "a=1&a=2&b=x+y%21&empty=&flag");
      assert.deepEqual(got.params, { a: "2", b: "x y!", empty: "", flag: "" }, "decoded as a form, the last value kept");
      assert.deepEqual(got.path_params, { name: "café" });
      assert.ok(got.header_names.includes("x-multi") && got.header_names.includes("user-agent"), "names are lowercase");
      assert.equal(got.x_multi, "one, two", "a repeated header arrives joined");
      assert.equal(got.x_latin, "dropped", "a non-ASCII value is dropped");
      assert.equal(got.body_len, 0);

      const plain = JSON.parse(curl(s.url("/plain")).text);
      assert.equal(plain.query, "");
      assert.deepEqual(plain.params, [], "params is always a table (empty: [] in JSON)");
      assert.deepEqual(plain.path_params, []);

      const bytes = new Uint8Array(256 * 4).map((_, i) => i % 256);
      const echo = curl(s.url("/echo"), ["--data-binary", "@-", "-H", "content-type: application/octet-stream"], bytes);
      assert.equal(echo.status, 200);
      assert.deepEqual(new Uint8Array(echo.body), bytes, "the body is byte for byte, both ways");
    },
  );
});

// ---- the response table -----------------------------------------------------------------------

test("response: json beats body, content-type defaults, array headers, status fallbacks", async () => {
  await withServer(
    `local R = {
  ["/json"] = { json = { b = 1, a = { 1.5, 2.0 } }, body = "ignored" },
  ["/empty-object"] = { json = json.object({}) },
  ["/json-type"] = { json = {}, headers = { ["Content-Type"] = "application/vnd.x+json" } },
  ["/body"] = { body = "text" },
  ["/number-body"] = { body = 42 },
  ["/table-body"] = { body = { 1 } },
  ["/json-not-table"] = { json = "str", body = "fallback body" },
  ["/nothing"] = {},
  ["/cookies"] = { headers = { ["Set-Cookie"] = { "a=1", "b=2" }, ["X-Num"] = 3, ["X-Float"] = 0.5, ["X-Bad"] = true, ["X-NL"] = "a\\nb" }, body = "c" },
  ["/created"] = { status = 201, body = "made" },
  ["/float-status"] = { status = 201.0 },
  ["/string-status"] = { status = "404" },
  ["/low-status"] = { status = 99 },
  ["/high-status"] = { status = 700 },
  ["/teapot"] = { status = 418 },
  ["/no-content"] = { status = 204, body = "dropped" },
  ["/not-modified"] = { status = 304, json = { x = 1 } },
}
local routes = {}
for path, resp in pairs(R) do routes[path] = function() return resp end end
routes["/string"] = function() return "not a table" end
routes["/bad-json"] = function() return { json = { f = print } } end
http.serve(0, { GET = routes }, { host = "127.0.0.1" })`,
    async (s) => {
      const j = curl(s.url("/json"));
      assert.equal(j.text, `{"a":[1.5,2.0],"b":1}`, "§0.5 JSON: sorted keys, 2.0 stays a float");
      assert.equal(header(j, "content-type"), "application/json");
      assert.equal(curl(s.url("/empty-object")).text, "{}", "json.object marks are honoured");
      const typed = curl(s.url("/json-type"));
      assert.equal(header(typed, "content-type"), "application/vnd.x+json", "the handler's content-type wins, any case");
      assert.equal(typed.text, "[]");
      const b = curl(s.url("/body"));
      assert.equal(b.text, "text");
      assert.equal(header(b, "content-type"), "text/plain");
      assert.equal(curl(s.url("/number-body")).text, "42");
      const t = curl(s.url("/table-body"));
      assert.equal(t.status, 200);
      assert.equal(t.text, "", "a body of the wrong type counts as none");
      assert.equal(header(t, "content-type"), "text/plain");
      assert.equal(curl(s.url("/json-not-table")).text, "fallback body", "a non-table json is ignored");
      const n = curl(s.url("/nothing"));
      assert.deepEqual([n.status, n.text, header(n, "content-type")], [200, "", "text/plain"]);
      const c = curl(s.url("/cookies"));
      assert.deepEqual(c.headers.get("set-cookie"), ["a=1", "b=2"], "one header line per array element");
      assert.equal(header(c, "x-num"), "3");
      assert.equal(header(c, "x-float"), "0.5");
      assert.equal(c.headers.has("x-bad"), false, "a boolean value is dropped");
      assert.equal(c.headers.has("x-nl"), false, "a value with a newline is dropped");
      await eventually(() => assert.match(s.stderr(), /WARN http\.serve: response headers dropped \(no valid value\): (X-Bad, X-NL|X-NL, X-Bad)/));
      assert.equal(curl(s.url("/created")).status, 201);
      assert.equal(curl(s.url("/teapot")).status, 418);
      const noContent = curl(s.url("/no-content"));
      assert.deepEqual([noContent.status, noContent.text], [204, ""], "204 and 304 carry no body");
      assert.deepEqual([curl(s.url("/not-modified")).status, curl(s.url("/not-modified")).text], [304, ""]);
      for (const path of ["/float-status", "/string-status", "/low-status", "/high-status"]) {
        assert.equal(curl(s.url(path)).status, 200, `${path} falls back to 200`);
      }
      const str = curl(s.url("/string"));
      assert.equal(str.status, 500);
      assert.equal(str.text, "handler error: the handler returned a string value instead of a response table");
      const bad = curl(s.url("/bad-json"));
      assert.equal(bad.status, 500);
      assert.equal(bad.text, "handler error: response json: unsupported Lua type for JSON: function (at .f)");
    },
  );
});

test("response: header values go out as the string's bytes (UTF-8 or not), as the reference sends them", async () => {
  await withServer(
    `http.serve(0, { GET = { ["/h"] = function() return { headers = {
  ["Content-Disposition"] = 'attachment; filename="r\\u{e9}sum\\u{e9} \\u{20ac}.pdf"',
  ["X-Raw"] = "\\xff\\x80",
} } end } }, { host = "127.0.0.1" })`,
    (s) => {
      const r = curl(s.url("/h"));
      const bytes = (name: string) => [...Buffer.from(header(r, name)!, "latin1")];
      assert.deepEqual(bytes("content-disposition"), [...Buffer.from('attachment; filename="résumé €.pdf"', "utf8")]);
      assert.deepEqual(bytes("x-raw"), [0xff, 0x80]);
    },
  );
});

test("a handler error is a 500 with its message, logged with the traceback at ERROR; the server goes on", async () => {
  await withServer(
    `local function inner() error("kaboom") end
http.serve(0, { GET = {
  ["/fail"] = function() inner() end,
  ["/ok"] = function() return { body = "still here" } end,
} }, { host = "127.0.0.1" })`,
    async (s) => {
      const r = curl(s.url("/fail"));
      assert.equal(r.status, 500);
      assert.equal(header(r, "content-type"), "text/plain");
      assert.equal(r.text, "handler error: server.lua:5: kaboom");
      assert.equal(curl(s.url("/ok")).text, "still here");
      await eventually(() =>
        assert.match(
          s.stderr(),
          /ERROR http\.serve: handler error: server\.lua:5: kaboom method=GET path=\/fail\nstack traceback:\n(.*\n)*\s+server\.lua:5: in (local|upvalue|function) '?inner'?/,
        )
      );
    },
  );
});

test("the access log: one DEBUG line per request (shown with -v)", async () => {
  await withServer(`http.serve(0, { GET = { ["/health"] = function() return { body = "ok" } end } }, { host = "127.0.0.1" })`, async (s) => {
    curl(s.url("/health"));
    curl(s.url("/missing"));
    await eventually(() => assert.match(s.stderr(), /DEBUG http\.serve: GET \/health 200 ms=[\d.]+\n/));
    await eventually(() => assert.match(s.stderr(), /DEBUG http\.serve: GET \/missing 404 ms=[\d.]+\n/));
  }, { flags: ["-v"] });
});

// ---- limits and malformed requests ------------------------------------------------------------

test("max_body: a larger body gets a 413 (declared or chunked), a body at the limit passes", async () => {
  await withServer(
    `http.serve(0, { POST = { ["/up"] = function(req) return { body = tostring(#req.body) } end } }, { host = "127.0.0.1", max_body = 1000 })`,
    (s) => {
      assert.equal(curl(s.url("/up"), ["--data-binary", "@-"], new Uint8Array(1000)).text, "1000");
      assert.equal(curl(s.url("/up"), ["--data-binary", "@-"], new Uint8Array(1001)).status, 413);
      assert.equal(curl(s.url("/up"), ["--data-binary", "@-", "-H", "Transfer-Encoding: chunked"], new Uint8Array(5000)).status, 413);
      assert.equal(curl(s.url("/up"), ["--data-binary", "@-"], new Uint8Array(10)).text, "10", "and the server goes on");
    },
  );
});

test("the default max_body is 10 MiB", async () => {
  await withServer(`http.serve(0, { POST = { ["/up"] = function(req) return { body = tostring(#req.body) } end } }, { host = "127.0.0.1" })`, (s) => {
    assert.equal(curl(s.url("/up"), ["--data-binary", "@-"], new Uint8Array(10 * 1024 * 1024)).text, String(10 * 1024 * 1024));
    assert.equal(curl(s.url("/up"), ["--data-binary", "@-"], new Uint8Array(10 * 1024 * 1024 + 1)).status, 413);
  });
});

/** Sends raw bytes on a fresh connection; resolves with everything read until the server closes (or 3 s). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => socket.write(bytes));
    let got = "";
    socket.on("data", (d) => (got += d.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
    socket.setTimeout(3000, () => socket.destroy());
  });
}

test("a malformed request gets a 400 and the server goes on", async () => {
  await withServer(`http.serve(0, { GET = { ["/ok"] = function() return { body = "fine" } end } }, { host = "127.0.0.1" })`, async (s) => {
    for (const bad of ["GET /ok HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", "NONSENSE\r\n\r\n", "GET /ok HTTP/1.1\r\nContent-Length: abc\r\n\r\n"]) {
      assert.match(await rawExchange(s.port, bad), /^HTTP\/1\.1 400 /, JSON.stringify(bad));
    }
    assert.equal(curl(s.url("/ok")).text, "fine");
  });
});

test("keep-alive: two requests reuse one connection", async () => {
  await withServer(`http.serve(0, { GET = { ["/a"] = function() return { body = "A" } end, ["/b"] = function() return { body = "B" } end } }, { host = "127.0.0.1" })`, (s) => {
    const r = spawnSync("curl", ["-s", "-v", "--max-time", "10", s.url("/a"), s.url("/b")]);
    assert.equal(r.stdout.toString(), "AB");
    assert.match(r.stderr.toString(), /Re-using existing connection/);
  });
});

// ---- concurrency --------------------------------------------------------------------------------

test("50 concurrent requests: slow handlers (sleep 1) do not hold up fast ones", async () => {
  await withServer(
    `http.serve(0, { GET = {
  ["/slow"] = function() sleep(1) return { body = "slow" } end,
  ["/fast"] = function() return { body = "fast" } end,
} }, { host = "127.0.0.1" })`,
    (s) => {
      const urls = Array.from({ length: 50 }, (_, i) => s.url(i % 2 ? `/fast?i=${i}` : `/slow?i=${i}`));
      const started = Date.now();
      const r = spawnSync("curl", ["-s", "-Z", "--parallel-immediate", "--parallel-max", "50", "--max-time", "20", "-w", "%{url} %{http_code} %{time_total}\\n", ...urls.flatMap((u) => ["-o", "/dev/null", u])]);
      const wall = (Date.now() - started) / 1000;
      const lines = r.stdout.toString().trim().split("\n").map((l) => l.split(" "));
      assert.equal(lines.length, 50, r.stderr.toString());
      for (const [url, code] of lines) assert.equal(code, "200", url);
      const fast = lines.filter(([url]) => url.includes("/fast")).map(([, , t]) => Number(t));
      const slow = lines.filter(([url]) => url.includes("/slow")).map(([, , t]) => Number(t));
      assert.ok(Math.max(...fast) < 0.9, `every fast request ends before the slow ones (slowest fast: ${Math.max(...fast)} s)`);
      assert.ok(Math.min(...slow) >= 0.95, `slow ones take their second (${Math.min(...slow)} s)`);
      assert.ok(wall < 6, `25 one-second handlers ran concurrently (${wall} s in all)`);
    },
  );
});

// ---- SSE ------------------------------------------------------------------------------------------

test("SSE: headers at once, events arrive one by one, fields in the order event, data, id, retry", async () => {
  await withServer(
    `http.serve(0, { GET = { ["/events"] = function()
  return { headers = { ["X-Stream"] = "1" }, sse = function(send)
    send{ retry = 1500, id = "1", data = "first\\nsecond\\r\\nthird", event = "tick" }
    sleep(0.6)
    send{ data = "" }
    sleep(0.6)
    send{ data = "last" }
  end }
end } }, { host = "127.0.0.1" })`,
    async (s) => {
      const child = spawn("curl", ["-s", "-N", "-i", "--max-time", "20", s.url("/events")]);
      running.add(child);
      const chunks: { at: number; text: string }[] = [];
      const started = Date.now();
      child.stdout.on("data", (d) => chunks.push({ at: Date.now() - started, text: d.toString() }));
      await new Promise((resolve) => child.on("exit", resolve));
      running.delete(child);
      const all = chunks.map((c) => c.text).join("");
      const reply = parseReply(Buffer.from(all));
      assert.equal(reply.status, 200);
      assert.equal(header(reply, "content-type"), "text/event-stream");
      assert.equal(header(reply, "cache-control"), "no-cache");
      assert.equal(header(reply, "x-stream"), "1");
      assert.equal(
        reply.text,
        "event: tick\ndata: first\ndata: second\ndata: third\nid: 1\nretry: 1500\n\n" + "data: \n\n" + "data: last\n\n",
      );
      const firstAt = chunks.find((c) => c.text.includes("event: tick"))!.at;
      const lastAt = chunks.find((c) => c.text.includes("data: last"))!.at;
      assert.ok(lastAt - firstAt >= 1000, `the first event came ${lastAt - firstAt} ms before the last: streamed, not buffered`);
    },
  );
});

test("SSE: bad fields raise in the producer; send waits when the client does not read; SSE stream closed once it left", async () => {
  await withServer(
    `local state = { sent = 0 }
local big = string.rep("x", 1000)
http.serve(0, { GET = {
  ["/bad"] = function() return { sse = function(send)
    state.event = select(2, pcall(send, { event = "a\\nb" }))
    state.id = select(2, pcall(send, { id = "1\\r" }))
    state.retry = select(2, pcall(send, { retry = 1.5 }))
    state.arg = select(2, pcall(send, "text"))
  end } end,
  ["/flood"] = function() return { sse = function(send)
    local ok, e = pcall(function() for i = 1, 20000 do send{ data = big } state.sent = i end end)
    state.closed = tostring(e)
  end } end,
  ["/state"] = function() return { json = state } end,
} }, { host = "127.0.0.1" })`,
    async (s) => {
      curl(s.url("/bad"));
      const state = () => JSON.parse(curl(s.url("/state")).text);
      const bad = state();
      assert.match(bad.event, /SSE event name must not contain newlines$/);
      assert.match(bad.id, /SSE id must not contain newlines$/);
      assert.match(bad.retry, /SSE send: event\.retry must be an integer or nil$/);
      assert.match(bad.arg, /SSE send: first argument must be a table$/);

      // A client that asks and does not read: the producer stops at what the socket buffers hold.
      const socket = createConnection({ host: "127.0.0.1", port: s.port }, () => socket.write(`GET /flood HTTP/1.1\r\nHost: x\r\n\r\n`));
      socket.pause();
      await new Promise((r) => setTimeout(r, 1500));
      const stalled = state().sent;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(state().sent, stalled, "send waits while the client reads nothing");
      assert.ok(stalled < 20000, `stopped at ${stalled} events`);
      socket.destroy();
      const until = Date.now() + 5000;
      while (state().closed === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.match(state().closed, /server\.lua:\d+: SSE stream closed$/);
    },
  );
});

test("SSE: an error inside the producer is logged as http.serve SSE: handler error and ends the stream; the server goes on", async () => {
  await withServer(
    `http.serve(0, { GET = {
  ["/events"] = function() return { sse = function(send)
    send{ data = "one" }
    error("producer broke")
  end } end,
  ["/ok"] = function() return { body = "fine" } end,
} }, { host = "127.0.0.1" })`,
    async (s) => {
      const r = curl(s.url("/events"), ["-N"]);
      assert.equal(r.status, 200);
      assert.equal(r.text, "data: one\n\n", "what was sent arrives, then the stream ends");
      await eventually(() => assert.match(s.stderr(), /ERROR http\.serve SSE: handler error: server\.lua:\d+: producer broke/));
      assert.equal(curl(s.url("/ok")).text, "fine");
    },
  );
});

// ---- WebSocket ----------------------------------------------------------------------------------

const WS_SERVER = `local log = {}
http.serve(0, { GET = {
  ["/echo/:room"] = { ws = function(conn, req)
    conn:send("hello " .. req.path_params.room .. " " .. (req.params.who or "?"))
    while true do
      local msg, kind = conn:recv()
      if msg == nil then log[#log + 1] = "peer closed" break end
      if msg == "close me" then conn:close() log[#log + 1] = "closed by server" break end
      if msg == "fail" then error("ws handler failed") end
      if kind == "binary" then conn.send(msg, { binary = true }) else conn:send(kind .. ":" .. msg) end
    end
  end },
  ["/bad-send"] = { ws = function(conn)
    local ok, e = pcall(conn.send, conn, "\\255")
    conn:send(tostring(e))
  end },
  ["/log"] = function() return { json = log } end,
} }, { host = "127.0.0.1" })`;

interface WsClient {
  ws: WebSocket;
  next(): Promise<string | Uint8Array>;
  closed: Promise<{ code: number; reason: string }>;
}

function wsConnect(url: string): Promise<WsClient> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const inbox: (string | Uint8Array)[] = [];
  const waiting: ((m: string | Uint8Array) => void)[] = [];
  ws.onmessage = (e) => {
    const m = typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer);
    const w = waiting.shift();
    if (w) w(m);
    else inbox.push(m);
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
  return new Promise((resolve, reject) => {
    ws.onopen = () =>
      resolve({ ws, closed, next: () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiting.push(r))) });
    ws.onerror = () => reject(new Error(`WebSocket to ${url} failed`));
  });
}

test("WebSocket route: text and binary both ways, req with path and query, recv nil after the peer closed", async () => {
  await withServer(WS_SERVER, async (s) => {
    const c = await wsConnect(`ws://127.0.0.1:${s.port}/echo/lobby?who=ann`);
    assert.equal(await c.next(), "hello lobby ann");
    c.ws.send("hi");
    assert.equal(await c.next(), "text:hi");
    c.ws.send(new Uint8Array([0, 255, 10, 13]));
    assert.deepEqual(await c.next(), new Uint8Array([0, 255, 10, 13]), "binary frames stay bytes");
    c.ws.close(1000);
    await c.closed;
    const until = Date.now() + 5000;
    while (!curl(s.url("/log")).text.includes("peer closed") && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(JSON.parse(curl(s.url("/log")).text), ["peer closed"]);
  });
});

test("WebSocket route: conn:close() closes with 1000, a handler error with 1011 (logged); plain GET gets 426", async () => {
  await withServer(WS_SERVER, async (s) => {
    const a = await wsConnect(`ws://127.0.0.1:${s.port}/echo/a`);
    await a.next();
    a.ws.send("close me");
    assert.equal((await a.closed).code, 1000);

    const b = await wsConnect(`ws://127.0.0.1:${s.port}/echo/b`);
    await b.next();
    b.ws.send("fail");
    assert.equal((await b.closed).code, 1011);
    await eventually(() => assert.match(s.stderr(), /ERROR http\.serve WebSocket: handler error: server\.lua:\d+: ws handler failed/));

    const c = await wsConnect(`ws://127.0.0.1:${s.port}/bad-send`);
    assert.match(String(await c.next()), /conn:send: a text message must be valid UTF-8 \(send bytes with \{binary = true\}\)$/);

    const plain = curl(s.url("/echo/x"));
    assert.equal(plain.status, 426);
    assert.equal(header(plain, "upgrade"), "websocket");
  });
});

// ---- lifetime and shutdown ------------------------------------------------------------------

test("a server started in async.spawn keeps the run going after the main chunk; SIGINT ends it with 0", async () => {
  // As in the reference, the main chunk must live until the server is up (a task that has
  // not run yet when it returns is abandoned); from then on the server keeps the run going.
  const s = await serve(`async.spawn(function()
  http.serve(0, { GET = { ["/ok"] = function() return { body = "alive" } end } }, { host = "127.0.0.1" })
end)
while not _SERVER_PORT do sleep(0.01) end
print("main done") io.stdout:flush()`);
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.match(s.stdout(), /main done/);
    assert.equal(curl(s.url("/ok")).text, "alive", "still serving after the main chunk returned");
    assert.deepEqual(await s.stop("SIGINT"), { code: 0, signal: null });
  } finally {
    await s.stop("SIGKILL");
  }
});

test("a main chunk that fails ends the run (exit 1) even while a server it started is live", () => {
  const started = Date.now();
  const r = runAssay(["exec", "-e", `async.spawn(function() http.serve(0, {}, { host = "127.0.0.1" }) end)
while not _SERVER_PORT do sleep(0.01) end
error("the test failed")`], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ERROR .*the test failed/);
  assert.ok(Date.now() - started < 15_000, "it did not wait for a signal");
});

test("SIGTERM while a request is in flight: it completes, new connections are refused, exit 0", async () => {
  const s = await serve(`http.serve(0, { GET = { ["/slow"] = function() sleep(1.5) return { body = "finished" } end } }, { host = "127.0.0.1" })`);
  try {
    const slow = spawn("curl", ["-s", "--max-time", "20", s.url("/slow")]);
    running.add(slow);
    let out = "";
    slow.stdout.on("data", (d) => (out += d));
    const slowDone = new Promise<number | null>((resolve) => slow.on("exit", (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 500));
    process.kill(s.pid, "SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    const refused = spawnSync("curl", ["-s", "--max-time", "5", s.url("/slow")]);
    assert.equal(refused.status, 7, "no new connections during the shutdown (curl: couldn't connect)");
    assert.equal(await slowDone, 0);
    running.delete(slow);
    assert.equal(out, "finished");
    assert.deepEqual(await s.exited, { code: 0, signal: null });
  } finally {
    await s.stop("SIGKILL");
  }
});

test("SIGTERM: a request still running when shutdown_grace ends is cut; exit 0 without waiting for it", async () => {
  const s = await serve(`http.serve(0, { GET = { ["/stuck"] = function() sleep(30) return { body = "never" } end } }, { host = "127.0.0.1", shutdown_grace = 0.5 })`);
  try {
    const stuck = spawn("curl", ["-s", "--max-time", "20", s.url("/stuck")]);
    running.add(stuck);
    const stuckDone = new Promise<number | null>((resolve) => stuck.on("exit", (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 400));
    const signalled = Date.now();
    process.kill(s.pid, "SIGTERM");
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    const took = Date.now() - signalled;
    assert.ok(took >= 450 && took < 5000, `exited ${took} ms after SIGTERM (grace 500 ms)`);
    const code = await stuckDone;
    running.delete(stuck);
    assert.ok(code === 52 || code === 56, `the cut request fails on the client (curl exit ${code})`);
  } finally {
    await s.stop("SIGKILL");
  }
});

test("SIGTERM: open SSE streams end at once (send raises SSE stream closed), WebSockets get a close frame", async () => {
  const s = await serve(`http.serve(0, { GET = {
  ["/events"] = function() return { sse = function(send)
    while true do
      local ok, e = pcall(send, { data = "tick" })
      if not ok then io.stderr:write("producer saw: ", tostring(e), "\\n") return end
      sleep(0.05)
    end
  end } end,
  ["/ws"] = { ws = function(conn) conn:send("hi") while conn:recv() do end end },
} }, { host = "127.0.0.1", shutdown_grace = 20 })`);
  try {
    const events = spawn("curl", ["-s", "-N", "--max-time", "30", s.url("/events")]);
    running.add(events);
    const eventsDone = new Promise<number | null>((resolve) => events.on("exit", (code) => resolve(code)));
    const ws = await wsConnect(`ws://127.0.0.1:${s.port}/ws`);
    await ws.next();
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    process.kill(s.pid, "SIGTERM");
    assert.equal((await ws.closed).code, 1001, "going away");
    assert.equal(await eventsDone, 0, "the event stream ended cleanly");
    running.delete(events);
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.ok(Date.now() - signalled < 5000, "streams do not hold the shutdown for its grace period (20 s)");
    assert.match(s.stderr(), /producer saw: SSE stream closed\n/, "pcall(send, ...) raises it (no position: send is called by pcall)");
  } finally {
    await s.stop("SIGKILL");
  }
});

// ---- sandbox ------------------------------------------------------------------------------------

test("sandbox: http.serve needs listen, granted by full only; --allow-listen=PORT grants one port", async () => {
  const nil = runAssay(["--sandbox", "restricted", "exec", "-e", `print(http == nil or http.serve == nil)`]);
  assert.equal(nil.stdout, "true\n", "restricted has no http.serve");
  const denied = runAssay(["--sandbox", "restricted", "--allow-listen=1", "exec", "-e", `print(select(2, pcall(http.serve, 0, {}, { host = "127.0.0.1" })))`]);
  assert.equal(denied.code, 0, denied.stderr);
  assert.match(
    denied.stdout,
    /http\.serve: listen access to "127\.0\.0\.1:0" denied by sandbox profile "restricted" \(grant with --allow-listen=127\.0\.0\.1:0\)/,
  );
  await withServer(`http.serve(0, { GET = { ["/x"] = function() return { body = "granted" } end } }, { host = "127.0.0.1" })`, (s) => {
    assert.equal(curl(s.url("/x")).text, "granted");
  }, { flags: ["--sandbox", "restricted", "--allow-listen=0"] });
});
