/**
 * What check mode shows people and machines: config errors (exit 1, nothing on stdout), the
 * `--format` reports as their readers parse them (JUnit through python3's xml.etree), the live
 * progress view under a real pseudo-terminal, and `serve-checks` as a readiness endpoint.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assayCommand, runAssay, tempDir } from "./helpers.ts";
import { type CheckServer, startCheckServer } from "./check-server.ts";
import { runChecks } from "./check-run.ts";

let server: CheckServer;
before(async () => (server = await startCheckServer()));
after(() => server.close());

/** A pass, a failure with a message full of XML's special characters, and a skip. */
const mixed = () => `retries: 0
checks:
  - name: up
    type: http
    url: ${server.url("/ok")}
  - name: "body <&'\\"> check"
    type: http
    url: ${server.url("/ok")}
    expect: { body: "<missing & \\"quoted\\">" }
  - name: after-failure
    type: http
    url: ${server.url("/ok")}
    needs: "body <&'\\"> check"
`;

test("config errors: assay: loading config from <path>: <detail>, exit 1, nothing on stdout", () => {
  const dir = tempDir();
  const cases: [string, string][] = [
    ["checks: [\n", "parsing YAML config: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1"],
    ["checks:\n  - name: a\n    type: tcp\n", 'parsing YAML config: checks[0] ("a").type (line 3, column 11): unknown check type: "tcp"'],
    ["checks:\n  - type: http\n", "parsing YAML config: checks[0] (line 2, column 5): missing field 'name'"],
    ["timeout: 30\nchecks: []\n", "parsing timeout (line 1, column 10): unsupported duration format: \"30\" (use e.g. '120s', '5m', '500ms')"],
    [
      "checks:\n  - name: a\n    type: http\n    needs: [b]\n  - name: b\n    type: http\n    needs: a\n",
      'parsing YAML config: checks[0] ("a").needs (line 4, column 12): needs cycle: a -> b -> a',
    ],
    ["checks:\n  - name: a\n    type: http\n    needs: nope\n", 'parsing YAML config: checks[0] ("a").needs (line 4, column 12): no check is named "nope"'],
    ["checks:\n  - name: a\n    type: http\n    expect: { status: ok }\n", 'parsing YAML config: checks[0] ("a").expect.status (line 4, column 23): expected an integer from 0 to 65535, got a string "ok"'],
    ["retries: many\nchecks: []\n", 'parsing YAML config: retries (line 1, column 10): expected a non-negative integer, got a string "many"'],
  ];
  for (const [yaml, detail] of cases) {
    writeFileSync(join(dir, "bad.yaml"), yaml);
    const r = runAssay(["bad.yaml"], { cwd: dir });
    assert.equal(r.code, 1, yaml);
    assert.equal(r.stdout, "", yaml);
    assert.equal(r.stderr, `assay: loading config from bad.yaml: ${detail}\n`, yaml);
  }
  const missing = runAssay(["gone.yml"], { cwd: dir });
  assert.equal(missing.stderr, "assay: loading config from gone.yml: reading config file: No such file or directory (os error 2)\n");
  const flag = runAssay(["--format", "xml", "bad.yaml"], { cwd: dir });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^assay: invalid --format "xml" \(expected json, junit, tap, text\)/);
});

test("--format junit: one testcase per check, failures and skips as CI reads them (python3 xml.etree)", async () => {
  const r = await runChecks(mixed(), { flags: ["--format", "junit"] });
  assert.equal(r.code, 1);
  const parsed = JSON.parse(spawnSync("python3", ["-c", `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
suite = root.find("testsuite")
cases = []
for c in suite.findall("testcase"):
    f, s = c.find("failure"), c.find("skipped")
    cases.append({"name": c.get("name"), "time": float(c.get("time")),
                  "failure": None if f is None else f.get("message"),
                  "skipped": None if s is None else s.get("message")})
print(json.dumps({"tests": suite.get("tests"), "failures": suite.get("failures"), "skipped": suite.get("skipped"), "cases": cases}))
`], { input: r.stdout, encoding: "utf8" }).stdout);
  assert.deepEqual({ ...parsed, cases: parsed.cases.map(({ time: _, ...c }: { time: number }) => c) }, {
    tests: "3",
    failures: "1",
    skipped: "1",
    cases: [
      { name: "up", failure: null, skipped: null },
      { name: `body <&'"> check`, failure: 'body does not contain "<missing & \\"quoted\\">"', skipped: null },
      { name: "after-failure", failure: null, skipped: `skipped: needs "body <&'\\"> check", which failed` },
    ],
  });
  for (const c of parsed.cases) assert.ok(c.time >= 0 && c.time < 5);
});

