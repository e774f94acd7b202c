/**
 * The routing table of `http.serve` (builtins.md §1.3, README §0 item 11), also serving as
 * hono's router, so hono dispatches by exactly these rules:
 *
 * 1. an exact `(METHOD, path)` match, the path as received (still percent-encoded);
 * 2. a route with `:name` segments (`/users/:id`), whose values (URL-decoded) become
 *    `req.path_params`; of several that match, the one whose first differing segment is
 *    literal wins (`/users/me/:x` before `/users/:id/posts`);
 * 3. a wildcard key ending in `/*`, the most specific first: for `/a/b/c`, `/a/b/*`, then
 *    `/a/*`, then `/*` (`/api/*` does not match `/api`).
 *
 * A `*` anywhere else and a `:` inside a segment are literal. Keys are checked when the table
 * is built, so a mistake fails `http.serve` rather than a request.
 *
 * @example
 * ```ts
 * const table = new RouteTable<string>();
 * table.add("GET", "/users/:id", "user");
 * table.match("GET", "/users/42"); // { handler: "user", params: { id: "42" } }
 * ```
 */
import type { Result, Router } from "hono/router";

export interface RouteMatch<H> {
  handler: H;
  /** `:name` segment values as received (decode them with `decodeParams`). */
  params: Record<string, string>;
}

/** A route key that cannot be used; its message follows `http.serve: `. */
export class RouteError extends Error {}

interface Pattern<H> {
  key: string;
  /** Per segment: the literal text, or null for a `:name` segment. */
  literals: (string | null)[];
  names: (string | null)[];
  handler: H;
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export class RouteTable<H> {
  /** `METHOD path` to handler. */
  private exact = new Map<string, H>();
  /** `METHOD segment-count` to the patterns of that length, in precedence order. */
  private patterns = new Map<string, Pattern<H>[]>();
  /** `METHOD prefix` (the key without its `/*`) to handler. */
  private wildcards = new Map<string, H>();

  add(method: string, key: string, handler: H): void {
    if (!key.startsWith("/")) throw new RouteError(`route ${method} ${JSON.stringify(key)}: a path must start with "/"`);
    const taken = () => new RouteError(`route ${method} ${JSON.stringify(key)} is defined more than once`);
    const segments = key.split("/");
    const isParam = (s: string) => s.length > 1 && s.startsWith(":");
    if (key.endsWith("/*")) {
      const prefix = key.slice(0, -2);
      if (segments.some(isParam)) {
        throw new RouteError(`route ${method} ${JSON.stringify(key)}: a wildcard route cannot have :name segments`);
      }
      if (this.wildcards.has(`${method} ${prefix}`)) throw taken();
      this.wildcards.set(`${method} ${prefix}`, handler);
      return;
    }
    if (!segments.some(isParam)) {
      if (this.exact.has(`${method} ${key}`)) throw taken();
      this.exact.set(`${method} ${key}`, handler);
      return;
    }
    const names = segments.map((s) => (isParam(s) ? s.slice(1) : null));
    const seen = new Set<string>();
    for (const name of names) {
      if (name === null) continue;
      if (seen.has(name)) throw new RouteError(`route ${method} ${JSON.stringify(key)}: parameter :${name} appears twice`);
      seen.add(name);
    }
    const pattern: Pattern<H> = { key, literals: segments.map((s, i) => (names[i] === null ? s : null)), names, handler };
    const bucket = `${method} ${segments.length}`;
    const list = this.patterns.get(bucket) ?? [];
    const clash = list.find((p) => p.literals.every((l, i) => l === pattern.literals[i]));
    if (clash) {
      throw new RouteError(`route ${method} ${JSON.stringify(key)} matches the same paths as ${JSON.stringify(clash.key)}`);
    }
    list.push(pattern);
    list.sort(byPrecedence);
    this.patterns.set(bucket, list);
  }

  /** The handler for a request, or undefined (a 404). `path` excludes the query string. */
  match(method: string, path: string): RouteMatch<H> | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact !== undefined) return { handler: exact, params: NO_PARAMS };
    if (this.patterns.size) {
      const segments = path.split("/");
      const list = this.patterns.get(`${method} ${segments.length}`);
      if (list) {
        for (const pattern of list) {
          const params = matchPattern(pattern, segments);
          if (params) return { handler: pattern.handler, params };
        }
      }
    }
    if (this.wildcards.size) {
      for (let i = path.lastIndexOf("/"); i >= 0; i = i === 0 ? -1 : path.lastIndexOf("/", i - 1)) {
        const handler = this.wildcards.get(`${method} ${path.slice(0, i)}`);
        if (handler !== undefined) return { handler, params: NO_PARAMS };
      }
    }
    return undefined;
  }
}

/** Literal segments first, compared left to right: the more literal route is the more specific. */
function byPrecedence<H>(a: Pattern<H>, b: Pattern<H>): number {
  for (let i = 0; i < a.literals.length; i++) {
    const la = a.literals[i] !== null, lb = b.literals[i] !== null;
    if (la !== lb) return la ? -1 : 1;
  }
  return 0;
}

function matchPattern<H>(pattern: Pattern<H>, segments: string[]): Record<string, string> | undefined {
  for (let i = 0; i < segments.length; i++) {
    const literal = pattern.literals[i];
    if (literal === null ? segments[i] === "" : literal !== segments[i]) return undefined;
  }
  const params: Record<string, string> = {};
  pattern.names.forEach((name, i) => {
    if (name !== null) params[name] = segments[i];
  });
  return params;
}

/**
 * Path parameter values with %XX decoded, as hono's `c.req.param()` decodes them: where the
 * whole value is not valid UTF-8, each run of escapes that is stays decoded, the rest literal.
 */
export function decodeParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) out[name] = decodeSegment(value);
  return out;
}

function decodeSegment(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * A built table as hono's router: hono asks it for the handler of each request, and
 * `c.req.param()` reads (and decodes) the parameters of its match. Routes are added to the
 * table, which checks them, rather than through hono's `app.on`, which would quietly rewrite a
 * key such as `x` into `/x`.
 */
export class SpecRouter<H, T> implements Router<T> {
  readonly name = "assay-spec-router";

  /** `entry` makes hono's handler entry for a route's handler (once per route). */
  constructor(private table: RouteTable<H>, private entry: (handler: H) => T) {}

  add(): void {
    throw new Error("routes are added to the route table, not through hono");
  }

  match(method: string, path: string): Result<T> {
    const found = this.table.match(method, path);
    return found ? [[[this.entry(found.handler), found.params]]] : [[]];
  }
}
