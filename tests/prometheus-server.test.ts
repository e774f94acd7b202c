/**
 * The Prometheus harness (tests/prometheus-server.ts) against the real server: a gauge served
 * by the test process is scraped and read back through /api/v1/query, a change to it shows up,
 * an unreachable target is reported down, a bad query fails at once, and after stop (or a test
 * file that crashes) neither the process nor its directory is left.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { isRunning } from "../loader/process-tree.ts";
import { ROOT } from "./helpers.ts";
import { freePort } from "./db-servers/process.ts";
import { firstValue, type MetricsTarget, prometheusSkip, type PrometheusServer, serveMetrics, startPrometheus } from "./prometheus-server.ts";

test("serveMetrics answers /metrics with the gauges set, in the text format, and 404 elsewhere", async () => {
  const target = await serveMetrics();
  try {
    target.set("assay_depth", 3);
    target.set('assay_jobs{queue="a"}', 1.5);
    target.set('assay_jobs{queue="b"}', -Infinity);
    target.set("assay_depth", 4);
    const res = await fetch(`http://${target.hostPort}/metrics`);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.equal(await res.text(), '# TYPE assay_depth gauge\nassay_depth 4\n# TYPE assay_jobs gauge\nassay_jobs{queue="a"} 1.5\nassay_jobs{queue="b"} -Inf\n');
    const other = await fetch(`http://${target.hostPort}/`);
    await other.body?.cancel();
    assert.equal(other.status, 404);
    assert.throws(() => target.set("2bad", 1), /not a metric name/);
  } finally {
    await target.close();
  }
});

describe("a real Prometheus", { skip: prometheusSkip() }, () => {
  let prom: PrometheusServer;
  let target: MetricsTarget;
  let deadTarget: string;

  before(async () => {
    target = await serveMetrics();
    target.set("assay_queue_depth", 3);
    deadTarget = `127.0.0.1:${await freePort()}`; // nothing listens there
    prom = await startPrometheus({ targets: [target.hostPort, deadTarget] });
  });
  after(async () => {
    await prom?.stop();
    await target?.close();
  });

  test("it listens on 127.0.0.1 at its port, with its config and data in its own directory", async () => {
    assert.equal(prom.url, `http://127.0.0.1:${prom.port}`);
    assert.ok(isRunning(prom.pid));
    assert.match(prom.dir, /assay-prometheus-/);
    const config = readFileSync(join(prom.dir, "prometheus.yml"), "utf8");
    assert.match(config, /scrape_interval: 1000ms/);
    assert.ok(config.includes(`"127.0.0.1:${prom.port}"`) && config.includes(`"${target.hostPort}", "${deadTarget}"`), config);
    assert.ok(existsSync(join(prom.dir, "data")));
    assert.equal((await fetch(`${prom.url}/-/ready`).then((r) => r.status)), 200);
  });

  test("a gauge the test serves is scraped as job target and read back through /api/v1/query", async () => {
    // Some 5 s after the start: Prometheus 2.42 hands new targets to its scrapers every 5 s.
    await prom.waitFor(`up{job="target",instance="${target.hostPort}"}`, (r) => firstValue(r) === 1);
    await prom.waitFor("assay_queue_depth", (r) => firstValue(r) === 3);
    const answer = await prom.query("assay_queue_depth") as { status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(answer.status, "success");
    assert.equal(answer.data.resultType, "vector");
    assert.equal(answer.data.result.length, 1);
    assert.deepEqual(answer.data.result[0].metric, { __name__: "assay_queue_depth", instance: target.hostPort, job: "target" });
    assert.equal(answer.data.result[0].value[1], "3");
    // Prometheus scrapes itself too.
    assert.equal(firstValue(await prom.waitFor('up{job="prometheus"}', (r) => firstValue(r) === 1)), 1);
  });

  test("a changed gauge shows up in the next scrapes", async () => {
    target.set("assay_queue_depth", 7.5);
    const started = Date.now();
    const result = await prom.waitFor("assay_queue_depth", (r) => firstValue(r) === 7.5, 5_000);
    assert.ok(Date.now() - started < 5_000);
    assert.equal((result as { value: [number, string] }[])[0].value[1], "7.5");
  });

  test("a target nobody serves is down; waitFor gives up after its timeout, naming the targets' health", async () => {
    await prom.waitFor(`up{instance="${deadTarget}"}`, (r) => firstValue(r) === 0);
    const started = Date.now();
    await assert.rejects(prom.waitFor(`up{instance="${deadTarget}"}`, (r) => firstValue(r) === 1, 600), (err: Error) => {
      assert.match(err.message, /did not give the expected result within 600 ms; last result: \[.*"0"\]\}\]/);
      assert.ok(err.message.includes(`target/${deadTarget}: down (`), err.message);
      assert.ok(err.message.includes(`target/${target.hostPort}: up`), err.message);
      return true;
    });
    assert.ok(Date.now() - started < 3_000);
  });

  test("a bad query is answered with its error, and waitFor fails at once rather than wait", async () => {
    const answer = await prom.query("sum(") as { status: string; errorType: string; error: string };
    assert.equal(answer.status, "error");
    assert.equal(answer.errorType, "bad_data");
    const started = Date.now();
    await assert.rejects(prom.waitFor("sum(", () => true, 10_000), /^Error: prometheus query sum\( failed: .*parse error/);
    assert.ok(Date.now() - started < 2_000);
  });

  test("stop ends the process by pid and removes its directory; again does nothing", async () => {
    const { pid, dir, url } = prom;
    await prom.stop();
    assert.ok(!isRunning(pid), "the process is gone");
    assert.ok(!existsSync(dir), "its directory is gone");
    // Nothing listens on its port any more.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(url).port), "127.0.0.1");
      socket.on("connect", () => (socket.destroy(), resolve("connected")));
      socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(refused, "ECONNREFUSED");
    await prom.stop();
  });
});

test("a test file that crashes without stop() leaves neither Prometheus nor its directory behind", { skip: prometheusSkip() }, () => {
  const deno = process.env.DENO_BIN ?? process.execPath;
  const code = `import { startPrometheus } from ${JSON.stringify(join(ROOT, "tests", "prometheus-server.ts"))};
const p = await startPrometheus();
console.log(p.pid, p.dir);
setTimeout(() => { throw new Error("crash"); }, 10);`;
  const r = spawnSync(deno, ["eval", code], { encoding: "utf8", timeout: 60_000 });
  assert.notEqual(r.status, 0, "it crashed");
  const [pid, dir] = r.stdout.trim().split(" ");
  assert.match(pid, /^\d+$/, r.stdout + r.stderr);
  assert.ok(!isRunning(Number(pid)), "the process is gone");
  assert.ok(dir.includes("assay-prometheus-") && !existsSync(dir), "its directory is gone");
});
