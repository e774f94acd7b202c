/**
 * Command-line parsing (cli.md and README item 15). Flags count only before the script
 * path or the subcommand's file; everything after it belongs to the script's `arg`.
 */
import type { Capability } from "./plugin.ts";
import { type Grant, PROFILES, type ProfileName } from "./sandbox/policy.ts";
import { isReportFormat, REPORT_FORMATS, type ReportFormat } from "./checks/formats.ts";
import { parseDuration } from "./checks/duration.ts";
import { TEST_FORMATS, type TestFormat } from "./testing/formats.ts";

export type Command =
  | { kind: "help"; exitCode: 0 | 1 }
  /** No script: the REPL on a terminal, else the help with exit code 1 (main.ts decides). */
  | { kind: "repl" }
  | { kind: "version" }
  | { kind: "script"; file: string; args: string[]; anyExtension?: boolean }
  | { kind: "eval"; code: string; args: string[] }
  | { kind: "context"; query: string; limit: number }
  | { kind: "modules"; json: boolean }
  | { kind: "types"; dir?: string }
  | { kind: "serve-checks"; file: string; port: number; host: string; cacheMs: number }
  | { kind: "test"; paths: string[]; filter?: string; format: TestFormat };

export interface GlobalOptions {
  verbose: boolean;
  profile: ProfileName;
  allow: Partial<Record<Capability, Grant>>;
  deny: Partial<Record<Capability, Grant>>;
  memoryLimit?: number;
  timeout?: number;
  logFormat: "text" | "json";
  /** The report format (`--format`); unset: check mode's json, `assay test`'s text. */
  format?: ReportFormat;
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

/** A flag's list value; no `=` at all grants everything, an empty list is a mistake. */
function splitList(flag: string, value: string | undefined): Grant {
  if (value === undefined) return true;
  const list = value.split(",").map((v) => v.trim()).filter(Boolean);
  if (!list.length) throw new UsageError(`${flag}= needs at least one entry (or no = to grant everything)`);
  return list;
}

/** Parses the command line (without the executable and the entry script). */
export function parseArgs(argv: string[]): Parsed {
  const options: GlobalOptions = { verbose: false, profile: "full", allow: {}, deny: {}, logFormat: "text" };
  const flags = parseFlags(argv, 0, options, isEval);
  if (flags.command) return { options, command: flags.command };
  const i = flags.next;
  const word = argv[i];
  if (word === undefined) return { options, command: { kind: "repl" } };
  const rest = argv.slice(i + 1);
  if (flags.endOfFlags) return { options, command: { kind: "script", file: word, args: rest } };
  // `assay -e CODE [args]`: the short form of `assay exec -e CODE [args]`.
  if (isEval(word)) return { options, command: parseExec(argv.slice(i), options) };
  switch (word) {
    case "run":
      return { options, command: parseRun(rest, options) };
    case "exec":
      return { options, command: parseExec(rest, options) };
    case "context":
      return { options, command: parseContext(rest, options) };
    case "serve-checks":
      return { options, command: parseServeChecks(rest, options) };
    case "test":
      return { options, command: parseTest(rest, options) };
    case "modules":
      return { options, command: parseModules(rest, options) };
    case "types":
      return { options, command: parseTypes(rest, options) };
    default:
      return { options, command: { kind: "script", file: word, args: rest } };
  }
}

interface FlagsResult {
  /** Index of the first word that is not a flag. */
  next: number;
  /** Set when a flag answers on its own (`--help`, `--version`). */
  command?: Command;
  /** A `--` ended the flags: the next word is the script, whatever it looks like. */
  endOfFlags?: boolean;
}

/**
 * Reads global flags from `argv[i]` on, until the first word that is not a flag. The same
 * flags are accepted before a subcommand and between `run`/`exec` and their file.
 */
function parseFlags(argv: string[], i: number, options: GlobalOptions, stop = (_a: string) => false): FlagsResult {
  const value = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[++i];
    if (next === undefined) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return { next: i + 1, endOfFlags: true };
    if (!a.startsWith("-") || a === "-" || stop(a)) break;
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    if (flag === "-h" || flag === "--help") return { next: i, command: { kind: "help", exitCode: 0 } };
    if (flag === "-V" || flag === "--version") return { next: i, command: { kind: "version" } };
    if (flag === "-v" || flag === "--verbose") {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
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
      options.timeout = parseSeconds(value(flag, inline));
    } else if (flag === "--log-format") {
      const f = value(flag, inline);
      if (f !== "text" && f !== "json") throw new UsageError(`invalid --log-format ${JSON.stringify(f)} (expected text or json)`);
      options.logFormat = f;
    } else if (flag === "--format") {
      const f = value(flag, inline);
      if (!isReportFormat(f)) {
        throw new UsageError(`invalid --format ${JSON.stringify(f)} (expected ${REPORT_FORMATS.join(", ")})`);
      }
      options.format = f;
    } else {
      const m = /^--(allow|deny)-([a-z]+)$/.exec(flag);
      if (!m || !CAPS.includes(m[2] as Capability)) throw new UsageError(`unknown flag ${flag}`);
      const bucket = m[1] === "allow" ? options.allow : options.deny;
      const cap = m[2] as Capability;
      const grant = splitList(flag, inline);
      const prev = bucket[cap];
      bucket[cap] = prev === true || grant === true ? true : [...(prev ?? []), ...grant];
    }
  }
  return { next: i };
}

/** Parses `--timeout` values: seconds, fractions allowed, more than zero. */
export function parseSeconds(text: string): number {
  const t = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(t > 0)) throw new UsageError(`invalid --timeout ${JSON.stringify(text)}: expected seconds > 0`);
  return t;
}