test("--format tap and --format text", async () => {
  const tap = await runChecks(mixed(), { flags: ["--format=tap"] });
  const lines = tap.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 3), ["TAP version 13", "1..3", "ok 1 - up"]);
  assert.ok(lines.includes(`not ok 2 - body <&'"> check`), tap.stdout);
  assert.ok(lines.some((l) => l.startsWith(`not ok 3 - after-failure # SKIP skipped: needs`)), tap.stdout);
  assert.equal(tap.code, 1);
  const text = await runChecks(mixed(), { flags: ["--format", "text"] });
  assert.match(text.stdout, /^PASS +up +\d+ ms$/m);
  assert.match(text.stdout, /^FAIL +body <&'"> check +\d+ ms +body does not contain/m);
  assert.match(text.stdout, /^SKIP +after-failure/m);
  assert.match(text.stdout, /^1 passed, 1 failed, 1 skipped in \d+\.\ds$/m);
  assert.ok(!text.stdout.includes("\x1b"), "no colour when stdout is not a terminal");
});

test("on a terminal, stderr shows a live progress view instead of the INFO lines", { skip: !hasScript() && "no script(1)" }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "checks.yaml"), `retries: 1
backoff: 200ms
parallel: true
checks:
  - name: slow-one
    type: http
    url: ${server.url("/delay?ms=600&k=pty")}
  - name: flaky-one
    type: http
    url: ${server.url("/flaky/pty?fail=1")}
  - name: chatty-script
    type: script
    file: chatty.lua
`);
  writeFileSync(join(dir, "chatty.lua"), 'io.write("printed in ") sleep(0.1) print("pieces") log.info("logged by the script")');
  const command = [...assayCommand(), "checks.yaml"].map((a) => `'${a}'`).join(" ");
  const env: Record<string, string> = { ...process.env as Record<string, string>, TERM: "xterm-256color" };
  delete env.NO_COLOR;
  // stderr is the pseudo-terminal; stdout goes to a file, so the report stays apart.
  const out = join(dir, "report.json");
  const child = spawn("script", ["-qfec", `stty cols 100 rows 30; ${command} > '${out}'`, "/dev/null"], { cwd: dir, env });
  let screen = "";
  child.stdout.on("data", (b: Buffer) => (screen += b.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, screen);
  assert.doesNotMatch(screen, /check completed/, "the INFO lines are replaced");
  assert.match(screen, new RegExp("\x1b\\[\\d*A"), "the view redraws by moving the cursor up");
  assert.match(screen, /attempt 2\/2/, "a retried check shows its attempt");
  assert.match(screen, /✓.*slow-one/);
  assert.match(screen, /✓.*flaky-one/);
  // What scripts print and log scrolls above the view, whole lines at a time.
  assert.match(screen, /printed in pieces\r?\n/);
  assert.match(screen, /INFO logged by the script/);
  const report = JSON.parse(spawnSync("cat", [out], { encoding: "utf8" }).stdout);
  assert.equal(report.passed, true);
});

function hasScript(): boolean {
  return spawnSync("script", ["--version"]).status === 0;
}

