/**
 * Generates a deterministic JSON document shaped like `kubectl get pods -o json` (a v1 List of
 * Pods with metadata, managedFields, spec, status), about 1.6 MB by default. The JSON benchmark
 * parses and re-encodes it; being generated, the fixture needs no download and no checked-in
 * blob, and every run sees the same bytes.
 *
 * Usage: `bun bench/gen-podlist.ts [bytes] > podlist.json` (also runs under deno and node).
 */
import { prng } from "./prng.ts";

const APPS = ["api-gateway", "billing", "checkout", "frontend", "inventory", "notifier", "search", "worker"];
const NAMESPACES = ["default", "payments", "shop", "platform"];
const IMAGES = ["nginx:1.25.3", "ghcr.io/acme/app:v2.14.0", "redis:7.2-alpine", "envoyproxy/envoy:v1.29.1"];

function hex(rand: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(rand() * 16)];
  return s;
}

function uid(rand: () => number): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`;
}

function timestamp(rand: () => number): string {
  const d = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 300 * 86400) * 1000);
  return d.toISOString().replace(".000Z", "Z");
}

function container(rand: () => number, app: string, i: number) {
  const name = i === 0 ? app : `sidecar-${i}`;
  return {
    name,
    image: IMAGES[Math.floor(rand() * IMAGES.length)],
    imagePullPolicy: "IfNotPresent",
    args: ["--port=8080", "--log-level=info", `--instance=${hex(rand, 6)}`],
    env: [
      { name: "APP_NAME", value: app },
      { name: "GOMAXPROCS", valueFrom: { resourceFieldRef: { divisor: "0", resource: "limits.cpu" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
      { name: "GREETING", value: "héllo wörld — ✓ \"quoted\"\tand tabbed" },
    ],
    ports: [{ containerPort: 8080 + i, name: "http", protocol: "TCP" }, {
      containerPort: 9090 + i,
      name: "metrics",
      protocol: "TCP",
    }],
    readinessProbe: {
      failureThreshold: 3,
      httpGet: { path: "/healthz", port: 8080 + i, scheme: "HTTP" },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      successThreshold: 1,
      timeoutSeconds: 1,
    },
    resources: {
      limits: { cpu: "500m", memory: `${128 * (1 + Math.floor(rand() * 4))}Mi` },
      requests: { cpu: "100m", memory: "64Mi" },
    },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000 },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    volumeMounts: [
      { mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", name: `kube-api-access-${hex(rand, 5)}`, readOnly: true },
      { mountPath: "/etc/config", name: "config" },
    ],
  };
}

function pod(rand: () => number, n: number) {
  const app = APPS[n % APPS.length];
  const ns = NAMESPACES[n % NAMESPACES.length];
  const hash = hex(rand, 10);
  const name = `${app}-${hash}-${hex(rand, 5)}`;
  const created = timestamp(rand);
  const containers = [0, 1].map((i) => container(rand, app, i));
  const ready = rand() > 0.1;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      annotations: {
        "kubectl.kubernetes.io/restartedAt": created,
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name, namespace: ns, labels: { app } },
        }) + "\n",
      },
      creationTimestamp: created,
      generateName: `${app}-${hash}-`,
      labels: { app, "pod-template-hash": hash, "app.kubernetes.io/part-of": "shop", tier: n % 3 === 0 ? "backend" : "frontend" },
      managedFields: [{
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:generateName": {}, "f:labels": { ".": {}, "f:app": {}, "f:pod-template-hash": {} } },
          "f:spec": { "f:containers": { [`k:{"name":"${app}"}`]: { ".": {}, "f:image": {}, "f:name": {} } } },
        },
        manager: "kube-controller-manager",
        operation: "Update",
        time: created,
      }],
      name,
      namespace: ns,
      ownerReferences: [{
        apiVersion: "apps/v1",
        blockOwnerDeletion: true,
        controller: true,
        kind: "ReplicaSet",
        name: `${app}-${hash}`,
        uid: uid(rand),
      }],
      resourceVersion: String(100000 + Math.floor(rand() * 900000)),
      uid: uid(rand),
    },
    spec: {
      containers,
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      nodeName: `node-${n % 7}.cluster.internal`,
      preemptionPolicy: "PreemptLowerPriority",
      priority: 0,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: { fsGroup: 2000 },
      serviceAccount: "default",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists", tolerationSeconds: 300 },
        { effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 300 },
      ],
      volumes: [
        { name: "config", configMap: { defaultMode: 420, name: `${app}-config` } },
        { name: "scratch", emptyDir: { sizeLimit: "1Gi" }, ephemeral: null },
      ],
    },
    status: {
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
        lastProbeTime: null,
        lastTransitionTime: timestamp(rand),
        status: type === "Ready" && !ready ? "False" : "True",
        type,
      })),
      containerStatuses: containers.map((c) => ({
        containerID: `containerd://${hex(rand, 64)}`,
        image: c.image,
        imageID: `docker.io/library/${c.image.split(":")[0]}@sha256:${hex(rand, 64)}`,
        lastState: {},
        name: c.name,
        ready,
        restartCount: Math.floor(rand() * 3),
        started: true,
        state: { running: { startedAt: timestamp(rand) } },
      })),
      hostIP: `10.0.${n % 7}.${10 + (n % 200)}`,
      phase: "Running",
      podIP: `10.244.${n % 250}.${Math.floor(rand() * 250)}`,
      podIPs: [{ ip: `10.244.${n % 250}.${Math.floor(rand() * 250)}` }],
      qosClass: "Burstable",
      startTime: created,
      cpuUsageCores: Math.round(rand() * 1e6) / 1e4,
    },
  };
}

/** The pod list as `kubectl -o json` prints it (4-space indent), at least `targetBytes` long. */
export function generatePodList(targetBytes = 1_600_000): string {
  const rand = prng(20240601);
  const items: unknown[] = [];
  const doc = { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
  // Each pod is ~13 KB once indented at depth 2 (8 more spaces a line); grow to the target.
  let size = 100;
  while (size < targetBytes) {
    const p = pod(rand, items.length);
    items.push(p);
    const text = JSON.stringify(p, null, 4);
    size += text.length + 8 * text.split("\n").length + 2;
  }
  return JSON.stringify(doc, null, 4) + "\n";
}

if (import.meta.main ?? (typeof process !== "undefined" && process.argv[1]?.endsWith("gen-podlist.ts"))) {
  const target = Number((globalThis as any).process?.argv?.[2] ?? 1_600_000);
  const text = generatePodList(target);
  (globalThis as any).process.stdout.write(text);
}
