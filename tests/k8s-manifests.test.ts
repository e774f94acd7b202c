/**
 * The Kubernetes examples (examples/k8s/) are manifests a user applies as they are, so this
 * file checks what would break them in a cluster, then runs what they run:
 *
 * - each file parses (multi-document YAML) into the kinds and apiVersions it should hold;
 * - every workload runs the released image with `/assay <script>`, and the script is a key of
 *   the ConfigMap mounted (read-only) at that path; every mount has its volume and every
 *   ConfigMap volume its ConfigMap; resource requests and limits and a non-root, read-only
 *   security context are set;
 * - the Job and CronJob fields that decide how they run, and the Argo CD hook annotations;
 * - the Deployment: its Service reaches the container port, the probes point at that port,
 *   `PORT` tells the script to listen there, and terminationGracePeriodSeconds covers the
 *   preStop sleep plus http.serve's shutdown grace;
 * - then the Deployment's script is served by the built binary (on a free port instead of
 *   8080), the probes' paths are requested from it, SIGTERM stops it with exit 0, and the
 *   Job's and the CronJob's scripts and the hook's checks.yaml run against it, with the
 *   Service's URL replaced by the local one, the ConfigMaps written out as files.
 *
 * @example
 * .tools/node_modules/deno/deno test -A --quiet --no-check tests/k8s-manifests.test.ts
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { assayCommand, ROOT, tempDir } from "./helpers.ts";
import { freePort } from "./db-servers/process.ts";

type Obj = Record<string, any>;

const DIR = join(ROOT, "examples", "k8s");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const IMAGE = `ghcr.io/assay-lua/assay:${VERSION}`;

/** What each file must hold, in order: `kind apiVersion`. */
const EXPECTED: Record<string, string[]> = {
  "deployment.yaml": ["ConfigMap v1", "Deployment apps/v1", "Service v1"],
  "job.yaml": ["ConfigMap v1", "Job batch/v1"],
  "cronjob.yaml": ["ConfigMap v1", "CronJob batch/v1"],
  "postsync-hook.yaml": ["ConfigMap v1", "Job batch/v1"],
};

/** The documents of one manifest file; a YAML error fails the test that reads it. */
function load(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), "utf8"));
  if (!Array.isArray(docs)) throw new Error(`${file}: no documents`);
  return docs.map((doc, i) => {
    if (doc.errors.length) throw new Error(`${file}, document ${i + 1}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS() as Obj;
  });
}

function only(docs: Obj[], kind: string): Obj {
  const found = docs.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `one ${kind} expected`);
  return found[0];
}

/** The pod spec of a Deployment, Job or CronJob. */
function podSpec(workload: Obj): Obj {
  return workload.kind === "CronJob" ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
}

function workloadOf(docs: Obj[]): Obj {
  const found = docs.filter((d) => ["Deployment", "Job", "CronJob"].includes(d.kind));
  assert.equal(found.length, 1, "one workload per file");
  return found[0];
}

interface Script {
  container: Obj;
  configMap: Obj;
  /** The key of the ConfigMap that holds the script. */
  key: string;
}

/**
 * The one container's script: the last command argument, which must lie in a ConfigMap volume
 * mounted read-only, as a key of that ConfigMap (a ConfigMap volume shows each key as a file).
 */
function scriptOf(docs: Obj[]): Script {
  const pod = podSpec(workloadOf(docs));
  assert.equal(pod.containers.length, 1);
  const container = pod.containers[0];
  const path: string = [...(container.command ?? []), ...(container.args ?? [])].at(-1);
  for (const mount of container.volumeMounts ?? []) {
    if (!path.startsWith(`${mount.mountPath}/`)) continue;
    assert.equal(mount.readOnly, true, `${mount.mountPath} is mounted read-only`);
    const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
    assert.ok(volume?.configMap, `the volume mounted at ${mount.mountPath} is a ConfigMap`);
    const configMap = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === volume.configMap.name);
    assert.ok(configMap, `ConfigMap ${volume.configMap.name} is in the same file`);
    const key = path.slice(mount.mountPath.length + 1);
    assert.equal(typeof configMap.data[key], "string", `ConfigMap ${configMap.metadata.name} has the key ${key}`);
    return { container, configMap, key };
  }
  throw new Error(`${path} is not in a mounted volume`);
}

/** Writes every key of a ConfigMap as a file into `dir` (what the kubelet mounts). */
function writeConfigMap(configMap: Obj, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [key, text] of Object.entries(configMap.data)) writeFileSync(join(dir, key), text as string);
  return dir;
}

/** The container's `env` values (all given as `value` in these examples). */
function envOf(container: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    assert.equal(typeof e.value, "string", `${e.name} has a literal string value`);
    env[e.name] = e.value;
  }
  return env;
}

const deployment = () => load("deployment.yaml");
/** The Service's in-cluster origin, which the Job, the CronJob and the hook call. */
function serviceOrigin(): string {
  const svc = only(deployment(), "Service");
  return `http://${svc.metadata.name}:${svc.spec.ports[0].port}`;
}

test("each manifest file holds the expected kinds and apiVersions", () => {
  for (const [file, kinds] of Object.entries(EXPECTED)) {
    assert.deepEqual(load(file).map((d) => `${d.kind} ${d.apiVersion}`), kinds, file);
  }
});

test("every workload runs /assay from the released image on a script from its mounted ConfigMap", () => {
  for (const file of Object.keys(EXPECTED)) {
    const docs = load(file);
    const pod = podSpec(workloadOf(docs));
    const { container, key } = scriptOf(docs);
    assert.equal(container.image, IMAGE, `${file}: the image of this version (package.json)`);
    assert.equal(container.command[0], "/assay", `${file}: the binary's path in the image`);
    assert.match(key, /\.(lua|yaml)$/, `${file}: a script or a check config`);
    for (const mount of container.volumeMounts) {
      const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
      assert.ok(volume, `${file}: volume ${mount.name} exists`);
      if (volume.configMap) {
        assert.ok(docs.some((d) => d.kind === "ConfigMap" && d.metadata.name === volume.configMap.name), `${file}: ConfigMap ${volume.configMap.name}`);
      }
    }
    for (const what of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) assert.ok(container.resources?.[what]?.[resource], `${file}: resources.${what}.${resource}`);
    }
    assert.equal(pod.securityContext.runAsNonRoot, true, `${file}: runAsNonRoot`);
    // A scratch image has no /etc/passwd: the kubelet can prove non-root only from a number.
    assert.ok(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0, `${file}: numeric runAsUser`);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true, `${file}: readOnlyRootFilesystem`);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false, `${file}: allowPrivilegeEscalation`);
  }
});

