/**
 * Where log lines go. The default sink writes text lines (`cli.md` §7) or JSON objects
 * (`--log-format json`) to stderr; tests swap in a collecting sink.
 */
import { writeStd } from "./std-write.ts";

export type Level = "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";
/** `assay` for the runtime's own lines, `lua` for `log.*` calls from scripts. */
export type Target = "assay" | "lua";
export type Fields = Record<string, string | number | boolean>;

const RANK: Record<Level, number> = { ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 };

export interface LogSink {
  enabled(level: Level, target: Target): boolean;
  write(level: Level, target: Target, message: string, fields?: Fields): void;
}

/** Parses a filter such as `warn` or `info,lua=debug,assay=warn` (RUST_LOG style). */
export function parseFilter(spec: string | undefined, fallback: Level = "INFO"): (t: Target) => number {
  const base = { value: RANK[fallback] };
  const perTarget: Partial<Record<Target, number>> = {};
  for (const part of (spec ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const [a, b] = part.split("=");
    const level = (b ?? a).toUpperCase() as Level;
    const rank = level === ("OFF" as Level) ? 0 : RANK[level];
    if (rank === undefined) continue;
    if (b === undefined) base.value = rank;
    else if (a === "assay" || a === "lua") perTarget[a] = rank;
  }
  return (t) => perTarget[t] ?? base.value;
}

/** RFC 3339 UTC with microseconds, e.g. 2026-04-12T10:00:00.123456Z. */
export function timestamp(
  epochMs = performance.timeOrigin + performance.now(),
  micros = Math.floor((epochMs % 1) * 1000),
): string {
  // Milliseconds and microseconds come from one clock, so timestamps never run backwards.
  return new Date(Math.floor(epochMs)).toISOString()
    .replace(/\.(\d{3})Z$/, (_, ms) => `.${ms}${String(micros).padStart(3, "0")}Z`);
}

function quoteValue(v: string | number | boolean): string {
  if (typeof v !== "string") return String(v);
  return /^[^\s"=]*$/.test(v) && v !== "" ? v : JSON.stringify(v);
}

export interface StderrSinkOptions {
  format: "text" | "json";
  /** Maximum rank per target, from parseFilter. */
  filter: (t: Target) => number;
  /** Where to write; stderr (fd 2) by default. */
  out?: (line: string) => void;
}

const toStderr = (line: string): void => writeStd(2, line);

/** The runtime's default sink: one line per record on stderr. */
export function stderrSink(options: StderrSinkOptions): LogSink {
  const out = options.out ?? toStderr;
  return {
    enabled: (level, target) => RANK[level] <= options.filter(target),
    write(level, target, message, fields = {}) {
      if (RANK[level] > options.filter(target)) return;
      if (options.format === "json") {
        out(JSON.stringify({ time: timestamp(), level, target, message, ...fields }) + "\n");
        return;
      }
      // A traceback follows the line as it is, not as a quoted field.
      const { traceback, ...rest } = fields;
      const extra = Object.entries(rest).map(([k, v]) => ` ${k}=${quoteValue(v)}`).join("");
      const tail = traceback === undefined ? "" : `${traceback}\n`;
      out(`${timestamp()} ${level.padStart(5)} ${message}${extra}\n${tail}`);
    },
  };
}

/**
 * Reports a failure of the runtime itself, one that is not a Lua error (unreadable script,
 * unsupported extension): `assay: <message>` in text, and under `--log-format json` an ERROR
 * record with target `assay`, so a collector reading stderr as JSON lines sees it too. No
 * filter applies: the run ends because of it, so it is never hidden.
 */
export function writeFailure(format: "text" | "json", message: string, out?: (line: string) => void): void {
  if (format === "text") {
    (out ?? toStderr)(`assay: ${message}\n`);
    return;
  }
  stderrSink({ format, filter: () => RANK.ERROR, out }).write("ERROR", "assay", message);
}

/** A sink that keeps records in memory, for tests. */
export function memorySink(): LogSink & { records: { level: Level; target: Target; message: string; fields: Fields }[] } {
  const records: { level: Level; target: Target; message: string; fields: Fields }[] = [];
  return {
    records,
    enabled: () => true,
    write(level, target, message, fields = {}) {
      records.push({ level, target, message, fields });
    },
  };
}
