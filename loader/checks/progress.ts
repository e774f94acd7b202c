/**
 * What a person sees while checks run. Two RunEvents listeners: `logLines` writes the plain
 * INFO/ERROR lines of checks.md §7 through the log sink (the default, and what log collectors
 * read); `TerminalProgress` draws a live block on a terminal's stderr, one line per check, with
 * a spinner, the attempt count, the last error and the time. `shouldShowProgress` picks
 * between them.
 *
 * The block is redrawn in place by moving the cursor up over it, so every line is cut to
 * `columns - 1`: a line that wrapped would take two rows and the next redraw would land one row
 * too low. Other output meant for stderr while the block is up (a script's `log.info`) goes
 * through `log()`, which clears the block, writes the line and draws the block again below it.
 *
 * @example
 * ```ts
 * const events = shouldShowProgress(process.stderr.isTTY, process.env)
 *   ? new TerminalProgress(config.checks, process.stderr)
 *   : logLines(sink);
 * const report = await runChecks(config, { attempt, events });
 * if (events instanceof TerminalProgress) events.finish();
 * ```
 */
import { setInterval, clearInterval } from "node:timers";
import type { LogSink } from "../log-sink.ts";
import { firstLine, fitColumns, oneLine, padColumns, widthOf } from "./plain-text.ts";
import type { CheckResult, CheckSpec, Millis, RunEvents } from "./types.ts";

const resultWord = (r: CheckResult) => (r.skipped ? "SKIP" : r.passed ? "PASS" : "FAIL");

/** The plain log lines of checks.md §7, target `assay`. */
export function logLines(log: LogSink): RunEvents {
  return {
    attempt() {},
    retrying(check, attempt, maxAttempts, backoff, message) {
      log.write("INFO", "assay", "check failed, retrying", {
        check: check.name,
        attempt,
        max_attempts: maxAttempts,
        backoff_secs: backoff / 1000,
        message,
      });
    },
    completed(check, result) {
      log.write("INFO", "assay", "check completed", {
        check: check.name,
        result: resultWord(result),
        duration_ms: Math.round(result.duration_ms),
      });
    },
    globalTimeout(timeout) {
      log.write("ERROR", "assay", "global timeout exceeded", { timeout_secs: Math.floor(timeout / 1000) });
    },
  };
}

/**
 * Whether to draw the live view: only on a terminal, and not when the user asked for no
 * colour (`NO_COLOR`, https://no-color.org) or the terminal cannot move the cursor (`TERM=dumb`).
 */
export function shouldShowProgress(isTTY: boolean, env: Record<string, string | undefined>): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== "dumb";
}

/** Where the view draws: a terminal stream such as `process.stderr`. */
export interface ProgressOutput {
  write(s: string): void;
  /** Width in columns, read on every frame so a resized terminal is followed (80 when unknown). */
  columns?: number;
  /** Height in rows; a block taller than the screen shows a window around the running checks. */
  rows?: number;
}

export interface ProgressOptions {
  /** Time between redraws, for the spinner and the running clock (80 ms). */
  intervalMs?: number;
  /** Clock in milliseconds, replaceable in tests (performance.now). */
  now?: () => number;
}

type Row =
  | { state: "waiting"; name: string }
  | { state: "running" | "retrying"; name: string; attempt: number; max: number; since: number; retryAt: number; error: string }
  | { state: "done"; name: string; result: CheckResult };