test("the Job and the CronJob never restart a container in place, and the CronJob never overlaps itself", () => {
  const job = only(load("job.yaml"), "Job");
  assert.equal(podSpec(job).restartPolicy, "Never");
  assert.ok(Number.isInteger(job.spec.backoffLimit));
  const cron = only(load("cronjob.yaml"), "CronJob");
  assert.match(cron.spec.schedule, /^\S+( \S+){4}$/, "a five-field schedule");
  assert.equal(cron.spec.concurrencyPolicy, "Forbid");
  assert.equal(podSpec(cron).restartPolicy, "Never");
  assert.ok(Number.isInteger(cron.spec.jobTemplate.spec.backoffLimit));
});

test("the PostSync hook is an Argo CD hook Job running checks.yaml in check mode", () => {
  const docs = load("postsync-hook.yaml");
  const job = only(docs, "Job");
  const annotations = job.metadata.annotations;
  assert.equal(annotations["argocd.argoproj.io/hook"], "PostSync");
  const policies = annotations["argocd.argoproj.io/hook-delete-policy"].split(",");
  assert.ok(policies.includes("HookSucceeded") || policies.includes("BeforeHookCreation"), policies.join(","));
  // Argo CD would run a hook ConfigMap in its own phase; an ordinary one is there before.
  assert.equal(only(docs, "ConfigMap").metadata.annotations?.["argocd.argoproj.io/hook"], undefined);
  assert.equal(podSpec(job).restartPolicy, "Never");
  const { container, key } = scriptOf(docs);
  assert.equal(key, "checks.yaml");
  // No --format: the report stays the JSON one in the Job's log.
  assert.deepEqual(container.command, ["/assay", "/checks/checks.yaml"]);
  // Script checks' paths are relative to the working directory.
  assert.equal(container.workingDir, "/checks");
});

test("the Deployment's Service and probes reach the port the script listens on", () => {
  const docs = deployment();
  const dep = only(docs, "Deployment");
  const svc = only(docs, "Service");
  const labels = dep.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(labels[k], v, `selector ${k}`);
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v, `Service selector ${k}`);
  const { container } = scriptOf(docs);
  const portOf = (p: string | number) => typeof p === "number" ? p : container.ports.find((cp: Obj) => cp.name === p)?.containerPort;
  const port = portOf(svc.spec.ports[0].targetPort);
  assert.ok(port, "the Service's targetPort is a container port");
  assert.equal(envOf(container).PORT, String(port), "the script is told to listen on the container port");
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    const get = container[probe]?.httpGet;
    assert.ok(get?.path, `${probe} is an httpGet`);
    assert.equal(portOf(get.port), port, `${probe} port`);
  }
});

