/**
 * The sandbox policy every I/O call asks before acting. A profile gives the base grants; the
 * `--allow-*`/`--deny-*` flags widen or narrow them (a deny always wins). Paths are compared
 * after resolving symlinks, and a write target that does not exist yet is judged by its
 * nearest existing parent.
 */
import { realpathSync, statSync } from "node:fs";
import { delimiter, join, sep } from "node:path";
import { LuaError } from "../lua-api.ts";
import { canonicalPath } from "./paths.ts";

export { canonicalPath };

/** What a builtin may touch outside the VM; `--allow-*`/`--deny-*` flags use the same names. */
export type Capability = "net" | "listen" | "read" | "write" | "env" | "run" | "timer";

export type ProfileName = "full" | "restricted" | "pure";
export const PROFILES: ProfileName[] = ["full", "restricted", "pure"];

/** `true` grants every target; a list grants those targets. */
export type Grant = true | string[];
/** Grants per capability; `env-write` is the write half of `env` (`env.set`). */
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

/**
 * Characters that make `sh -c` do more than run one command: the spec's `;|&$<>` and
 * backquote, plus newline, which separates commands exactly like `;`.
 */
const SHELL_META = /[;|&$<>`\n]/;

/** Whether `path` is `root` or below it (both canonical). */
export function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Host name without port or IPv6 brackets, lower-cased. */
function hostOf(target: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(target);
  if (bracketed) return bracketed[1].toLowerCase();
  // A bare IPv6 address has several colons and no port.
  if ((target.match(/:/g) ?? []).length > 1) return target.toLowerCase();
  return target.replace(/:\d+$/, "").toLowerCase();
}

/** The first word of a command line, as `sh` would run it (`true; ls` runs `true` first). */
export function commandWord(command: string): string {
  return command.trim().split(/[\s;|&$<>`]+/)[0] ?? "";
}

/** Every word-like token of a command line (for deny lists, which must not be dodged). */
function commandTokens(command: string): string[] {
  return command.split(/[\s;|&$<>`()'"{}\\]+/).filter(Boolean);
}

/** Canonical path of an executable: as given when it has a slash, else found on PATH. */
function executable(word: string): string | null {
  if (word.includes("/")) return canonicalPath(word);
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, word);
    try {
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Whether a `run` grant entry names the same program as `word`. */
function sameProgram(entry: string, word: string): boolean {
  if (entry === word) return true;
  // `--allow-run=ls` also admits `/usr/bin/ls` (and the other way round) when both are the
  // same file, but never some other `./ls`.
  if (!entry.includes("/") && !word.includes("/")) return false;
  if (word === "") return false;
  const a = executable(entry);
  return a !== null && a === executable(word);
}

function matches(cap: Capability | "env-write", target: string, entry: string): boolean {
  switch (cap) {
    case "read":
    case "write":
      return within(canonicalPath(target), canonicalPath(entry));
    case "net":
    case "listen": {
      if (entry.toLowerCase() === target.toLowerCase()) return true;
      // An entry without a port admits every port of that host; `--allow-listen=8080` names a port.
      if (cap === "listen" && /^\d+$/.test(entry)) return target.replace(/^.*:/, "") === entry;
      const hasPort = /^\[.*\]:\d+$/.test(entry) || /^[^:]*:\d+$/.test(entry);
      return !hasPort && hostOf(entry) === hostOf(target);
    }
    case "env":
    case "env-write":
      return entry.endsWith("*") ? target.startsWith(entry.slice(0, -1)) : entry === target;
    case "run":
      return sameProgram(entry, commandWord(target));
    default:
      return entry === target;
  }
}

function granted(grant: Grant | undefined, cap: Capability | "env-write", target: string): string | null {
  if (grant === undefined) return null;
  if (grant === true) return "*";
  return grant.find((e) => matches(cap, target, e)) ?? null;
}

/** The deny entry a command hits: its program, any word in it, or `sh` when it needs a shell. */
function deniedCommand(grant: Grant | undefined, command: string): string | null {
  if (grant === undefined) return null;
  if (grant === true) return "*";
  const direct = granted(grant, "run", command);
  if (direct !== null) return direct;
  const tokens = commandTokens(command);
  const hit = grant.find((e) => tokens.some((t) => sameProgram(e, t)));
  if (hit !== undefined) return hit;
  if (SHELL_META.test(command)) return grant.find((e) => sameProgram(e, "sh")) ?? null;
  return null;
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
  hasAny(cap: Capability | "env-write"): boolean {
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

  /**
   * Whether `cap` is granted for every target with no deny list: then no target can be
   * refused, and callers skip the per-target work of asking (resolving paths, for one).
   */
  unrestricted(cap: Capability | "env-write"): boolean {
    const deny = this.deny[cap];
    return this.allow[cap] === true && (deny === undefined || (deny !== true && deny.length === 0));
  }

  /** Why `target` is refused (the message after `<fn>: `), or null when it is allowed. */
  denial(cap: Capability | "env-write", target: string): string | null {
    const why = this.refusal(cap, target);
    if (why === null) return null;
    const grant = why.grant === undefined ? "" : ` (grant with ${why.grant})`;
    return `${why.what} access to ${JSON.stringify(target)} denied by ${why.by}${grant}`;
  }

  /** The parts of a denial, for callers that word it their own way (require's miss list). */
  refusal(cap: Capability | "env-write", target: string): Refusal | null {
    const flag = cap === "env-write" ? "env" : cap;
    const what = cap === "env-write" ? "env write" : cap;
    const denied = cap === "run" ? deniedCommand(this.deny.run, target) : granted(this.deny[cap], cap, target);
    if (denied !== null) return { what, by: `--deny-${flag}${denied === "*" ? "" : "=" + denied}`, byProfile: false };
    const byProfile = { what, by: `sandbox profile "${this.profile}"`, byProfile: true };
    const entry = granted(this.allow[cap], cap, target);
    if (cap !== "run") return entry !== null ? null : { ...byProfile, grant: `--allow-${flag}=${target}` };
    // A command line with shell metacharacters runs more than its first word: it needs `sh` too.
    const needsShell = entry !== "*" && SHELL_META.test(target) && granted(this.allow.run, "run", "sh") === null;
    if (entry !== null && !needsShell) return null;
    const missing = [...(entry === null ? [commandWord(target)] : []), ...(needsShell ? ["sh"] : [])];
    return { ...byProfile, grant: `--allow-run=${missing.join(",")}` };
  }
}

/** Why a policy refuses a target. */
export interface Refusal {
  /** The access refused: `read`, `env write`, ... */
  what: string;
  /** What refused it: `sandbox profile "restricted"` or `--deny-read=/srv`. */
  by: string;
  /** Whether the profile refused (a flag can grant it) rather than a `--deny-*` flag. */
  byProfile: boolean;
  /** The flag that would grant it, when the profile refused: `--allow-read=/etc/passwd`. */
  grant?: string;
}

function merge(base: Grant | undefined, extra: Grant): Grant {
  if (base === true || extra === true) return true;
  return [...(base ?? []), ...extra];
}
