/**
 * The host facade builtins use: every call asks the policy first with the builtin's name,
 * files are opened where the policy judged them, a cancelled child is killed with what it
 * started, and redirects are checked hop by hop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { endsWithin, tempDir } from "../tests/helpers.ts";
import { policyHost } from "./host-facade.ts";
import { Policy } from "./sandbox/policy.ts";
import { mapVariables } from "./variables.ts";

const dir = tempDir("assay-facade-");
writeFileSync(join(dir, "data.txt"), "hello");
writeFileSync(join(dir, "secret.txt"), "secret");

test("file calls ask the policy with the builtin's name and the flag that would grant it", async () => {
  const host = policyHost(new Policy({ profile: "restricted" }), mapVariables());
  await assert.rejects(host.readFile("fs.read", join(dir, "data.txt")), {
    message: `fs.read: read access to "${join(dir, "data.txt")}" denied by sandbox profile "restricted" ` +
      `(grant with --allow-read=${join(dir, "data.txt")})`,
  });
  await assert.rejects(host.writeFile("fs.write", join(dir, "new.txt"), new Uint8Array([1])), /fs\.write: write access/);
  const allowed = policyHost(new Policy({ profile: "restricted", allow: { read: [dir], write: [dir] } }), mapVariables());
  assert.equal(new TextDecoder().decode(await allowed.readFile("fs.read", join(dir, "data.txt"))), "hello");
  await allowed.writeFile("fs.write", join(dir, "out.bin"), new Uint8Array([0, 255]));
  assert.deepEqual([...readFileSync(join(dir, "out.bin"))], [0, 255]);
});

test("a symlink inside an allowed directory that points outside it is refused", async () => {
  const inside = tempDir("assay-facade-in-");
  symlinkSync(join(dir, "secret.txt"), join(inside, "link.txt"));
  const host = policyHost(new Policy({ profile: "restricted", allow: { read: [inside] } }), mapVariables());
  await assert.rejects(host.readFile("fs.read", join(inside, "link.txt")), /fs\.read: read access .* denied/);
});

test("run: output captured; a denied command never runs; aborting kills the child and its children", async () => {
  const host = policyHost(new Policy({ profile: "full" }), mapVariables({ GREETING: "hi" }));
  const r = await host.run("shell.exec", ["sh", "-c", "echo $GREETING; echo oops >&2; exit 3"]);
  assert.deepEqual([r.code, new TextDecoder().decode(r.stdout), new TextDecoder().decode(r.stderr)], [3, "hi\n", "oops\n"]);

  const restricted = policyHost(new Policy({ profile: "restricted" }), mapVariables());
  const marker = join(dir, "ran");
  await assert.rejects(restricted.run("shell.exec", ["touch", marker]), /shell\.exec: run access to "touch .*" denied/);
  assert.throws(() => readFileSync(marker), /ENOENT/);

  const pidFile = join(dir, "sleep.pid");
  const controller = new AbortController();
  const running = host.run("shell.exec", ["sh", "-c", `sleep 30 & echo $! > ${pidFile}; wait`], { signal: controller.signal });
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(pidFile, "utf8").trim()) break;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const pid = Number(readFileSync(pidFile, "utf8"));
  controller.abort(new Error("cancelled"));
  await assert.rejects(running, /cancelled/);
  assert.ok(endsWithin(pid, 1000), `sleep ${pid} still runs`);
});

test("shell: sh -c with the run's variables plus addEnv; input, timeout; processes and kill ask the policy", async () => {
  const host = policyHost(new Policy({ profile: "full" }), mapVariables({ FROM_VARS: "vars" }));
  const r = await host.shell("shell.exec", "echo \"$FROM_VARS $ADDED ${HOME-no home}\"; cat", {
    addEnv: { ADDED: "added" },
    input: new TextEncoder().encode("in"),
  });
  // Only the provider's variables reach the child: the test process's own HOME does not.
  assert.deepEqual([r.code, new TextDecoder().decode(r.stdout), r.timedOut], [0, "vars added no home\nin", false]);
  const slow = await host.shell("shell.exec", "echo before; sleep 5", { timeoutMs: 100 });
  assert.equal(slow.timedOut, true);

  const restricted = policyHost(new Policy({ profile: "restricted" }), mapVariables());
  await assert.rejects(restricted.shell("shell.exec", "true"), /shell\.exec: run access to "true" denied/);
  assert.throws(() => restricted.processes("process.list"), /process\.list: read access to "\/proc" denied/);
  assert.throws(() => restricted.kill("process.kill", process.pid, 0), /process\.kill: run access to "kill" denied/);
  assert.ok(host.processes("process.list").some((p) => p.pid === process.pid && p.running));
});

test("fetch asks the policy for each redirect hop, not only the first URL", async () => {
  const seen: Record<string, string | undefined>[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url, host: req.headers.host, authorization: req.headers.authorization, type: req.headers["content-type"], method: req.method });
    if (req.url === "/file") {
      res.writeHead(302, { location: "file:///etc/hostname" }).end();
    } else if (req.url === "/other-origin") {
      res.writeHead(307, { location: `http://localhost:${(server.address() as AddressInfo).port}/final` }).end();
    } else if (req.url === "/see-other") {
      res.writeHead(303, { location: "/final" }).end();
    } else if (req.url === "/away") {
      res.writeHead(302, { location: "http://127.0.0.2:9/elsewhere" }).end();
    } else if (req.url === "/here") {
      res.writeHead(302, { location: "/final" }).end();
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end("final");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const host = policyHost(new Policy({ profile: "restricted", deny: {}, allow: {} }), mapVariables());
    const onlyLocal = policyHost(new Policy({ profile: "pure", allow: { net: ["127.0.0.1"] } }), mapVariables());
    assert.equal(await (await onlyLocal.request("http.get", `http://127.0.0.1:${port}/here`, {})).text(), "final");
    await assert.rejects(
      onlyLocal.request("http.get", `http://127.0.0.1:${port}/away`, {}),
      /http\.get: net access to "127\.0\.0\.2:9" denied by sandbox profile "pure"/,
    );
    const manual = await host.request("http.get", `http://127.0.0.1:${port}/away`, { redirect: "manual" });
    assert.equal(manual.status, 302);
    await assert.rejects(host.request("http.get", `http://127.0.0.1:${port}/away`, { redirect: "error" }), /redirected \(status 302\)/);
    // Not the network: file: and data: URLs are refused, also as a redirect's target.
    await assert.rejects(host.request("http.get", "file:///etc/hostname", {}), /unsupported URL scheme "file"/);
    await assert.rejects(host.request("http.get", `http://127.0.0.1:${port}/file`, {}), /unsupported URL scheme "file"/);
    // Credentials do not follow a redirect to another origin; a 303 turns a POST into a GET.
    seen.length = 0;
    await (await host.request("http.get", `http://127.0.0.1:${port}/other-origin`, { headers: { authorization: "Bearer secret" } })).text();
    assert.deepEqual(seen.map((r) => r.authorization), ["Bearer secret", undefined]);
    seen.length = 0;
    await (await host.request("http.post", `http://127.0.0.1:${port}/see-other`, {
      method: "POST",
      body: "x=1",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Bearer same-origin" },
    })).text();
    assert.deepEqual(seen.map((r) => [r.method, r.type, r.authorization]), [
      ["POST", "application/x-www-form-urlencoded", "Bearer same-origin"],
      ["GET", undefined, "Bearer same-origin"],
    ]);
  } finally {
    server.close();
  }
});
