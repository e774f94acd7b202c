/**
 * Reads and validates a check config (checks.md §1 plus assay's own keys: `max_parallel`,
 * per-check `retries`/`backoff`/`timeout`, `needs`, and the http `method`, `headers`, `body`
 * and `expect` extras). Every problem is a ConfigError whose message is the detail chain the
 * CLI prints after `assay: loading config from <path>: `, naming the check (index and name)
 * and the key path, with the line and column where the YAML has them:
 *
 *   parsing YAML config: checks[1] ("api").expect.status (line 9, column 15): expected an integer from 0 to 65535, got a string "ok"
 *
 * Keys the config does not know are ignored, as the reference ignores them. The checks that
 * a missing `url`, `query` or `file` only fails when it runs, as the spec says.
 *
 * @example
 * ```ts
 * const config = parseConfig("checks:\n  - name: up\n    type: http\n    url: http://127.0.0.1:8080/\n");
 * config.checks[0].retries // 3
 * ```
 */
import { readFileSync } from "node:fs";
import type { Document, LineCounter } from "yaml";
import { lazy } from "../lazy.ts";
import { osErrorText } from "../os-error.ts";
import { parseDuration } from "./duration.ts";
import { compile } from "../regex/engine.ts";
import { dependencies, orderChecks } from "./plan.ts";
import type { CheckConfig, CheckSpec, Expect } from "./types.ts";

const yamlLib = lazy(() => require("yaml") as typeof import("yaml"));
const re2js = lazy(() => require("re2js") as typeof import("re2js"));

/** A config the run refuses; `message` is the detail chain. */
export class ConfigError extends Error {}

const TYPES = ["http", "prometheus", "script"] as const;
/** RFC 9110's token: what fetch accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DEFAULTS = { timeout: 120_000, retries: 3, backoff: 5_000, max_parallel: 8 };

/** Reads `path` and parses it; a read failure is a ConfigError too. */
export function loadConfig(path: string): CheckConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`reading config file: ${osErrorText(e)}`);
  }
  return parseConfig(text);
}

/** Parses and validates the YAML text of a check config. */
export function parseConfig(text: string): CheckConfig {
  const { parseDocument, LineCounter } = yamlLib.get();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax?.code === "MULTIPLE_DOCS") {
    const { line } = lines.linePos(syntax.pos[0]);
    throw new ConfigError(`parsing YAML config: a check config is one YAML document, but another begins at line ${line}`);
  }
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    const where = ` at line ${line}, column ${col}`;
    throw new ConfigError(`parsing YAML config: ${syntax.message.split("\n")[0]}${where}`);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ConfigError(`parsing YAML config: ${(e as Error).message}`);
  }
  return new Reader(doc, lines).config(root);
}

/** A value's kind as messages name it: `a string "x"`, `a number 1.5`, `a list`... */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `a string ${JSON.stringify(v)}`;
  return `a ${typeof v} ${String(v)}`;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Walks the parsed value, knowing the YAML node of each path for positions in messages. */
class Reader {
  constructor(private doc: Document, private lines: LineCounter) {}