test("serve-checks answers 200 with the report, 503 once a check fails, and honours --cache", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "checks.yaml"), `retries: 0
checks:
  - name: target
    type: http
    url: ${server.url("/health")}
`);
  server.healthy = true;
  const [cmd, ...lead] = assayCommand();
  const child = spawn(cmd, [...lead, "serve-checks", "--host", "127.0.0.1", "--port", "0", "--cache", "1s", "checks.yaml"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stderr = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (b: Buffer) => {
        stderr += b.toString("utf8");
        const m = /serving checks url=(\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.on("close", () => reject(new Error(`serve-checks ended: ${stderr}`)));
    });
    const probes = () => server.requests.filter((q) => q.path === "/health").length;
    const get = async (path = "/healthz") => {
      const res = await fetch(url.replace("/healthz", path));
      return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
    };
    const first = await get();
    assert.equal(first.status, 200);
    assert.equal(first.type, "application/json");
    assert.equal(JSON.parse(first.body).checks[0].name, "target");
    const ran = probes();
    server.healthy = false;
    const cached = await get();
    assert.equal(cached.status, 200, "still the cached report");
    assert.equal(probes(), ran, "no new run within the cache time");
    await new Promise((r) => setTimeout(r, 1100));
    // Requests arriving together share one run.
    const [a, b] = await Promise.all([get(), get()]);
    assert.deepEqual([a.status, b.status], [503, 503]);
    assert.equal(probes(), ran + 1);
    assert.equal(JSON.parse(a.body).checks[0].message, "expected 2xx, got 503");
    assert.equal((await get("/other")).status, 404);
    // process.kill, not child.kill: Deno reports the signal child.kill sent as the way the child
    // ended, even when the child handled it and exited with a code.
    process.kill(child.pid!, "SIGTERM");
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
    assert.deepEqual([code, signal], [0, null], stderr);
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
    server.healthy = true;
  }
});

test("serve-checks refuses a bad config before listening", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "checks.yaml"), "checks:\n  - name: x\n");
  const r = runAssay(["serve-checks", "--port", "0", "checks.yaml"], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "assay: loading config from checks.yaml: parsing YAML config: checks[0] (\"x\") (line 2, column 5): missing field 'type'\n");
  assert.equal(runAssay(["serve-checks", "--port", "http", "checks.yaml"], { cwd: dir }).code, 2);
});

