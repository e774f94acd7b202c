/**
 * A program on a pseudo-terminal, driven the way a user at the keyboard drives it: util-linux
 * `script` gives it a pty (its stdin and stdout are terminals), the test types keys into
 * `script`'s stdin and waits for text to appear on the screen. What the program writes is
 * read back with escape sequences and carriage returns taken out.
 *
 * @example
 * ```ts
 * const pty = new PtySession(["assay"], { env: { HOME: dir } });
 * await pty.expect("> ");
 * pty.type("1 + 1\r");
 * await pty.expect("2");
 * pty.type("\x04");                    // Ctrl-D
 * assert.equal(await pty.exitCode(), 0);
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process";

/** Keys as a terminal sends them. */
export const KEY = { enter: "\r", ctrlC: "\x03", ctrlD: "\x04", up: "\x1b[A" } as const;

/** Quotes a word for /bin/sh. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Text as a reader of the terminal sees it: each line as it ends up after carriage returns,
 * column moves (`ESC[nG`) and erasures (`ESC[J`, `ESC[K`), which readline uses to redraw a
 * line; other escape sequences are dropped.
 */
export function plain(raw: string): string {
  const done: string[] = [];
  let line: string[] = [];
  let col = 0;
  // After an ESC: a CSI sequence (parameters, final byte), a charset choice, a keypad mode.
  const sequence = /^(?:\[([0-9;?]*)([ -\/]*[@-~])|[()][0-9A-Za-z]|[=>])/;
  for (let i = 0; i < raw.length;) {
    const c = raw[i];
    if (c === "\x1b") {
      const m = sequence.exec(raw.slice(i + 1, i + 32));
      i++;
      if (!m) continue;
      if (m[2] === "G") col = Math.max(0, Number(m[1] || "1") - 1);
      else if ((m[2] === "J" || m[2] === "K") && (m[1] || "0") === "0") line = line.slice(0, col);
      i += m[0].length;
      continue;
    }
    if (c === "\r") col = 0;
    else if (c === "\n") {
      done.push(line.join(""));
      line = [];
      col = 0;
    } else {
      while (line.length < col) line.push(" ");
      line[col++] = c;
    }
    i++;
  }
  return [...done, line.join("")].join("\n");
}

export class PtySession {
  private child: ChildProcess;
  private raw = "";
  /** Where the next `expect` starts looking, in the plain text. */
  private mark = 0;
  private exit: Promise<number | null>;
  private watchers: (() => void)[] = [];

  constructor(argv: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, TERM: "xterm", SHELL: "/bin/sh", ...options.env })) {
      if (v !== undefined) env[k] = v;
    }
    // -q: no "Script started" lines; -f: flush at once; -e: exit with the program's code.
    this.child = spawn("script", ["-qfec", argv.map(shellWord).join(" "), "/dev/null"], {
      cwd: options.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const take = (b: Buffer) => {
      this.raw += b.toString("utf8");
      for (const w of [...this.watchers]) w();
    };
    this.child.stdout!.on("data", take);
    this.child.stderr!.on("data", take);
    this.exit = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  /** Everything shown so far, as plain text. */
  get screen(): string {
    return plain(this.raw);
  }

  /** Everything shown since the last successful `expect`. */
  get recent(): string {
    return this.screen.slice(this.mark);
  }

  /** Sends keys (text, or KEY values). */
  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /**
   * Waits until the text shown after the previous match contains `pattern`; returns the text
   * up to the end of the match, and moves past it. Fails after `timeoutMs`, showing the screen.
   */
  expect(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const text = this.screen;
        const rest = text.slice(this.mark);
        let end = -1;
        if (typeof pattern === "string") {
          const at = rest.indexOf(pattern);
          if (at >= 0) end = at + pattern.length;
        } else {
          const m = pattern.exec(rest);
          if (m) end = m.index + m[0].length;
        }
        if (end < 0) return false;
        const seen = rest.slice(0, end);
        this.mark += end;
        done();
        resolve(seen);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(pattern)}; screen since the last match:\n${this.recent}`));
      }, timeoutMs);
      const watcher = () => void look();
      const done = () => {
        clearTimeout(timer);
        this.watchers = this.watchers.filter((w) => w !== watcher);
      };
      this.watchers.push(watcher);
      look();
    });
  }

  /**
   * Types a line and waits until the program is back at a prompt (`> ` or `>> ` ending the
   * screen); returns what was shown meanwhile (the echoed line, the output, the prompt).
   */
  async line(text: string): Promise<string> {
    this.type(text + KEY.enter);
    return await this.expect(/\n>>? $/);
  }

  /** The program's exit code, once it has ended (null when killed by a signal). */
  exitCode(timeoutMs = 15_000): Promise<number | null> {
    return Promise.race([
      this.exit,
      new Promise<number | null>((_, reject) => setTimeout(() => reject(new Error(`still running; screen:\n${this.screen}`)), timeoutMs)),
    ]);
  }

  /** Ends the session: closes its input and kills `script` (by its pid) if it is still running. */
  async close(): Promise<void> {
    this.child.stdin!.end();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exit;
  }
}