const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const ICONS = { passed: "\x1b[32m✓\x1b[0m", failed: "\x1b[31m✗\x1b[0m", skipped: "\x1b[33m-\x1b[0m" };
const CSI = "\x1b[";
const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)}s`;

export class TerminalProgress implements RunEvents {
  private readonly rows: Row[];
  private readonly byIndex = new Map<number, number>();
  private readonly nameWidth: number;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Rows the block took on screen at the last draw; the cursor sits just below them. */
  private drawn = 0;
  private lastFrame = "";
  private finished = false;

  constructor(checks: CheckSpec[], private readonly out: ProgressOutput, options: ProgressOptions = {}) {
    this.rows = checks.map((c, i) => {
      this.byIndex.set(c.index, i);
      return { state: "waiting", name: oneLine(c.name) };
    });
    this.nameWidth = Math.max(0, ...this.rows.map((r) => widthOf(r.name)));
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 80;
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    // The view must never be what keeps a finished run alive.
    this.timer.unref();
    this.draw();
  }

  attempt(check: CheckSpec, attempt: number, maxAttempts: number): void {
    const row = this.row(check);
    const error = row?.state === "retrying" ? row.error : "";
    this.set(check, { state: "running", name: this.nameOf(check), attempt, max: maxAttempts, since: this.now(), retryAt: 0, error });
  }

  retrying(check: CheckSpec, attempt: number, maxAttempts: number, backoff: Millis, message: string): void {
    const now = this.now();
    this.set(check, { state: "retrying", name: this.nameOf(check), attempt, max: maxAttempts, since: now, retryAt: now + backoff, error: firstLine(message) });
  }

  completed(check: CheckSpec, result: CheckResult): void {
    this.set(check, { state: "done", name: this.nameOf(check), result });
  }

  globalTimeout(_timeout: Millis): void {
    this.draw();
  }

  /** Writes a line above the block (which is redrawn below it), so other output stays readable. */
  log(line: string): void {
    const text = line.endsWith("\n") ? line : `${line}\n`;
    if (this.finished) {
      this.out.write(text);
      return;
    }
    this.out.write(`${this.up()}\r${CSI}J${text}`);
    this.drawn = 0;
    this.lastFrame = "";
    this.draw();
  }

  /** Stops the timer and draws the final state, every check shown, cursor left below it. */
  finish(): void {
    if (this.finished) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw(true);
    this.finished = true;
  }

  private row(check: CheckSpec): Row | undefined {
    const i = this.byIndex.get(check.index);
    return i === undefined ? undefined : this.rows[i];
  }

  private nameOf(check: CheckSpec): string {
    return this.row(check)?.name ?? oneLine(check.name);
  }

  private set(check: CheckSpec, row: Row): void {
    const i = this.byIndex.get(check.index);
    if (i === undefined) return;
    this.rows[i] = row;
    this.draw();
  }

  private up(): string {
    return this.drawn > 0 ? `${CSI}${this.drawn}A` : "";
  }

  private line(row: Row, width: number, now: number): string {
    const spin = SPINNER[Math.floor(now / this.intervalMs) % SPINNER.length];
    const name = padColumns(row.name, this.nameWidth);
    let icon = " ";
    let rest = name;
    if (row.state === "done") {
      const r = row.result;
      icon = r.skipped ? ICONS.skipped : r.passed ? ICONS.passed : ICONS.failed;
      const message = firstLine(r.message);
      rest = r.skipped ? `${name}  ${message}` : `${name}  ${Math.round(r.duration_ms)} ms  ${message}`;
    } else if (row.state === "running") {
      icon = spin;
      rest = `${name}  attempt ${row.attempt}/${row.max}  ${seconds(now - row.since)}  ${row.error}`;
    } else if (row.state === "retrying") {
      icon = spin;
      rest = `${name}  attempt ${row.attempt}/${row.max}  retry in ${seconds(row.retryAt - now)}  ${row.error}`;
    }
    // The icon takes one column and a space; colour codes are added around it, after cutting.
    return `${icon} ${fitColumns(rest.trimEnd(), width - 2)}`;
  }

  /** The rows to show: all of them, or a window when the block would not fit on the screen. */
  private visible(all: boolean): { rows: Row[]; note: string } {
    const maxRows = (this.out.rows ?? 0) - 1;
    if (all || maxRows < 2 || this.rows.length <= maxRows) return { rows: this.rows, note: "" };
    const active = this.rows.findIndex((r) => r.state !== "done");
    const first = Math.max(0, Math.min(active < 0 ? this.rows.length : active, this.rows.length - (maxRows - 1)));
    const shown = this.rows.slice(first, first + maxRows - 1);
    const below = this.rows.length - first - shown.length;
    return { rows: shown, note: `  … ${first} more above, ${below} more below` };
  }

  private draw(all = false): void {
    if (this.finished || this.rows.length === 0) return;
    const width = Math.max(3, (this.out.columns || 80) - 1);
    const now = this.now();
    const { rows, note } = this.visible(all);
    const lines = rows.map((r) => this.line(r, width, now));
    if (note !== "") lines.push(fitColumns(note, width));
    const frame = lines.map((l) => `${CSI}2K${l}\n`).join("");
    if (frame === this.lastFrame && !all) return;
    // A shorter block than last time leaves old rows below it; clear them.
    const tail = lines.length < this.drawn ? `${CSI}J` : "";
    this.out.write(`${this.up()}\r${frame}${tail}`);
    this.drawn = lines.length;
    this.lastFrame = frame;
  }
}
