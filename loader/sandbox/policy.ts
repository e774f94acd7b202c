/**
 * The sandbox policy every I/O call asks before acting. A profile gives the base grants; the
 * `--allow-*`/`--deny-*` flags widen or narrow them (a deny always wins). Paths are compared
 * after resolving symlinks, and a write target that does not exist yet is judged by its
 * nearest existing parent.
 */
import { realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LuaError } from "../lua-api.ts";
import type { Capability } from "../plugin.ts";

export type ProfileName = "full" | "restricted" | "pure";
export const PROFILES: ProfileName[] = ["full", "restricted", "pure"];

/** `true` grants every target; a list grants those targets. */
export type Grant = true | string[];
export type Grants = Partial<Record<Capability | "env-write", Grant>>;

/** What each profile grants before any flag. */
export const PROFILE_GRANTS: Record<ProfileName, Grants> = {
  full: { net: true, listen: true, read: true, write: true, env: true, "env-write": true, run: true, timer: true },
  restricted: { net: true, env: true, timer: true },
  pure: {},
};

export interface PolicyOptions {
  profile: ProfileName;
  allow?: Partial<Record<Capability, Grant>>;
  deny?: Partial<Record<Capability, Grant>>;
}

const SHELL_META = /[;|&$<>`]/;

/** Resolves symlinks of a path, or of its nearest existing parent for paths not yet there. */
export function canonicalPath(path: string): string {
  let p = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync(p);
      return rest.length ? resolve(real, ...rest.reverse()) : real;
    } catch {
      const parent = dirname(p);
      if (parent === p) return resolve(path);
      rest.push(p.slice(parent.length).replace(/^\//, ""));
      p = parent;
    }
  }
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}

function matches(cap: Capability | "env-write", target: string, entry: string): boolean {
  switch (cap) {
    case "read":
    case "write":
      return within(canonicalPath(target), canonicalPath(entry));
    case "net": {
      if (entry === target) return true;
      const host = target.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
      return entry === host || entry.replace(/^\[(.*)\]$/, "$1") === host;
    }
    case "env":
    case "env-write":
      return entry.endsWith("*") ? target.startsWith(entry.slice(0, -1)) : entry === target;
    case "run": {
      const first = target.trim().split(/\s+/)[0] ?? "";
      return entry === first || entry === first.split("/").pop();
    }
    default:
      return entry === target;
  }
}

function granted(grant: Grant | undefined, cap: Capability | "env-write", target: string): string | null {
  if (grant === undefined) return null;
  if (grant === true) return "*";
  return grant.find((e) => matches(cap, target, e)) ?? null;
}

/** The policy of one run. */
export class Policy {
  readonly profile: ProfileName;
  private allow: Grants;
  private deny: Grants;

  constructor(options: PolicyOptions) {
    this.profile = options.profile;
    this.allow = { ...PROFILE_GRANTS[options.profile] };
    for (const [cap, grant] of Object.entries(options.allow ?? {}) as [Capability, Grant][]) {
      this.allow[cap] = merge(this.allow[cap], grant);
      // --allow-env grants writing the named variables too.
      if (cap === "env") this.allow["env-write"] = merge(this.allow["env-write"], grant);
    }
    this.deny = { ...options.deny };
    if (this.deny.env) this.deny["env-write"] = this.deny.env;
  }

  /** Whether a flag explicitly granted this capability (installs builtins that need it). */
  flagGrants(cap: Capability): boolean {
    const base = PROFILE_GRANTS[this.profile][cap];
    return this.allow[cap] !== undefined && this.allow[cap] !== base;
  }

  /** Whether the capability is granted for at least some target. */
  hasAny(cap: Capability): boolean {
    return this.allow[cap] !== undefined && this.deny[cap] !== true;
  }

  /** Whether `target` may be accessed with `cap`. */
  allows(cap: Capability | "env-write", target: string): boolean {
    return this.denial(cap, target) === null;
  }

  /**
   * Raises a Lua error naming the capability and the flag that would grant it, unless
   * allowed. `fn` is the Lua-visible function name, e.g. `fs.read` or `io.open`.
   */
  check(fn: string, cap: Capability | "env-write", target: string): void {
    const why = this.denial(cap, target);
    if (why !== null) throw new LuaError(`${fn}: ${why}`);
  }

  private denial(cap: Capability | "env-write", target: string): string | null {
    const flag = cap === "env-write" ? "env" : cap;
    const what = cap === "env-write" ? "env write" : cap;
    const denied = granted(this.deny[cap], cap, target);
    if (denied !== null) {
      return `${what} access to ${JSON.stringify(target)} denied by --deny-${flag}${denied === "*" ? "" : "=" + denied}`;
    }
    const entry = granted(this.allow[cap], cap, target);
    const shellOk = cap !== "run" || entry === "*" || !SHELL_META.test(target) ||
      granted(this.allow.run, "run", "sh") !== null;
    if (entry !== null && shellOk) return null;
    const grantTarget = cap === "run" ? (entry !== null ? "sh" : target.trim().split(/\s+/)[0]) : target;
    return `${what} access to ${JSON.stringify(target)} denied by sandbox profile "${this.profile}" ` +
      `(grant with --allow-${flag}=${grantTarget})`;
  }
}

function merge(base: Grant | undefined, extra: Grant): Grant {
  if (base === true || extra === true) return true;
  return [...(base ?? []), ...extra];
}
