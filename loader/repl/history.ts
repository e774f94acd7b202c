/**
 * The REPL's history file, `~/.assay_history`: one entry per line, oldest first, loaded when
 * the REPL starts and appended to as lines are entered (so a session that is killed keeps
 * what was typed). It is kept to the last MAX_ENTRIES: a file that has grown past twice that
 * is rewritten with its tail when the next session starts. The file is created mode 0600, as
 * lines may hold secrets. Any failure to read or write it only loses history.
 *
 * @example
 * ```ts
 * const history = History.open(join(homedir(), ".assay_history"));
 * readline.createInterface({ ..., history: history.newestFirst() });
 * rl.on("line", (line) => history.add(line));
 * ```
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Entries kept (readline's own list is bounded the same). */
export const MAX_ENTRIES = 1000;

/** `~/.assay_history`, or null when there is no home directory to keep it in. */
export function historyPath(): string | null {
  let home = process.env.HOME;
  try {
    home ||= homedir();
  } catch {
    // No passwd entry either.
  }
  return home ? join(home, ".assay_history") : null;
}

export class History {
  private last: string | undefined;

  private constructor(readonly path: string | null, private entries: string[]) {
    this.last = entries[entries.length - 1];
  }

  /** Loads the file (a missing or unreadable one is an empty history); null: no file at all. */
  static open(path: string | null): History {
    if (path === null) return new History(null, []);
    let entries: string[] = [];
    try {
      entries = readFileSync(path, "utf8").split("\n").filter((line) => line !== "");
    } catch {
      return new History(path, []);
    }
    if (entries.length > 2 * MAX_ENTRIES) {
      entries = entries.slice(-MAX_ENTRIES);
      try {
        writeFileSync(path, entries.join("\n") + "\n", { mode: 0o600 });
      } catch {
        // Unwritable: the file is only read.
      }
    }
    return new History(path, entries.slice(-MAX_ENTRIES));
  }

  /** The entries newest first, as node:readline's `history` option wants them. */
  newestFirst(): string[] {
    return [...this.entries].reverse();
  }

  /**
   * Records an entered line: blank lines and a repeat of the previous entry are skipped
   * (readline does the same with its own list).
   */
  add(line: string): void {
    if (line.trim() === "" || line === this.last || line.includes("\n")) return;
    this.last = line;
    this.entries.push(line);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    if (this.path === null) return;
    try {
      appendFileSync(this.path, line + "\n", { mode: 0o600 });
    } catch {
      // History is a convenience: a read-only home must not break the REPL.
    }
  }
}
