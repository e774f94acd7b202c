/**
 * Check config parsing (checks.md §1 plus assay's own keys): the defaults, the per-check
 * overrides, what is accepted loosely (unknown keys, scalars as env text, null as absent), and
 * each config error's detail chain, with the check's index and name and the YAML position.
 */
// Under Deno, config.ts's lazily required `yaml` needs the `require` that host.ts installs
// (main.ts imports it first in a real run).
import "../host.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers.ts";
import { ConfigError, loadConfig, parseConfig } from "./config.ts";

/** YAML from lines, so that positions in messages are easy to read off. */
const yaml = (...lines: string[]) => lines.join("\n") + "\n";

/** The ConfigError's message (the detail chain); fails if parsing succeeds or throws something else. */
function errorOf(text: string): string {
  try {
    parseConfig(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    return e.message;
  }
  assert.fail(`parsed without error:\n${text}`);
}

const HTTP = ["checks:", "  - name: a", "    type: http"];

test("defaults: 120s timeout, 3 retries, 5s backoff, sequential, max_parallel 8", () => {
  const config = parseConfig(yaml("checks:", "  - name: up", "    type: http", "    url: http://127.0.0.1:1/"));
  assert.deepEqual(
    { ...config, checks: [] },
    { timeout: 120_000, retries: 3, backoff: 5_000, parallel: false, max_parallel: 8, checks: [], order: [0], dependencies: [[]] },
  );
  assert.deepEqual(config.checks, [{
    index: 0,
    name: "up",
    type: "http",
    url: "http://127.0.0.1:1/",
    expect: undefined,
    follow_redirects: true,
    query: undefined,
    file: undefined,
    env: {},
    method: "GET",
    headers: {},
    body: undefined,
    retries: 3,
    backoff: 5_000,
    timeout: undefined,
    needs: [],
  }]);
});

test("the top level's settings, and per-check retries, backoff and timeout overriding them", () => {
  const config = parseConfig(yaml(
    "timeout: 90s",
    "retries: 2",
    "backoff: 3s",
    "parallel: true",
    "max_parallel: 2",
    "checks:",
    "  - name: own",
    "    type: http",
    "    retries: 0",
    "    backoff: 100ms",
    "    timeout: 2m",
    "  - name: inherits",
    "    type: prometheus",
  ));
  assert.deepEqual([config.timeout, config.retries, config.backoff, config.parallel, config.max_parallel], [90_000, 2, 3_000, true, 2]);
  const [own, inherits] = config.checks;
  assert.deepEqual([own.retries, own.backoff, own.timeout], [0, 100, 120_000]);
  assert.deepEqual([inherits.retries, inherits.backoff, inherits.timeout], [2, 3_000, undefined]);
});

test("every spec key of a check and of expect is read", () => {
  const [http, prom, script] = parseConfig(yaml(
    "checks:",
    "  - name: api",
    "    type: http",
    "    url: http://127.0.0.1:1/v",
    "    follow_redirects: false",
    "    method: post",
    "    headers: { X-A: b }",
    "    body: '{}'",
    "    expect:",
    "      status: 302",
    "      body: ok",
    '      json: \'.a == "b"\'',
    "      headers: { Location: /x }",
    "      body_matches: ^o",
    "      max_latency_ms: 50",
    "  - name: prom",
    "    type: prometheus",
    "    url: http://127.0.0.1:1",
    "    query: sum(up)",
    "    expect: { min: 1.5, max: 10 }",
    "  - name: script",
    "    type: script",
    "    file: checks/x.lua",
    "    env: { A: b }",
  )).checks;
  assert.equal(http.follow_redirects, false);
  assert.equal(http.method, "POST", "methods are upper-cased");
  assert.deepEqual(http.headers, { "X-A": "b" });
  assert.equal(http.body, "{}");
  assert.deepEqual(http.expect, { status: 302, body: "ok", json: '.a == "b"', headers: { Location: "/x" }, body_matches: "^o", max_latency_ms: 50 });
  assert.deepEqual([prom.url, prom.query, prom.expect], ["http://127.0.0.1:1", "sum(up)", { min: 1.5, max: 10 }]);
  assert.deepEqual([script.file, script.env], ["checks/x.lua", { A: "b" }]);
});

test("needs: a single name or a list of names", () => {
  const checks = parseConfig(yaml(
    "checks:",
    "  - { name: app, type: http, needs: [db, cache] }",
    "  - { name: db, type: http }",
    "  - { name: cache, type: http, needs: db }",
    "  - { name: free, type: http, needs: [] }",
  )).checks;
  assert.deepEqual(checks.map((c) => c.needs), [["db", "cache"], [], ["db"], []]);
});

test("env (and headers) values that are numbers or booleans are their text as written", () => {
  const [check] = parseConfig(yaml(
    "checks:",
    "  - name: s",
    "    type: script",
    "    env:",
    "      PORT: 8080",
    "      DEBUG: true",
    "      VERSION: 1.10",
    "      MODE: 0o644",
    "      NAME: plain",
    "      QUOTED: '42'",
    "    headers: { X-Retry: 3 }",
  )).checks;
  assert.deepEqual(check.env, { PORT: "8080", DEBUG: "true", VERSION: "1.10", MODE: "0o644", NAME: "plain", QUOTED: "42" });
  assert.deepEqual(check.headers, { "X-Retry": "3" });
});

test("unknown keys are ignored at the top level, per check and inside expect", () => {
  const config = parseConfig(yaml(
    "version: 2",
    "notify: { slack: '#ops' }",
    "checks:",
    "  - name: a",
    "    type: http",
    "    description: the API",
    "    tags: [x, y]",
    "    expect:",
    "      status: 200",
    "      content_type: text/plain",
  ));
  assert.equal(config.checks.length, 1);
  assert.deepEqual(config.checks[0].expect, { status: 200 });
});

test("an empty check list passes as []: `checks: []`, `checks:` and `checks: ~`", () => {
  for (const text of ["checks: []\n", "checks:\n", "checks: ~\n", "timeout: 1s\nchecks: null\n"]) {
    assert.deepEqual(parseConfig(text).checks, [], text);
  }
});

test("an optional key set to null is absent, as the reference reads null into its Option fields", () => {
  const [http, prom] = parseConfig(yaml(
    "checks:",
    "  - name: a",
    "    type: http",
    "    url:",
    "    expect:",
    "  - name: b",
    "    type: prometheus",
    "    url: http://127.0.0.1:1",
    "    query: ~",
    "    expect:",
    "      min: ~",
    "      max: 3",
  )).checks;
  // No url: the check fails when it runs (checks.md §5), not the config.
  assert.equal(http.url, undefined);
  // `expect:` with nothing under it is no expect (2xx required), not an empty one (any status).
  assert.equal(http.expect, undefined);
  assert.equal(prom.query, undefined);
  assert.deepEqual(prom.expect, { max: 3 });
});

test("YAML syntax errors give the line and column", () => {
  assert.equal(
    errorOf(yaml("checks:", "  - name: a", "   type: http")),
    "parsing YAML config: Sequence item without - indicator at line 3, column 1",
  );
  assert.equal(errorOf(yaml("checks:", "\t- name: a")), "parsing YAML config: Tabs are not allowed as indentation at line 2, column 1");
  assert.match(errorOf(yaml("checks: [", "")), /^parsing YAML config: .+ at line \d+, column \d+$/);
  assert.match(errorOf(yaml("checks:", '  - name: "a')), /^parsing YAML config: .*quote.* at line \d+, column \d+$/);
});

test("duplicate keys are an error at the second one, at any level", () => {
  assert.equal(errorOf(yaml("timeout: 1s", "timeout: 2s", "checks: []")), "parsing YAML config: Map keys must be unique at line 2, column 1");
  assert.equal(errorOf(yaml(...HTTP, "    name: b")), "parsing YAML config: Map keys must be unique at line 4, column 5");
});

test("the top level: not a mapping, or without checks", () => {
  assert.equal(errorOf(yaml("- a", "- b")), "parsing YAML config: expected a mapping at the top level, got a list");
  assert.equal(errorOf("hello\n"), 'parsing YAML config: expected a mapping at the top level, got a string "hello"');
  assert.equal(errorOf(""), "parsing YAML config: missing field 'checks'");
  assert.equal(errorOf("# only a comment\n"), "parsing YAML config: missing field 'checks'");
  assert.equal(errorOf("timeout: 5s\n"), "parsing YAML config: missing field 'checks'");
  assert.equal(errorOf(yaml("checks:", "  a: 1")), "parsing YAML config: checks (line 2, column 3): expected a list of checks, got a mapping");
  assert.match(errorOf("checks: all\n"), /^parsing YAML config: checks \(line 1, column 9\): expected a list of checks, got a string "all"$/);
});

test("a check that is not a mapping, without a name, without a type, of an unknown type", () => {
  assert.equal(errorOf(yaml("checks:", "  - hello")), 'parsing YAML config: checks[0] (line 2, column 5): expected a mapping, got a string "hello"');
  assert.equal(errorOf(yaml("checks:", "  - type: http")), "parsing YAML config: checks[0] (line 2, column 5): missing field 'name'");
  assert.equal(errorOf(yaml("checks:", "  - name: a")), `parsing YAML config: checks[0] ("a") (line 2, column 5): missing field 'type'`);
  assert.equal(
    errorOf(yaml("checks:", "  - { name: ok, type: http }", "  - name: probe", "    type: tcp")),
    `parsing YAML config: checks[1] ("probe").type (line 4, column 11): unknown check type: "tcp"`,
  );
  assert.match(errorOf(yaml("checks:", "  - name: a", "    type: HTTP")), /checks\[0\] \("a"\)\.type \(line 3, column 11\): unknown check type: "HTTP"$/);
  assert.match(errorOf(yaml("checks:", "  - name: 5", "    type: http")), /^parsing YAML config: checks\[0\]\.name \(line 2, column 11\): expected a string, got a number 5$/);
  assert.match(errorOf(yaml("checks:", "  - name: a", "    type: [http]")), /checks\[0\] \("a"\)\.type \(line 3, column 11\): expected a string, got a list$/);
});

test("wrong types name the key path, the position and what was found", () => {
  const cases: [string[], RegExp][] = [
    [[...HTTP, "    expect:", "      status: 70000"], /checks\[0\] \("a"\)\.expect\.status \(line 5, column 15\): expected an integer from 0 to 65535, got a number 70000$/],
    [[...HTTP, "    expect:", "      status: -1"], /\.expect\.status \(line 5, column 15\): expected an integer from 0 to 65535, got a number -1$/],
    [[...HTTP, "    expect:", "      status: 200.5"], /\.expect\.status .*got a number 200\.5$/],
    [[...HTTP, "    expect:", '      status: "200"'], /\.expect\.status \(line 5, column 15\): expected an integer from 0 to 65535, got a string "200"$/],
    [[...HTTP, "    expect:", "      body: 5"], /checks\[0\] \("a"\)\.expect\.body \(line 5, column 13\): expected a string, got a number 5$/],
    [[...HTTP, "    expect:", "      json: [1]"], /\.expect\.json \(line 5, column 13\): expected a string, got a list$/],
    [[...HTTP, "    expect:", "      min: lots"], /\.expect\.min \(line 5, column 12\): expected a number, got a string "lots"$/],
    [[...HTTP, "    expect:", '      max: "3"'], /\.expect\.max \(line 5, column 12\): expected a number, got a string "3"$/],
    [[...HTTP, "    expect: yes"], /checks\[0\] \("a"\)\.expect \(line 4, column 13\): expected a mapping, got a string "yes"$/],
    [[...HTTP, "    follow_redirects: yes"], /\.follow_redirects \(line 4, column 23\): expected true or false, got a string "yes"$/],
    [[...HTTP, "    follow_redirects:"], /\.follow_redirects \(line 4, column 22\): expected true or false, got nothing \(null\)$/],
    [[...HTTP, "    url: [a]"], /\.url \(line 4, column 10\): expected a string, got a list$/],
    [[...HTTP, "    retries: -2"], /checks\[0\] \("a"\)\.retries \(line 4, column 14\): expected a non-negative integer, got a number -2$/],
    [[...HTTP, "    retries: 1.5"], /\.retries .*expected a non-negative integer, got a number 1\.5$/],
    [[...HTTP, "    env: [A]"], /\.env \(line 4, column 10\): expected a mapping of names to strings, got a list$/],
    [[...HTTP, "    env:", "      A: [1]"], /checks\[0\] \("a"\)\.env\.A \(line 5, column 10\): expected a string, got a list$/],
    [[...HTTP, "    needs: 5"], /\.needs \(line 4, column 12\): expected a list of check names, got a number 5$/],
    [[...HTTP, "    needs: [1]"], /checks\[0\] \("a"\)\.needs\[0\] \(line 4, column 13\): expected a string, got a number 1$/],
    [[...HTTP, "    method: GET X"], /\.method \(line 4, column 13\): not an HTTP method: "GET X"$/],
    [["retries: -1", "checks: []"], /^parsing YAML config: retries \(line 1, column 10\): expected a non-negative integer, got a number -1$/],
    [["retries: 1.5", "checks: []"], /^parsing YAML config: retries .*got a number 1\.5$/],
    [['retries: "3"', "checks: []"], /^parsing YAML config: retries .*got a string "3"$/],
    [["max_parallel: 0", "checks: []"], /^parsing YAML config: max_parallel \(line 1, column 15\): expected a positive integer, got a number 0$/],
    [["parallel: 1", "checks: []"], /^parsing YAML config: parallel \(line 1, column 11\): expected true or false, got a number 1$/],
  ];
  for (const [lines, pattern] of cases) {
    const message = errorOf(yaml(...lines));
    assert.match(message, /^parsing YAML config: /);
    assert.match(message, pattern);
  }
  // A check's own errors carry its index and quoted name; the second check is index 1.
  assert.equal(
    errorOf(yaml(...HTTP, "  - name: web", "    type: http", "    expect:", "      status: ok")),
    `parsing YAML config: checks[1] ("web").expect.status (line 7, column 15): expected an integer from 0 to 65535, got a string "ok"`,
  );
});

test("bad durations: `parsing <key>` at the top level, the key path in a check", () => {
  const unsupported = (text: string) => `unsupported duration format: "${text}" (use e.g. '120s', '5m', '500ms')`;
  assert.equal(errorOf(yaml("timeout: 30", "checks: []")), `parsing timeout (line 1, column 10): ${unsupported("30")}`);
  assert.equal(errorOf(yaml("backoff: 1h", "checks: []")), `parsing backoff (line 1, column 10): ${unsupported("1h")}`);
  assert.match(errorOf(yaml("timeout: 1.5s", "checks: []")), /^parsing timeout \(line 1, column 10\): unsupported duration format: "1\.5s"/);
  assert.match(errorOf(yaml("timeout: 99999999999999999999s", "checks: []")), /^parsing timeout .*: invalid duration number "99999999999999999999": number too large$/);
  assert.equal(
    errorOf(yaml(...HTTP, "    timeout: 1.5s")),
    `parsing YAML config: checks[0] ("a").timeout (line 4, column 14): ${unsupported("1.5s")}`,
  );
  assert.match(errorOf(yaml(...HTTP, "    backoff: 2")), /checks\[0\] \("a"\)\.backoff \(line 4, column 14\): unsupported duration format: "2"/);
});

test("a body_matches that is not a regular expression", () => {
  assert.match(
    errorOf(yaml(...HTTP, "    expect:", '      body_matches: "a(b"')),
    /^parsing YAML config: checks\[0\] \("a"\)\.expect\.body_matches \(line 5, column 21\): invalid regular expression: found open group without closing '\)'/,
  );
});

test("needs errors are reported at the needs of the check that holds them", () => {
  assert.equal(
    errorOf(yaml(...HTTP, "    needs: db")),
    `parsing YAML config: checks[0] ("a").needs (line 4, column 12): no check is named "db"`,
  );
  assert.equal(
    errorOf(yaml("checks:", "  - { name: db, type: http }", "  - { name: db, type: script }", "  - name: app", "    type: http", "    needs: [db]")),
    `parsing YAML config: checks[2] ("app").needs (line 6, column 12): "db" names 2 checks (checks[0], checks[1]); a check that others need must have a unique name`,
  );
  assert.equal(errorOf(yaml(...HTTP, "    needs: a")), `parsing YAML config: checks[0] ("a").needs (line 4, column 12): needs cycle: a -> a`);
  assert.equal(
    errorOf(yaml(
      "checks:",
      "  - name: a",
      "    type: http",
      "    needs: b",
      "  - name: b",
      "    type: http",
      "    needs: c",
      "  - name: c",
      "    type: http",
      "    needs: a",
    )),
    `parsing YAML config: checks[0] ("a").needs (line 4, column 12): needs cycle: a -> b -> c -> a`,
  );
  // Duplicate names nobody needs are fine.
  assert.equal(parseConfig(yaml("checks:", "  - { name: x, type: http }", "  - { name: x, type: http }")).checks.length, 2);
});

test("loadConfig: the file's config, or `reading config file: <os error>`", () => {
  const dir = tempDir();
  const path = join(dir, "checks.yaml");
  writeFileSync(path, yaml("retries: 1", "checks: []"));
  assert.equal(loadConfig(path).retries, 1);
  const refused = (message: string) => (e: unknown) => e instanceof ConfigError && e.message === message;
  assert.throws(() => loadConfig(join(dir, "missing.yaml")), refused("reading config file: No such file or directory (os error 2)"));
  assert.throws(() => loadConfig(dir), refused("reading config file: Is a directory (os error 21)"));
});
