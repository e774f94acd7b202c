/**
 * Check mode's run semantics (checks.md §2, §5, §6 and README item 6) against a real HTTP
 * server in the test process: retries with linear backoff measured from the server's own
 * request times, per-attempt and global timeouts, real parallelism bounded by max_parallel,
 * `needs` ordering and skipping, the http expect rules, and the JSON report and exit codes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type CheckServer, startCheckServer } from "./check-server.ts";
import { runChecks } from "./check-run.ts";

let server: CheckServer;
before(async () => (server = await startCheckServer()));
after(() => server.close());

const requestsTo = (prefix: string) => server.requests.filter((r) => r.path.startsWith(prefix));

test("a failing check is retried with linear backoff (backoff × n), read from the server's request times", async () => {
  const r = await runChecks(`retries: 3
backoff: 300ms
checks:
  - name: flaky
    type: http
    url: ${server.url("/flaky/linear?fail=3")}
`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.report!.checks.map((c) => [c.name, c.passed, c.message]), [["flaky", true, null]]);
  const times = requestsTo("/flaky/linear").map((q) => q.at);
  assert.equal(times.length, 4, "three failures, then the fourth attempt passes");
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  gaps.forEach((gap, i) => {
    const want = 300 * (i + 1);
    assert.ok(gap >= want - 5 && gap < want + 250, `wait before retry ${i + 1} was ${gap} ms, expected ${want}`);
  });
  // The INFO lines of checks.md §7: one per retry, then the completion.
  const retries = r.stderr.split("\n").filter((l) => l.includes("check failed, retrying"));
  assert.equal(retries.length, 3, r.stderr);
  assert.match(retries[1], /check=flaky attempt=2 max_attempts=4 backoff_secs=0\.6 message="expected 2xx, got 500"/);
  assert.match(r.stderr, /INFO check completed check=flaky result=PASS duration_ms=\d+/);
});

test("retries run out: the last attempt's message and duration, exit 1; per-check retries/backoff override the run's", async () => {
  const r = await runChecks(`retries: 5
backoff: 5s
checks:
  - name: down
    type: http
    url: ${server.url("/flaky/out?fail=100")}
    retries: 2
    backoff: 50ms
    expect:
      status: 200
`);
  assert.equal(r.code, 1);
  const [c] = r.report!.checks;
  assert.deepEqual([c.passed, c.message], [false, "expected status 200, got 500"]);
  assert.equal(requestsTo("/flaky/out").length, 3);
  assert.ok(c.duration_ms < 200, `duration_ms is the last attempt's only: ${c.duration_ms}`);
  assert.ok(r.report!.duration_ms >= 150, "the run's duration includes the backoff (50 + 100 ms)");
  assert.equal(r.report!.passed, false);
});

test("a per-check timeout limits each attempt; the global timeout cuts off the rest with duration 0", async () => {
  const r = await runChecks(`timeout: 2s
retries: 1
backoff: 10ms
checks:
  - name: slow-attempts
    type: http
    url: ${server.url("/delay?ms=5000&k=attempts")}
    timeout: 300ms
  - name: stuck
    type: http
    url: ${server.url("/delay?ms=10000&k=stuck")}
  - name: never-started
    type: http
    url: ${server.url("/ok")}
`);
  assert.equal(r.code, 1);
  assert.deepEqual(r.report!.checks.map((c) => [c.name, c.passed, c.message]), [
    ["slow-attempts", false, "check timed out after 300ms"],
    ["stuck", false, "global timeout of 2s exceeded"],
    ["never-started", false, "global timeout of 2s exceeded"],
  ]);
  assert.equal(requestsTo("/delay?ms=5000&k=attempts").length, 2, "both attempts were made");
  const [first, ...rest] = r.report!.checks;
  // Timers may fire a fraction of a millisecond early by another clock: 299 is on time.
  assert.ok(first.duration_ms >= 295 && first.duration_ms < 1000, String(first.duration_ms));
  assert.deepEqual(rest.map((c) => c.duration_ms), [0, 0]);
  assert.ok(r.wall < 4500, `the run stopped at its timeout, not when the server answered: ${r.wall} ms`);
  assert.match(r.stderr, /ERROR global timeout exceeded timeout_secs=2/);
});

test("a global timeout under a second reads 0s, as the whole seconds rounded down", async () => {
  const r = await runChecks(`timeout: 500ms
checks:
  - name: slow
    type: http
    url: ${server.url("/delay?ms=3000&k=sub-second")}
`);
  assert.equal(r.report!.checks[0].message, "global timeout of 0s exceeded");
});

test("parallel: true runs checks at once (five 1 s checks in well under 5 s), reported in config order", async () => {
  const checks = [1, 2, 3, 4, 5].map((i) => `  - name: slow-${i}
    type: http
    url: ${server.url(`/delay?ms=1000&k=par${i}`)}
`).join("");
  const r = await runChecks(`parallel: true\nchecks:\n${checks}`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.report!.checks.map((c) => c.name), ["slow-1", "slow-2", "slow-3", "slow-4", "slow-5"]);
  assert.ok(r.report!.duration_ms < 2500, `took ${r.report!.duration_ms} ms`);
  for (const c of r.report!.checks) assert.ok(c.duration_ms >= 1000, `${c.name}: ${c.duration_ms}`);
  assert.doesNotMatch(r.stderr, /not yet implemented/);
});

test("max_parallel bounds how many checks run at once; without parallel they run one at a time", async () => {
  const checks = (tag: string) => [1, 2, 3, 4, 5, 6].map((i) => `  - name: c${i}
    type: http
    url: ${server.url(`/delay?ms=300&k=${tag}${i}`)}
`).join("");
  const bounded = await runChecks(`parallel: true\nmax_parallel: 2\nchecks:\n${checks("bound")}`);
  assert.equal(bounded.code, 0, bounded.stderr);
  assert.equal(server.maxInFlight("k=bound"), 2);
  assert.ok(bounded.report!.duration_ms >= 900, `three rounds of two: ${bounded.report!.duration_ms} ms`);
  const sequential = await runChecks(`checks:\n${checks("seq")}`);
  assert.equal(sequential.code, 0);
  assert.equal(server.maxInFlight("k=seq"), 1);
  assert.ok(sequential.report!.duration_ms >= 1800);
});

test("needs: dependencies run first, config order breaks ties, and a failed dependency skips its dependents", async () => {
  const r = await runChecks(`retries: 0
checks:
  - name: app
    type: http
    url: ${server.url("/ok?k=needs-app")}
    needs: [db]
  - name: db
    type: http
    url: ${server.url("/ok?k=needs-db")}
  - name: cache
    type: http
    url: ${server.url("/status?code=500&k=needs-cache")}
  - name: web
    type: http
    url: ${server.url("/ok?k=needs-web")}
    needs: [app, cache]
  - name: edge
    type: http
    url: ${server.url("/ok?k=needs-edge")}
    needs: web
`);
  assert.equal(r.code, 1);
  const order = server.requests.map((q) => /k=needs-(\w+)/.exec(q.path)?.[1]).filter(Boolean);
  assert.deepEqual(order, ["db", "app", "cache"], "web and edge never ran");
  assert.deepEqual(r.report!.checks, [
    { name: "app", passed: true, duration_ms: r.report!.checks[0].duration_ms, message: null },
    { name: "db", passed: true, duration_ms: r.report!.checks[1].duration_ms, message: null },
    { name: "cache", passed: false, duration_ms: r.report!.checks[2].duration_ms, message: "expected 2xx, got 500" },
    { name: "web", passed: false, skipped: true, duration_ms: 0, message: 'skipped: needs "cache", which failed' },
    { name: "edge", passed: false, skipped: true, duration_ms: 0, message: 'skipped: needs "web", which was skipped' },
  ]);
  // The exact text of the JSON: `skipped` sits between `passed` and `duration_ms`.
  assert.match(r.stdout, /"name": "web",\n {6}"passed": false,\n {6}"skipped": true,\n {6}"duration_ms": 0,/);
});

test("http checks send method, headers and body, and check expect.headers, body_matches and max_latency_ms", async () => {
  const r = await runChecks(`retries: 0
checks:
  - name: post
    type: http
    url: ${server.url("/echo")}
    method: post
    headers: { x-token: abc, x-port: 8080 }
    body: '{"hello": "world"}'
    expect:
      status: 200
      body_matches: '"method":"POST".*"x-token":"abc"'
  - name: header-ok
    type: http
    url: ${server.url("/ok")}
    expect: { headers: { X-Check: "yes" } }
  - name: header-wrong
    type: http
    url: ${server.url("/ok")}
    expect: { headers: { x-check: "no" } }
  - name: header-missing
    type: http
    url: ${server.url("/ok")}
    expect: { headers: { x-absent: "1" } }
  - name: no-match
    type: http
    url: ${server.url("/ok")}
    expect: { body_matches: "^k" }
  - name: too-slow
    type: http
    url: ${server.url("/delay?ms=300&k=latency")}
    expect: { max_latency_ms: 100 }
  - name: fast-enough
    type: http
    url: ${server.url("/ok")}
    expect: { max_latency_ms: 5000 }
`);
  const echoed = server.requests.find((q) => q.path === "/echo")!;
  assert.equal(echoed.method, "POST");
  assert.equal(echoed.headers["x-token"], "abc");
  assert.equal(echoed.headers["x-port"], "8080");
  assert.equal(echoed.body, '{"hello": "world"}');
  const messages = Object.fromEntries(r.report!.checks.map((c) => [c.name, c.message]));
  assert.deepEqual(messages, {
    "post": null,
    "header-ok": null,
    "header-wrong": 'expected header "x-check" to be "no", got "yes"',
    "header-missing": 'expected header "x-absent", which is missing',
    "no-match": 'body does not match "^k"',
    "too-slow": messages["too-slow"],
    "fast-enough": null,
  });
  assert.match(messages["too-slow"]!, /^latency (\d+) ms exceeds max_latency_ms 100$/);
});

test("the spec's http rules: 2xx without expect, any status with expect but no status, body, json, redirects", async () => {
  const doc = (text: string) => server.url(`/json?doc=${encodeURIComponent(text)}`);
  const r = await runChecks(`retries: 0
checks:
  - { name: no-expect-404, type: http, url: "${server.url("/status?code=404")}" }
  - { name: expect-without-status, type: http, url: "${server.url("/status?code=500")}", expect: { body: "status 500" } }
  - { name: body-missing, type: http, url: "${server.url("/ok")}", expect: { body: "a \\"quote\\"" } }
  - { name: json-string, type: http, url: "${doc('{"build":{"channel":"stable"}}')}", expect: { json: '.build.channel == "stable"' } }
  - { name: json-bare, type: http, url: "${doc('{"status":"ok"}')}", expect: { json: ".status == ok" } }
  - { name: json-int-vs-float, type: http, url: "${doc('{"n":1.0}')}", expect: { json: ".n == 1" } }
  - { name: json-float, type: http, url: "${doc('{"n":1.0}')}", expect: { json: ".n == 1.0" } }
  - { name: json-missing, type: http, url: "${doc('{"a":{}}')}", expect: { json: ".a.b.c == 1" } }
  - { name: json-array-index, type: http, url: "${doc('{"items":[1]}')}", expect: { json: ".items.0 == 1" } }
  - { name: json-invalid, type: http, url: "${server.url("/ok")}", expect: { json: ".a == 1" } }
  - { name: json-syntax, type: http, url: "${doc("{}")}", expect: { json: ".a = 1" } }
  - { name: redirect-followed, type: http, url: "${server.url("/redirect")}", expect: { status: 200, body: ok } }
  - { name: redirect-seen, type: http, url: "${server.url("/redirect")}", follow_redirects: false, expect: { status: 302 } }
  - { name: no-url, type: http }
`);
  const messages = Object.fromEntries(r.report!.checks.map((c) => [c.name, c.message]));
  assert.deepEqual(messages, {
    "no-expect-404": "expected 2xx, got 404",
    "expect-without-status": null,
    "body-missing": 'body does not contain "a \\"quote\\""',
    "json-string": null,
    "json-bare": null,
    "json-int-vs-float": "JSON expression failed: .n == 1",
    "json-float": null,
    "json-missing": "JSON path '.b' not found in response",
    "json-array-index": "JSON path '.0' not found in response",
    "json-invalid": messages["json-invalid"],
    "json-syntax": `unsupported JSON expression syntax: ".a = 1" (expected '.path == value')`,
    "redirect-followed": null,
    "redirect-seen": null,
    "no-url": "http check requires a 'url' field",
  });
  assert.match(messages["json-invalid"]!, /^response body is not valid JSON: /);
});

test("a refused connection fails the check with HTTP GET <url>: <why>; an empty check list passes", async () => {
  const r = await runChecks(`retries: 0
checks:
  - name: refused
    type: http
    url: http://127.0.0.1:1/health
`);
  assert.match(r.report!.checks[0].message!, /^HTTP GET http:\/\/127\.0\.0\.1:1\/health: connection refused/);
  const empty = await runChecks("checks: []\n");
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, `{\n  "passed": true,\n  "checks": [],\n  "duration_ms": ${empty.report!.duration_ms}\n}\n`);
  assert.match(empty.stderr, /INFO configuration loaded checks=0 timeout_secs=120 retries=3/);
});