  /** `checks[1] ("api").expect.status (line 9, column 15)`: a path as messages show it. */
  private where(path: (string | number)[], name?: string): string {
    let text = "";
    for (const [i, key] of path.entries()) {
      if (typeof key === "number") text += `[${key}]`;
      else text += (i ? "." : "") + key;
      if (i === 1 && path[0] === "checks" && name !== undefined) text += ` (${JSON.stringify(name)})`;
    }
    const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = this.lines.linePos(node.range[0]);
      text += ` (line ${line}, column ${col})`;
    }
    return text;
  }

  private fail(path: (string | number)[], why: string, name?: string): never {
    throw new ConfigError(`parsing YAML config: ${this.where(path, name)}: ${why}`);
  }

  config(root: unknown): CheckConfig {
    if (root === null || root === undefined) throw new ConfigError("parsing YAML config: missing field 'checks'");
    if (!isMap(root)) throw new ConfigError(`parsing YAML config: expected a mapping at the top level, got ${kindOf(root)}`);
    const duration = (key: string, fallback: number): number => {
      if (root[key] === undefined) return fallback;
      try {
        return parseDuration(root[key]);
      } catch (e) {
        throw new ConfigError(`parsing ${this.where([key])}: ${(e as Error).message}`);
      }
    };
    const timeout = duration("timeout", DEFAULTS.timeout);
    const backoff = duration("backoff", DEFAULTS.backoff);
    const retries = this.count(root.retries, ["retries"], DEFAULTS.retries);
    const parallel = this.bool(root.parallel, ["parallel"], false);
    const maxParallel = this.count(root.max_parallel, ["max_parallel"], DEFAULTS.max_parallel, 1);
    if (root.checks === undefined) throw new ConfigError("parsing YAML config: missing field 'checks'");
    // An empty `checks:` is null in YAML: the same as an empty list, which passes.
    const list = root.checks === null ? [] : root.checks;
    if (!Array.isArray(list)) this.fail(["checks"], `expected a list of checks, got ${kindOf(list)}`);
    const checks = list.map((c, i) => this.check(c, i, { retries, backoff }));
    const order = orderChecks(checks, (index, why) => this.fail(["checks", index, "needs"], why, checks[index].name));
    return { timeout, retries, backoff, parallel, max_parallel: maxParallel, checks, order, dependencies: dependencies(checks) };
  }

  private check(raw: unknown, index: number, run: { retries: number; backoff: number }): CheckSpec {
    const at = (...keys: (string | number)[]) => ["checks", index, ...keys];
    if (!isMap(raw)) this.fail(at(), `expected a mapping, got ${kindOf(raw)}`);
    if (raw.name === undefined) this.fail(at(), "missing field 'name'");
    const name = this.string(raw.name, at("name"));
    const fail = (keys: (string | number)[], why: string): never => this.fail(at(...keys), why, name);
    if (raw.type === undefined) fail([], "missing field 'type'");
    const type = this.string(raw.type, at("type"), name);
    if (!(TYPES as readonly string[]).includes(type)) fail(["type"], `unknown check type: ${JSON.stringify(type)}`);
    // An optional key set to null (`url:` with nothing after it) is absent, as serde reads a
    // null into the reference's Option fields: `url:` fails when the check runs (§5).
    const optString = (key: string) => raw[key] == null ? undefined : this.string(raw[key], at(key), name);
    const optDuration = (key: string): number | undefined => {
      if (raw[key] === undefined) return undefined;
      try {
        return parseDuration(raw[key]);
      } catch (e) {
        return fail([key], (e as Error).message);
      }
    };
    const method = (optString("method") ?? "GET").toUpperCase();
    if (!/^[A-Z][A-Z0-9_-]*$/.test(method)) fail(["method"], `not an HTTP method: ${JSON.stringify(raw.method)}`);
    const body = optString("body");
    if (body !== undefined && (method === "GET" || method === "HEAD")) {
      fail(["body"], `a ${method} request cannot have a body (set method: POST, PUT or PATCH)`);
    }
    const headers = this.stringMap(raw.headers, at("headers"), name);
    for (const header of Object.keys(headers)) {
      if (!HEADER_NAME.test(header)) fail(["headers", header], `not a valid HTTP header name: ${JSON.stringify(header)}`);
    }
    const timeout = optDuration("timeout");
    if (timeout === 0) fail(["timeout"], "a check's timeout must be more than 0");
    return {
      index,
      name,
      type: type as CheckSpec["type"],
      url: optString("url"),
      // A null `expect:` is no expect at all (2xx required), not an empty one (any status).
      expect: raw.expect == null ? undefined : this.expect(raw.expect, at("expect"), name),
      follow_redirects: this.bool(raw.follow_redirects, at("follow_redirects"), true, name),
      query: optString("query"),
      file: optString("file"),
      env: this.stringMap(raw.env, at("env"), name),
      method,
      headers,
      body,
      retries: this.count(raw.retries, at("retries"), run.retries, 0, name),
      backoff: optDuration("backoff") ?? run.backoff,
      timeout,
      needs: this.needs(raw.needs, at("needs"), name),
    };
  }

  private expect(given: unknown, path: (string | number)[], name: string): Expect {
    if (!isMap(given)) this.fail(path, `expected a mapping, got ${kindOf(given)}`, name);
    // `status: ~` is no status, as for the optional keys of a check.
    const raw = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
    const out: Expect = {};
    const key = (k: string) => [...path, k];
    if (raw.status !== undefined) {
      const s = raw.status;
      if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 65535) {
        this.fail(key("status"), `expected an integer from 0 to 65535, got ${kindOf(s)}`, name);
      }
      out.status = s;
    }
    for (const k of ["body", "json"] as const) if (raw[k] !== undefined) out[k] = this.string(raw[k], key(k), name);
    for (const k of ["min", "max"] as const) {
      if (raw[k] === undefined) continue;
      if (typeof raw[k] !== "number") this.fail(key(k), `expected a number, got ${kindOf(raw[k])}`, name);
      out[k] = raw[k] as number;
    }
    if (raw.headers !== undefined) out.headers = this.stringMap(raw.headers, key("headers"), name);
    if (raw.body_matches !== undefined) {
      const pattern = this.string(raw.body_matches, key("body_matches"), name);
      try {
        compile(re2js.get(), pattern);
      } catch (e) {
        this.fail(key("body_matches"), `invalid regular expression: ${(e as Error).message}`, name);
      }
      out.body_matches = pattern;
    }
    if (raw.max_latency_ms !== undefined) out.max_latency_ms = this.count(raw.max_latency_ms, key("max_latency_ms"), 0, 0, name);
    return out;
  }

  private string(v: unknown, path: (string | number)[], name?: string): string {
    if (typeof v !== "string") this.fail(path, `expected a string, got ${kindOf(v)}`, name);
    return v;
  }

  private bool(v: unknown, path: (string | number)[], fallback: boolean, name?: string): boolean {
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") this.fail(path, `expected true or false, got ${kindOf(v)}`, name);
    return v;
  }

  /** A whole number of at least `min`. */
  private count(v: unknown, path: (string | number)[], fallback: number, min = 0, name?: string): number {
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      this.fail(path, `expected ${min ? "a positive" : "a non-negative"} integer, got ${kindOf(v)}`, name);
    }
    return v;
  }

  /**
   * A mapping of names to text; numbers and booleans are taken as written (`PORT: 8080`), so
   * `VERSION: 1.10` stays "1.10" as in the reference, which reads any plain scalar as a string.
   */
  private stringMap(v: unknown, path: (string | number)[], name: string): Record<string, string> {
    if (v === undefined || v === null) return {};
    if (!isMap(v)) this.fail(path, `expected a mapping of names to strings, got ${kindOf(v)}`, name);
    const out: Record<string, string> = {};
    for (const [k, value] of Object.entries(v)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        this.fail([...path, k], `expected a string, got ${kindOf(value)}`, name);
      }
      const node = this.doc.getIn([...path, k], true) as { source?: unknown } | undefined;
      out[k] = typeof value === "string" ? value : typeof node?.source === "string" ? node.source : String(value);
    }
    return out;
  }

  private needs(v: unknown, path: (string | number)[], name: string): string[] {
    if (v === undefined || v === null) return [];
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list)) this.fail(path, `expected a list of check names, got ${kindOf(v)}`, name);
    return list.map((n, i) => this.string(n, [...path, i], name));
  }
}
