/**
 * yaml through the binary, against an independent reader: PyYAML (a YAML 1.1 parser, as
 * kubectl-era tools are) reads what yaml.encode writes as the same values, and yaml.parse_all
 * reads a multi-document Kubernetes manifest as PyYAML does. Skipped where python3-yaml is
 * missing. Behaviour inside Lua is covered by tests/lua/yaml_test.lua; profiles at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { passLua, python, tempDir } from "./helpers.ts";

const hasPyYaml = spawnSync("python3", ["-c", "import yaml"]).status === 0;
const skip = hasPyYaml ? false : "python3-yaml is not installed";

const pass = passLua;

/** Python that compares two values strictly: int is not float, bool is not int. */
const STRICT_EQUAL = `
import math
def same(a, b, path="value"):
    if type(a) is not type(b):
        raise SystemExit(f"{path}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}")
    if isinstance(a, dict):
        if set(a) != set(b):
            raise SystemExit(f"{path}: keys {sorted(a)} vs {sorted(b)}")
        for k in a: same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b): raise SystemExit(f"{path}: length {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)): same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        if not (a == b and math.copysign(1, a) == math.copysign(1, b)): raise SystemExit(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        raise SystemExit(f"{path}: {a!r} vs {b!r}")
`;

test("yaml.encode: PyYAML reads the output as the same values (YAML 1.1 words, dates, numbers quoted where needed)", { skip }, () => {
  const dir = tempDir();
  pass(dir, `
local words = { "yes", "no", "on", "off", "y", "n", "Yes", "NO", "true", "null", "~", "", "1", "-1", "1.0", "1e3",
  "0x1F", "0o17", "012", "0b101", "1_000", "1:20", "190:20:30", ".inf", "-.inf", ".nan", "2024-01-01",
  "2001-12-14t21:59:43.10-05:00", "<<", "=", " lead", "trail ", "a: b", "- x", "#c", "x #c", "[x]", "{x}",
  "*a", "&a", "!t", "|", ">", "'", '"', "%", "@", "\`", "---", "...", "multi\\nline\\n", "tab\\there", "é ✓" }
local value = {
  words = words,
  numbers = { 0, -7, 42, 9007199254740993, math.maxinteger, math.mininteger, 5.0, -0.0, 0.5, 1e16, 1.5e-7, 1e300, 1 / 3 },
  flags = { true, false },
  nested = { list = { { name = "a", port = 80 }, { name = "b", ports = {} } }, empty = json.object({}) },
  keys = { yes = 1, ["1"] = 2, ["null"] = 3, ["2024-01-01"] = 4, ["a b"] = 5 },
}
local f = assert(io.open("out.yaml", "w")) f:write(yaml.encode(value)) f:close()
f = assert(io.open("out.json", "w")) f:write(json.encode(value)) f:close()
`);
  python(`${STRICT_EQUAL}
import json, yaml
same(json.load(open("out.json")), yaml.safe_load(open("out.yaml")))
`, dir);
});

test("yaml.encode_all: PyYAML reads generated documents back as the same values", { skip }, () => {
  const dir = tempDir();
  pass(dir, `
local seed = 777
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
-- U+0085, U+2028 and U+2029 are left out: YAML 1.1 takes them for line breaks, 1.2 does not.
local pieces = { "", " ", "a", "yes", "No", "null", "~", "1", "1.0", "-", ":", ": ", "#", " #", "'", '"', "\\\\", "\\n",
  "\\n\\n", "\\t", "\\r", "é", "\\u{1F600}", "\\u{FEFF}", "---", "...", "x: y", "- z", "{", "]", "&a", "*a", "!", "%",
  "@", "\\u{60}", "|", ">", "0x1", "1e3", ".inf", "2024-01-01", "\\1", "<<", "?", ",", "  ", "0o7", "1_0", "1:2" }
local function gen_string()
  local parts = {}
  for _ = 1, rand(5) do parts[#parts + 1] = pieces[rand(#pieces) + 1] end
  return table.concat(parts)
end
local numbers = { 0, 1, -1, 2 ^ 53, math.maxinteger, math.mininteger, 0.0, -0.0, 1.0, 0.5, 1e16, 1e-7, 1.5e300, 1 / 3, 5e-324, 2 ^ 63 }
local function gen(depth)
  local kind = rand(depth > 3 and 4 or 6)
  if kind == 0 then return gen_string() end
  if kind == 1 then return numbers[rand(#numbers) + 1] end
  if kind == 2 then return rand(2) == 0 end
  if kind == 3 then return rand(3) == 0 and json.null or gen_string() end
  local out = {}
  if kind == 4 then
    for i = 1, rand(5) do out[i] = gen(depth + 1) end
  else
    for _ = 1, rand(6) do out[gen_string()] = gen(depth + 1) end
  end
  return out
end
local docs = {}
for i = 1, 500 do docs[i] = gen(0) end
local f = assert(io.open("out.yaml", "w")) f:write(yaml.encode_all(docs)) f:close()
f = assert(io.open("out.json", "w")) f:write(json.encode(docs)) f:close()
`);
  python(`${STRICT_EQUAL}
import json, yaml
same(json.load(open("out.json")), list(yaml.safe_load_all(open("out.yaml", encoding="utf-8"))))
`, dir);
});

