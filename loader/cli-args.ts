/**
 * Command-line parsing (cli.md and README item 15). Flags count only before the script
 * path or the subcommand's file; everything after it belongs to the script's `arg`.
 */
import type { Capability } from "./plugin.ts";
import { type Grant, PROFILES, type ProfileName } from "./sandbox/policy.ts";

export type Command =
  | { kind: "help"; exitCode: 0 | 1 }
  | { kind: "version" }
  | { kind: "script"; file: string; args: string[]; anyExtension?: boolean }
  | { kind: "eval"; code: string; args: string[] }
  | { kind: "context"; query: string; limit: number }
  | { kind: "modules" };

export interface GlobalOptions {
  verbose: boolean;
  profile: ProfileName;
  allow: Partial<Record<Capability, Grant>>;
  deny: Partial<Record<Capability, Grant>>;
  memoryLimit?: number;
  timeout?: number;
  logFormat: "text" | "json";
}

export interface Parsed {
  options: GlobalOptions;
  command: Command;
}

/** A command-line mistake: printed as `assay: <message>`, exit code 2. */
export class UsageError extends Error {}

const CAPS: Capability[] = ["net", "read", "write", "env", "run", "listen"];

/** Parses `--memory-limit` values: bytes, or a number with a K, M or G suffix. */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid --memory-limit ${JSON.stringify(text)}: expected bytes or a K/M/G suffix`);
  const unit = (m[2] ?? "").toUpperCase()[0];
  const scale = unit === "K" ? 1024 : unit === "M" ? 1024 ** 2 : unit === "G" ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(m[1]) * scale);
  if (bytes <= 0) throw new UsageError(`invalid --memory-limit ${JSON.stringify(text)}: must be positive`);
  return bytes;
}

function splitList(value: string | undefined): Grant {
  if (value === undefined || value === "") return true;
  return value.split(",").map((v) => v.trim()).filter(Boolean);
}

/** Parses the command line (without the executable and the entry script). */
export function parseArgs(argv: string[]): Parsed {
  const options: GlobalOptions = { verbose: false, profile: "full", allow: {}, deny: {}, logFormat: "text" };
  let i = 0;
  const value = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[++i];
    if (next === undefined) throw new UsageError(`${flag} needs a value`);
    return next;
  };

  // Global flags, until the first positional word.
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-") || a === "-") break;
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    if (flag === "-h" || flag === "--help") return { options, command: { kind: "help", exitCode: 0 } };
    if (flag === "-V" || flag === "--version") return { options, command: { kind: "version" } };
    if (flag === "-v" || flag === "--verbose") {
      options.verbose = true;
    } else if (flag === "--sandbox") {
      const p = value(flag, inline);
      if (!PROFILES.includes(p as ProfileName)) {
        throw new UsageError(`unknown sandbox profile ${JSON.stringify(p)} (expected ${PROFILES.join(", ")})`);
      }
      options.profile = p as ProfileName;
    } else if (flag === "--memory-limit") {
      options.memoryLimit = parseBytes(value(flag, inline));
    } else if (flag === "--timeout") {
      const t = Number(value(flag, inline));
      if (!(t > 0)) throw new UsageError(`invalid --timeout ${JSON.stringify(inline ?? argv[i])}: expected seconds > 0`);
      options.timeout = t;
    } else if (flag === "--log-format") {
      const f = value(flag, inline);
      if (f !== "text" && f !== "json") throw new UsageError(`invalid --log-format ${JSON.stringify(f)} (expected text or json)`);
      options.logFormat = f;
    } else {
      const m = /^--(allow|deny)-([a-z]+)$/.exec(flag);
      if (!m || !CAPS.includes(m[2] as Capability)) throw new UsageError(`unknown flag ${flag}`);
      const bucket = m[1] === "allow" ? options.allow : options.deny;
      const cap = m[2] as Capability;
      const grant = splitList(inline);
      const prev = bucket[cap];
      bucket[cap] = prev === true || grant === true ? true : [...(prev ?? []), ...grant];
    }
  }

  const word = argv[i];
  if (word === undefined) return { options, command: { kind: "help", exitCode: 1 } };
  const rest = argv.slice(i + 1);
  switch (word) {
    case "run":
      return { options, command: parseRun(rest) };
    case "exec":
      return { options, command: parseExec(rest) };
    case "context":
      return { options, command: parseContext(rest) };
    case "modules":
      if (rest.length && rest[0] !== "--help") throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} for modules`);
      return { options, command: rest.length ? { kind: "help", exitCode: 0 } : { kind: "modules" } };
    default:
      return { options, command: { kind: "script", file: word, args: rest } };
  }
}

function parseRun(rest: string[]): Command {
  const file = rest[0];
  if (file === undefined) throw new UsageError("run requires a file");
  if (file === "-h" || file === "--help") return { kind: "help", exitCode: 0 };
  const args = rest.slice(1);
  return { kind: "script", file, args: args[0] === "--" ? args.slice(1) : args };
}

function parseExec(rest: string[]): Command {
  const first = rest[0];
  if (first === "-h" || first === "--help") return { kind: "help", exitCode: 0 };
  if (first === "-e" || first === "--eval") {
    const code = rest[1];
    if (code === undefined) throw new UsageError(`${first} needs a value`);
    const args = rest.slice(2);
    return { kind: "eval", code, args: args[0] === "--" ? args.slice(1) : args };
  }
  if (first?.startsWith("--eval=")) return { kind: "eval", code: first.slice(7), args: rest.slice(1) };
  if (first === undefined) throw new ExecWithoutCode();
  const args = rest.slice(1);
  return { kind: "script", file: first, args: args[0] === "--" ? args.slice(1) : args, anyExtension: true };
}

/** `exec` with neither code nor file: cli.md wants exit 1 for it, not a usage error. */
export class ExecWithoutCode extends Error {
  constructor() {
    super("exec requires either -e <code> or a file path");
  }
}

function parseContext(rest: string[]): Command {
  let limit = 5;
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "-l" || a === "--limit") {
      limit = Number(rest[++i]);
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`invalid ${a} value`);
    } else if (a === "-h" || a === "--help") {
      return { kind: "help", exitCode: 0 };
    } else words.push(a);
  }
  if (!words.length) throw new UsageError("context requires a query");
  return { kind: "context", query: words.join(" "), limit };
}
