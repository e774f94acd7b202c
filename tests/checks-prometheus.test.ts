/**
 * `type: prometheus` checks against a real Prometheus (checks.md §3), started on a random port
 * in a temp dir, scraping itself and a target this test serves; and examples/checks.yaml, run
 * as a user would against that Prometheus and a mock of its API written in Lua.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assayCommand, ROOT, runAssayAsync, tempDir } from "./helpers.ts";
import { type MetricsTarget, prometheusSkip, type PrometheusServer, serveMetrics, startPrometheus } from "./prometheus-server.ts";
import { runChecks } from "./check-run.ts";

const skip = prometheusSkip();
let prom: PrometheusServer;
let target: MetricsTarget;

before(async () => {
  if (skip) return;
  target = await serveMetrics();
  target.set('replicas_ready{app="api"}', 3);
  target.set('replicas_ready{app="web"}', 1);
  target.set("error_ratio", 0.0000001);
  target.set("queue_depth", 0.5);
  prom = await startPrometheus({ targets: [target.hostPort] });
  // The first scrape of the target comes a few seconds after start.
  await prom.waitFor('replicas_ready{app="api"}', (r) => Array.isArray(r) && r.length === 1, 30_000);
  // Prometheus scrapes itself on its own schedule: the checks below and the example query it too.
  await prom.waitFor('up{job="prometheus"}', (r) => Array.isArray(r) && r.length === 1, 30_000);
});
after(async () => {
  await prom?.stop();
  await target?.close();
});

test("prometheus checks: no expect reports the value, min/max bounds are inclusive, errors name the cause", { skip }, async () => {
  const check = (name: string, query: string, expect = "") =>
    `  - name: ${name}\n    type: prometheus\n    url: ${prom.url}/\n    query: '${query}'\n${expect ? `    expect: ${expect}\n` : ""}`;
  const r = await runChecks(
    "retries: 0\nchecks:\n" + [
      check("no-expect", 'replicas_ready{app="api"}'),
      check("tiny-value", "error_ratio"),
      check("half", "queue_depth"),
      check("within", 'replicas_ready{app="api"}', "{ min: 3, max: 3 }"),
      check("below-min", 'replicas_ready{app="web"}', "{ min: 2 }"),
      check("above-max", 'sum(replicas_ready)', "{ max: 3.5 }"),
      check("self-up", 'up{job="prometheus"}', "{ min: 1 }"),
      check("no-results", "replicas_ready{app=\"nope\"}"),
      check("bad-query", "sum(", "{ min: 1 }"),
      check("scalar", "scalar(vector(1))"),
    ].join("") +
      "  - name: no-query\n    type: prometheus\n    url: " + prom.url + "\n",
  );
  const messages = Object.fromEntries(r.report!.checks.map((c) => [c.name, [c.passed, c.message]]));
  assert.deepEqual(messages["no-expect"], [true, "query returned: 3"]);
  assert.deepEqual(messages["tiny-value"], [true, "query returned: 1e-7"]);
  assert.deepEqual(messages["half"], [true, "query returned: 0.5"]);
  assert.deepEqual(messages["within"], [true, null]);
  assert.deepEqual(messages["below-min"], [false, "expected min 2, got 1"]);
  assert.deepEqual(messages["above-max"], [false, "expected max 3.5, got 4"]);
  assert.deepEqual(messages["self-up"], [true, null]);
  assert.deepEqual(messages["no-results"], [false, "Prometheus query returned no results"]);
  assert.equal(messages["bad-query"][0], false);
  assert.match(String(messages["bad-query"][1]), /^Prometheus query failed: .*parse error/);
  // A scalar's data.result is [time, "value"] itself, not a list of series: only vectors work.
  assert.deepEqual(messages["scalar"], [false, "unexpected Prometheus result format: missing value"]);
  assert.deepEqual(messages["no-query"], [false, "prometheus check requires a 'query' field"]);
  assert.equal(r.code, 1);
});

test("a prometheus check is retried until the metric reaches its bound", { skip }, async () => {
  target.set("rollout_ready", 0);
  await prom.waitFor("rollout_ready", (r) => Array.isArray(r) && r.length === 1);
  setTimeout(() => target.set("rollout_ready", 5), 1500);
  const r = await runChecks(`retries: 10
backoff: 500ms
checks:
  - name: rollout
    type: prometheus
    url: ${prom.url}
    query: rollout_ready
    expect: { min: 5 }
`);
  assert.equal(r.code, 0, r.stderr);
  const retries = r.stderr.split("\n").filter((l) => l.includes("check failed, retrying"));
  assert.ok(retries.length >= 2, r.stderr);
  assert.match(retries[0], /message="expected min 5, got 0"/);
});

test("examples/checks.yaml passes against a mock of its API (Lua, http.serve) and a real Prometheus", { skip }, async () => {
  const [cmd, ...lead] = assayCommand();
  const mock = spawn(cmd, [...lead, join(ROOT, "tests", "fixtures", "example-api.lua")], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let err = "";
    mock.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      mock.stdout.on("data", (b: Buffer) => {
        out += b.toString("utf8");
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      mock.on("close", () => reject(new Error(`the mock API ended: ${err}`)));
    });
    // The example as written, pointed at this test's servers (script paths stay relative to the root).
    const example = readFileSync(join(ROOT, "examples", "checks.yaml"), "utf8")
      .replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`)
      .replaceAll("127.0.0.1:9090", `127.0.0.1:${prom.port}`);
    const config = join(tempDir(), "checks.yaml");
    writeFileSync(config, example);
    const r = await runAssayAsync([config], { cwd: ROOT, env: { NO_COLOR: "1" } });
    assert.equal(r.code, 0, r.stdout + r.stderr + err);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed]), [
      ["api-health", true],
      ["api-version", true],
      ["login-redirects", true],
      ["create-order", true],
      ["prometheus-scrapes-itself", true],
      ["version-consistent", true],
    ]);
    assert.match(r.stderr, /INFO api at version 1\.4\.2/);
  } finally {
    if (mock.exitCode === null && mock.signalCode === null) process.kill(mock.pid!, "SIGKILL");
  }
});