const MANIFEST = `# a typical kubectl apply file
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels
    app: web
    tier: "frontend"
spec:
  replicas: 3
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
      annotations:
        checksum/config: 5f2c9a
    spec:
      containers:
        - name: web
          image: nginx:1.25.3
          args: ["--port=8080", '--mode=fast']
          ports:
            - containerPort: 8080
              protocol: TCP
          resources:
            limits: {cpu: 500m, memory: 128Mi}
          env:
            - name: RATIO
              value: "0.75"
            - name: EMPTY
              value: ""
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
            initialDelaySeconds: 5
---
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: web
...
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  nginx.conf: |
    server {
      listen 8080;
    }
  motd: >
    folded
    text
  weight: 1.5
  count: -12
  nothing: null
`;

test("yaml.parse_all: a multi-document Kubernetes manifest reads as PyYAML's safe_load_all (empty documents skipped)", { skip }, () => {
  const dir = tempDir();
  writeFileSync(join(dir, "manifest.yaml"), MANIFEST);
  const ours = pass(dir, `
local f = assert(io.open("manifest.yaml")) local text = f:read("a") f:close()
local docs = yaml.parse_all(text)
assert(#docs == 3, #docs)
print(json.encode(docs))
`);
  const theirs = python(`
import json, yaml
docs = [d for d in yaml.safe_load_all(open("manifest.yaml")) if d is not None]
def drop_null(v):
    if isinstance(v, dict): return {k: drop_null(x) for k, x in v.items() if x is not None}
    if isinstance(v, list): return [drop_null(x) for x in v]
    return v
print(json.dumps(drop_null(docs)))
`, dir);
  assert.deepEqual(JSON.parse(ours), JSON.parse(theirs));
});

test("yaml.encode_all: PyYAML reads the stream back as the same documents", { skip }, () => {
  const dir = tempDir();
  pass(dir, `
local docs = { { kind = "A", n = 1 }, "text\\nwith lines\\n", { 1, 2.0, "3" }, { kind = "B", empty = {} } }
local f = assert(io.open("out.yaml", "w")) f:write(yaml.encode_all(docs)) f:close()
f = assert(io.open("out.json", "w")) f:write(json.encode(docs)) f:close()
`);
  python(`${STRICT_EQUAL}
import json, yaml
same(json.load(open("out.json")), list(yaml.safe_load_all(open("out.yaml"))))
`, dir);
  assert.match(readFileSync(join(dir, "out.yaml"), "utf8"), /^kind: A\n"n": 1\n---\n"text\\nwith lines\\n"\n---\n/);
});

test("yaml is installed in the restricted and pure profiles", () => {
  for (const profile of ["restricted", "pure"]) {
    const out = pass(tempDir(), `print(yaml.encode(yaml.parse("b: [1, 2.0]\\na: yes\\n")))
print(#yaml.parse_all("a: 1\\n---\\nb: 2\\n"), yaml.encode_all({ 1, 2 }))`, [`--sandbox=${profile}`]);
    assert.equal(out, "a: \"yes\"\nb:\n- 1\n- 2.0\n\n2\t1\n---\n2\n\n", profile);
  }
});