test("more checks than terminal rows: the view shows a window and says what is hidden", { skip: !hasScript() && "no script(1)" }, async () => {
  const dir = tempDir();
  const checks = Array.from({ length: 20 }, (_, i) => `  - name: c${i}\n    type: http\n    url: ${server.url(`/delay?ms=200&k=rows${i}`)}\n`).join("");
  writeFileSync(join(dir, "checks.yaml"), `retries: 0\nchecks:\n${checks}`);
  const command = [...assayCommand(), "checks.yaml"].map((a) => `'${a}'`).join(" ");
  const env: Record<string, string> = { ...process.env as Record<string, string>, TERM: "xterm-256color" };
  delete env.NO_COLOR;
  const child = spawn("script", ["-qfec", `stty cols 80 rows 8; ${command} > /dev/null`, "/dev/null"], { cwd: dir, env });
  let screen = "";
  child.stdout.on("data", (b: Buffer) => (screen += b.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, screen);
  assert.match(screen, /more (above|below)/);
  const ups = [...screen.matchAll(new RegExp("\x1b\\[(\\d+)A", "g"))].map((m) => Number(m[1]));
  assert.ok(ups.length > 0 && Math.max(...ups) < 8, `the cursor never moves above the screen: ${Math.max(...ups)}`);
});

test("config problems fetch would meet at run time are config errors: a GET with a body, a bad header name, a second document, a zero timeout", () => {
  const dir = tempDir();
  const cases: [string, RegExp][] = [
    ["checks:\n  - { name: a, type: http, url: http://x/, body: hi }\n", /checks\[0\] \("a"\)\.body .*: a GET request cannot have a body/],
    ['checks:\n  - { name: a, type: http, url: http://x/, headers: { "bad header": x } }\n', /checks\[0\] \("a"\)\.headers\.bad header.*: not a valid HTTP header name: "bad header"/],
    ["checks: []\n---\nchecks: []\n", /a check config is one YAML document, but another begins at line 2/],
    ["checks:\n  - { name: a, type: http, url: http://x/, timeout: 0ms }\n", /checks\[0\] \("a"\)\.timeout .*: a check's timeout must be more than 0/],
  ];
  for (const [yaml, detail] of cases) {
    writeFileSync(join(dir, "bad.yaml"), yaml);
    const r = runAssay(["bad.yaml"], { cwd: dir });
    assert.equal(r.code, 1, yaml);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, detail);
  }
});

test("body_matches reads the regex builtin's syntax", async () => {
  const r = await runChecks(`retries: 0
checks:
  - { name: escape, type: http, url: "${server.url("/ok")}", expect: { body_matches: '^\\u{6F}k$' } }
  - { name: class, type: http, url: "${server.url("/ok")}", expect: { body_matches: '^[[:alpha:]]+$' } }
`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("flags in the wrong place are usage errors, not silently ignored", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "c.yaml"), "checks: []\n");
  writeFileSync(join(dir, "x.lua"), "print(1)\n");
  const cases: [string[], RegExp][] = [
    [["c.yaml", "--format", "junit"], /unexpected argument "--format" after the check config \(flags go before the file: assay --format junit c\.yaml\)/],
    [["--format", "junit", "x.lua"], /--format applies to check mode/],
    [["--format", "junit", "serve-checks", "c.yaml"], /--format does not apply to serve-checks/],
    [["--timeout=5", "serve-checks", "c.yaml"], /--timeout does not apply to serve-checks/],
    [["serve-checks", "--host", "", "c.yaml"], /--host needs an address/],
  ];
  for (const [args, message] of cases) {
    const r = runAssay(args, { cwd: dir });
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
  }
  // `run` takes a check config as the bare form does.
  const viaRun = runAssay(["run", "c.yaml"], { cwd: dir });
  assert.equal(viaRun.code, 0, viaRun.stderr);
  assert.equal(JSON.parse(viaRun.stdout).passed, true);
});

test("--timeout ends check mode with exit 124 and no report", async () => {
  const r = await runChecks(`checks:\n  - { name: slow, type: http, url: "${server.url("/delay?ms=5000&k=flag-timeout")}" }\n`, { flags: ["--timeout=1"] });
  assert.equal(r.code, 124);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^assay: timeout: run exceeded 1 s$/m);
});

test("a closed stdout ends the run as a broken pipe (141); a closed stderr does not stop the report", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "c.yaml"), "checks: []\n");
  const bin = assayCommand().map((a) => `'${a}'`).join(" ");
  const stdoutClosed = spawnSync("bash", ["-c", `${bin} c.yaml | true; echo "\${PIPESTATUS[0]}"`], { cwd: dir, encoding: "utf8" });
  assert.match(stdoutClosed.stdout.trim(), /^(0|141)$/, "a reader that left before the report: no crash");
  assert.doesNotMatch(stdoutClosed.stderr, /EPIPE|at writeSync/);
  const stderrClosed = spawnSync("bash", ["-c", `${bin} c.yaml 2>&-`], { cwd: dir, encoding: "utf8" });
  assert.equal(stderrClosed.status, 0, stderrClosed.stderr);
  assert.equal(JSON.parse(stderrClosed.stdout).passed, true);
});

test("serve-checks: HEAD, 405 with Allow for other methods, SIGINT stops it with exit 0", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "checks.yaml"), `retries: 0\nchecks:\n  - { name: ok, type: http, url: "${server.url("/ok")}" }\n`);
  const [cmd, ...lead] = assayCommand();
  const child = spawn(cmd, [...lead, "serve-checks", "--host", "127.0.0.1", "--port", "0", "--cache", "0", "checks.yaml"], { cwd: dir });
  try {
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (b: Buffer) => {
        stderr += b.toString("utf8");
        const m = /serving checks url=(\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.on("close", () => reject(new Error(stderr)));
    });
    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 200);
    const post = await fetch(url, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.text();
    process.kill(child.pid!, "SIGINT");
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
    assert.deepEqual([code, signal], [0, null], stderr);
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
  }
});