function parseRun(rest: string[], options: GlobalOptions): Command {
  const flags = parseFlags(rest, 0, options);
  if (flags.command) return flags.command;
  const file = rest[flags.next];
  if (file === undefined) throw new UsageError("run requires a file");
  const args = rest.slice(flags.next + 1);
  return { kind: "script", file, args: args[0] === "--" ? args.slice(1) : args };
}

/** `-e`/`--eval` look like flags: global flags are read up to them. */
const isEval = (a: string) => a === "-e" || a === "--eval" || a.startsWith("--eval=");

function parseExec(all: string[], options: GlobalOptions): Command {
  const flags = parseFlags(all, 0, options, isEval);
  if (flags.command) return flags.command;
  const rest = all.slice(flags.next);
  const first = rest[0];
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

/** `serve-checks [--port N] [--host H] [--cache 5s] checks.yaml`, global flags allowed among them. */
function parseServeChecks(rest: string[], options: GlobalOptions): Command {
  let port = 8080;
  let host = "0.0.0.0";
  let cacheMs = 5000;
  const own = (a: string) => /^--(port|host|cache)(=|$)/.test(a);
  for (let i = 0;;) {
    const flags = parseFlags(rest, i, options, own);
    if (flags.command) return flags.command;
    i = flags.next;
    const a = rest[i];
    if (a === undefined) throw new UsageError("serve-checks requires a check config file");
    if (flags.endOfFlags || !own(a)) {
      if (rest.length > i + 1) throw new UsageError(`unexpected argument ${JSON.stringify(rest[i + 1])} for serve-checks`);
      return { kind: "serve-checks", file: a, port, host, cacheMs };
    }
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    let value = eq >= 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    i++;
    if (flag === "--port") {
      port = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(port >= 0 && port <= 65535)) throw new UsageError(`invalid --port ${JSON.stringify(value)} (expected 0-65535)`);
    } else if (flag === "--host") {
      if (!value.trim()) throw new UsageError("--host needs an address or host name (0.0.0.0 for every interface)");
      host = value;
    } else {
      value = value.trim();
      try {
        cacheMs = value === "0" ? 0 : parseDuration(value);
      } catch (e) {
        throw new UsageError(`invalid --cache: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * `test [--filter TEXT] [--format text|junit|tap] [paths...]`: its own flags and the global
 * ones may come before, between and after the paths; after `--` every word is a path.
 */
function parseTest(rest: string[], options: GlobalOptions): Command {
  let filter: string | undefined;
  let format: string = options.format ?? "text";
  const paths: string[] = [];
  const own = (a: string) => /^--(filter|format)(=|$)/.test(a);
  for (let i = 0; i < rest.length;) {
    const flags = parseFlags(rest, i, options, own);
    if (flags.command) return flags.command;
    i = flags.next;
    if (flags.endOfFlags) {
      paths.push(...rest.slice(i));
      break;
    }
    const a = rest[i];
    if (a === undefined) break;
    i++;
    if (!own(a)) {
      paths.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const value = eq >= 0 ? a.slice(eq + 1) : rest[i++];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--filter") filter = value;
    else format = value;
  }
  if (!TEST_FORMATS.includes(format as TestFormat)) {
    throw new UsageError(`invalid --format ${JSON.stringify(format)} for test (expected ${TEST_FORMATS.join(", ")})`);
  }
  return { kind: "test", paths, filter, format: format as TestFormat };
}

/** `context <query...> [-l N | --limit N]`; `-v` is the global flag, accepted anywhere (cli.md §1). */
function parseContext(rest: string[], options: GlobalOptions): Command {
  let limit = 5;
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--") {
      words.push(...rest.slice(i + 1));
      break;
    }
    const eq = a.startsWith("--limit=") ? a.slice(8) : undefined;
    if (a === "-l" || a === "--limit" || eq !== undefined) {
      const flag = eq === undefined ? a : "--limit";
      limit = Number(eq ?? rest[++i]);
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`invalid ${flag} value`);
    } else if (a === "-h" || a === "--help") {
      return { kind: "help", exitCode: 0 };
    } else if (a === "-v" || a === "--verbose") {
      options.verbose = true;
    } else if (a.startsWith("-") && a !== "-") {
      throw new UsageError(`unknown flag ${a} for context`);
    } else words.push(a);
  }
  // A query of blanks only (`assay context ""`) has no tokens: nothing could ever match it.
  if (!words.join("").trim()) throw new UsageError("context requires a query");
  return { kind: "context", query: words.join(" "), limit };
}

/** `modules [--json]`. */
function parseModules(rest: string[], options: GlobalOptions): Command {
  let json = false;
  for (const a of rest) {
    if (a === "-h" || a === "--help") return { kind: "help", exitCode: 0 };
    if (a === "--json") json = true;
    else if (a === "-v" || a === "--verbose") options.verbose = true;
    else throw new UsageError(`unexpected argument ${JSON.stringify(a)} for modules`);
  }
  return { kind: "modules", json };
}

/** `types [dir]`. */
function parseTypes(rest: string[], options: GlobalOptions): Command {
  let dir: string | undefined;
  for (const a of rest) {
    if (a === "-h" || a === "--help") return { kind: "help", exitCode: 0 };
    if (a === "-v" || a === "--verbose") {
      options.verbose = true;
      continue;
    }
    if (a.startsWith("-")) throw new UsageError(`unknown flag ${a} for types`);
    if (dir !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(a)} for types`);
    dir = a;
  }
  return { kind: "types", dir };
}