/** http.serve's grace: the script's `shutdown_grace`, else the builtin's default. */
function shutdownGrace(script: string): number {
  const own = /shutdown_grace\s*=\s*(\d+(?:\.\d+)?)/.exec(script);
  if (own) return Number(own[1]);
  const source = readFileSync(join(ROOT, "builtins", "http", "server.ts"), "utf8");
  return Number(/DEFAULT_GRACE_SECONDS = (\d+)/.exec(source)![1]);
}

test("terminationGracePeriodSeconds covers the preStop sleep and http.serve's shutdown grace", () => {
  const docs = deployment();
  const pod = podSpec(only(docs, "Deployment"));
  const { container, configMap, key } = scriptOf(docs);
  const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = shutdownGrace(configMap.data[key]);
  assert.ok(grace >= 1, `grace ${grace}`);
  // The kubelet counts the period from the start of preStop and sends SIGKILL when it ends.
  assert.ok(pod.terminationGracePeriodSeconds > preStop + grace, `${pod.terminationGracePeriodSeconds} s <= ${preStop} s + ${grace} s`);
  assert.ok(pod.terminationGracePeriodSeconds <= preStop + grace + 15, "not far above: a stuck pod should not linger");
});

const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) child.kill("SIGKILL");
};
globalThis.addEventListener?.("unload", killAll);
process.on("exit", killAll);

interface Served {
  origin: string;
  /** SIGTERM, as the kubelet sends it; resolves with the exit code and the seconds it took. */
  stop(): Promise<{ code: number | null; seconds: number; stderr: string }>;
}

/** Why the pods' security context cannot be reproduced here, or false when it can. */
function podSkip(): string | false {
  if (process.env.ASSAY_FROM_SOURCE === "deno") return "runs the built binary only";
  if (process.getuid?.() !== 0) return "needs root, to remount / read-only in a mount namespace and switch users";
  if (spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status !== 0) return "unshare -m does not work here";
  return false;
}

/** Run as a pod with a read-only root filesystem and a numeric user: $1 uid, $2 gid, then the command. */
const AS_POD = 'u=$1 g=$2; shift 2; mount -o remount,bind,ro / && exec setpriv --reuid="$u" --regid="$g" --clear-groups -- "$@"';

/** A directory other users can read (the pod's user reads the binary and the scripts there). */
function sharedDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  return dir;
}

let podBinary: string | undefined;

/**
 * The command that runs `script`: the binary as `pod`'s security context says when a pod is
 * given (its runAsUser and runAsGroup, a read-only root filesystem, nothing of the test's
 * environment), else the assay under test.
 */
function commandFor(script: string, pod?: Obj): string[] {
  if (!pod) return [...assayCommand(), script];
  if (!podBinary) {
    // A copy where the pod's user can reach it (the checkout may be under a private home).
    podBinary = join(sharedDir(), "assay");
    copyFileSync(assayCommand()[0], podBinary);
    chmodSync(podBinary, 0o755);
  }
  const { runAsUser, runAsGroup } = pod.securityContext;
  return ["unshare", "-m", "--propagation", "private", "sh", "-c", AS_POD, "sh", String(runAsUser), String(runAsGroup), podBinary, script];
}

/** The environment of a run: the container's own, plus PATH for the wrapper when run as the pod. */
function runEnv(env: Record<string, string>, asPod: boolean): Record<string, string | undefined> {
  return asPod ? { PATH: process.env.PATH, ...env } : { ...process.env, ...env, NO_COLOR: "1" };
}

/**
 * Serves the Deployment's script with the binary, with its env but a free port (as its pod
 * when `asPod`).
 */
async function serveDeployment(asPod = false): Promise<Served> {
  const docs = deployment();
  const { container, configMap, key } = scriptOf(docs);
  const dir = writeConfigMap(configMap, join(sharedDir(), "scripts"));
  const port = await freePort();
  const [cmd, ...args] = commandFor(join(dir, key), asPod ? podSpec(only(docs, "Deployment")) : undefined);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(runEnv({ ...envOf(container), PORT: String(port) }, asPod))) if (v !== undefined) env[k] = v;
  const child = spawn(cmd, args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
  running.add(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const origin = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      await fetch(`${origin}/`).then((r) => r.body?.cancel());
      break;
    } catch {
      if (child.exitCode !== null || Date.now() - started > 15_000) {
        child.kill("SIGKILL");
        throw new Error(`the Deployment's script did not listen on ${port} (exit ${child.exitCode})\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    origin,
    async stop() {
      const t0 = Date.now();
      // process.kill, not child.kill: Deno's child.kill reports the signal it sent as the way
      // the child ended, even when the child handled it and exited with a code.
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGTERM");
      const code = await exited;
      running.delete(child);
      return { code, seconds: (Date.now() - t0) / 1000, stderr };
    },
  };
}

test("the Deployment's script answers its probes and /version, and SIGTERM ends it with exit 0", async () => {
  const { container } = scriptOf(deployment());
  const server = await serveDeployment();
  try {
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      const res = await fetch(server.origin + container[probe].httpGet.path);
      await res.body?.cancel();
      // The kubelet counts 200 to 399 as success.
      assert.ok(res.status >= 200 && res.status < 400, `${probe}: ${res.status}`);
    }
    const res = await fetch(`${server.origin}/version`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).build.version, envOf(container).APP_VERSION);
  } finally {
    const { code, seconds, stderr } = await server.stop();
    assert.equal(code, 0, stderr);
    // Nothing was in flight, so the grace period was not needed.
    assert.ok(seconds < 5, `stopped in ${seconds} s`);
  }
});

/**
 * Runs `assay file` against the served Deployment with the container's env, its Service URL
 * made local (as `pod` when given).
 */
function runAgainstServer(file: string, cwd: string, env: Record<string, string>, origin: string, pod?: Obj) {
  const local: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) local[k] = v.replaceAll(serviceOrigin(), origin);
  const [cmd, ...args] = commandFor(file, pod);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(cmd, args, { cwd, env: runEnv(local, pod !== undefined), timeout: 60_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") reject(err);
      else resolve({ code: err ? err.code as number : 0, stdout, stderr });
    });
  });
}

test("the Job's script (with its helper module from the same ConfigMap) reports the API's version", async () => {
  const { container, configMap, key } = scriptOf(load("job.yaml"));
  const env = envOf(container);
  assert.ok(env.API_URL.startsWith(serviceOrigin()), `API_URL ${env.API_URL} is the Service`);
  const scripts = writeConfigMap(configMap, join(tempDir(), "scripts"));
  const server = await serveDeployment();
  try {
    // Run from elsewhere: the helper must be found beside the script, not in the working directory.
    const r = await runAgainstServer(join(scripts, key), tempDir(), env, server.origin);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.version, envOf(scriptOf(deployment()).container).APP_VERSION);
    assert.equal(report.api, server.origin);
  } finally {
    await server.stop();
  }
});

test("the CronJob's script prints a line per target and fails when one does not answer", async () => {
  const { container, configMap, key } = scriptOf(load("cronjob.yaml"));
  const env = envOf(container);
  assert.ok(env.TARGETS.split(",").every((url) => url.startsWith(`${serviceOrigin()}/`)), `TARGETS ${env.TARGETS} are the Service's`);
  const scripts = writeConfigMap(configMap, join(tempDir(), "scripts"));
  const server = await serveDeployment();
  try {
    const ok = await runAgainstServer(join(scripts, key), scripts, env, server.origin);
    assert.equal(ok.code, 0, ok.stderr);
    const lines = ok.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.ok, l.status]), env.TARGETS.split(",").map(() => [true, 200]));
    const down = `http://127.0.0.1:${await freePort()}/healthz`;
    const bad = await runAgainstServer(join(scripts, key), scripts, { ...env, TARGETS: `${env.TARGETS},${down}` }, server.origin);
    assert.equal(bad.code, 1, bad.stderr);
    const last = JSON.parse(bad.stdout.trim().split("\n").at(-1)!);
    assert.equal(last.url, down);
    assert.equal(last.ok, false);
  } finally {
    await server.stop();
  }
});

test("the PostSync hook's checks.yaml passes in check mode against the deployed API", async () => {
  const docs = load("postsync-hook.yaml");
  const { container, configMap, key } = scriptOf(docs);
  assert.ok(configMap.data[key].includes(serviceOrigin()), "the checks call the Service");
  const checks = writeConfigMap(configMap, join(tempDir(), "checks"));
  const server = await serveDeployment();
  try {
    writeFileSync(join(checks, key), configMap.data[key].replaceAll(serviceOrigin(), server.origin));
    // The Job's workingDir is the mount: run from the written-out copy of it.
    const r = await runAgainstServer(join(checks, key), checks, envOf(container), server.origin);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout);
    assert.equal(report.passed, true);
    assert.deepEqual(report.checks.map((c: Obj) => [c.name, c.passed]), [
      ["api-health", true],
      ["api-version", true],
      ["version-deployed", true],
    ]);
  } finally {
    await server.stop();
  }
});

test("the pods' security context holds: the API and the Job run as their numeric user on a read-only root", { skip: podSkip() }, async () => {
  const { container, configMap, key } = scriptOf(load("job.yaml"));
  const scripts = writeConfigMap(configMap, join(sharedDir(), "scripts"));
  const server = await serveDeployment(true);
  try {
    const r = await runAgainstServer(join(scripts, key), "/", envOf(container), server.origin, podSpec(only(load("job.yaml"), "Job")));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).version, envOf(scriptOf(deployment()).container).APP_VERSION);
  } finally {
    const { code, stderr } = await server.stop();
    assert.equal(code, 0, stderr);
  }
});
