/**
 * The REPL, driven through a pseudo-terminal (tests/pty.ts) as a user at the keyboard:
 * `assay` with no script on a terminal. Values shown through assay.inspect, multi-line
 * input, errors and recovery, async builtins, Ctrl-C at a prompt and while code runs,
 * history in ~/.assay_history (written, read back, bounded), Ctrl-D's exit code; without a
 * terminal the help and exit 1 of cli.md §1; `lua` mode's REPL with its banner and `print`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assayCommand, tempDir } from "./helpers.ts";
import { KEY, PtySession } from "./pty.ts";
import { luaLink } from "./lua-link.ts";

const fromSource = process.env.ASSAY_FROM_SOURCE === "deno";

/** An assay REPL in a fresh home directory. */
async function repl(args: string[] = [], home = tempDir("assay-repl-home-")) {
  const pty = new PtySession([...assayCommand(), ...args], { cwd: home, env: { HOME: home, NO_COLOR: "1", RUST_LOG: undefined } });
  await pty.expect(/\n> $/);
  return { pty, home };
}

test("expressions show their values through assay.inspect; statements run; = prints too", async () => {
  const { pty } = await repl();
  try {
    assert.match(pty.screen, /^assay \S+ \(Lua 5\.4\.\d, sandbox full\): Ctrl-C cancels, Ctrl-D exits\n/);
    assert.match(await pty.line("1 + 1"), /\n2\n> $/);
    assert.match(await pty.line(`{ a = 1, b = { 2, 3 }, "x" }`), /\n\{ "x", a = 1, b = \{ 2, 3 \} \}\n> $/);
    assert.match(await pty.line(`"text"`), /\n"text"\n> $/);
    assert.match(await pty.line("x = 41"), /^x = 41\n> $/);
    assert.match(await pty.line("=x + 1, nil, 'a'"), /\n42\tnil\t"a"\n> $/);
    assert.match(await pty.line("math.type(2^53)"), /\n"float"\n> $/);
    // Builtins are there, async ones included: the line runs as a task.
    assert.match(await pty.line(`sleep(0.05); return json.encode({ ok = true })`), /\n"\{\\"ok\\":true\}"\n> $/);
    pty.type(KEY.ctrlD);
    assert.equal(await pty.exitCode(), 0);
  } finally {
    await pty.close();
  }
});

test("an incomplete chunk continues on >> lines until it is complete", async () => {
  const { pty } = await repl();
  try {
    assert.match(await pty.line("function double(x)"), /\n>> $/);
    assert.match(await pty.line("  return x * 2"), /\n>> $/);
    assert.match(await pty.line("end"), /\n> $/);
    assert.match(await pty.line("double(21)"), /\n42\n> $/);
    assert.match(await pty.line("t = {"), /\n>> $/);
    assert.match(await pty.line("1, 2 }"), /\n> $/);
    assert.match(await pty.line("#t"), /\n2\n> $/);
    // A syntax error that is not about the end of the chunk is reported at once.
    assert.match(await pty.line("x = = 1"), /\nstdin:1: unexpected symbol near '='\n> $/);
  } finally {
    await pty.close();
  }
});

test("an error prints as stdin:1: message with the traceback, and the session goes on", async () => {
  const { pty } = await repl();
  try {
    const shown = await pty.line(`error("boom")`);
    assert.match(shown, /\nstdin:1: boom\nstack traceback:\n\s+\[C\]: in function 'error'\n\s+stdin:1: in main chunk\n\s+\[C\]: in \?\n> $/);
    assert.match(await pty.line("nosuch.field"), /\nstdin:1: attempt to index a nil value \(global 'nosuch'\)\n/);
    assert.match(await pty.line("error({})"), /\n\(error object is a table value\)\n/);
    assert.match(await pty.line("1 + 2"), /\n3\n> $/);
  } finally {
    await pty.close();
  }
});

test("Ctrl-C at a prompt drops the line typed so far, even inside a multi-line chunk", async () => {
  const { pty } = await repl();
  try {
    pty.type("print('never')");
    await pty.expect("print('never')");
    pty.type(KEY.ctrlC);
    await pty.expect(/\^C\n> $/);
    assert.match(await pty.line("function f()"), /\n>> $/);
    pty.type(KEY.ctrlC);
    await pty.expect(/\^C\n> $/);
    assert.match(await pty.line("'fresh'"), /\n"fresh"\n> $/);
    assert.doesNotMatch(pty.screen, /\nnever\n/);
  } finally {
    await pty.close();
  }
});

test("Ctrl-C stops a line that waits, and one that computes (binary), with 'interrupted!'", async () => {
  const { pty } = await repl();
  try {
    pty.type("print('start') sleep(30)" + KEY.enter);
    await pty.expect("start\n");
    pty.type(KEY.ctrlC);
    assert.match(await pty.expect(/\n> $/), /stdin:1: interrupted!\nstack traceback:\n\s+\[C\]: in function 'sleep'/);
    if (!fromSource) {
      pty.type("print('spin') while true do end" + KEY.enter);
      await pty.expect("spin\n");
      pty.type(KEY.ctrlC);
      assert.match(await pty.expect(/\n> $/), /interrupted!\nstack traceback:/);
    }
    // pcall catches it, as in lua.c; the VM and its globals survive.
    assert.match(await pty.line("y = 5"), /\n> $/);
    pty.type("print('waiting') print(pcall(sleep, 30))" + KEY.enter);
    await pty.expect("waiting\n");
    pty.type(KEY.ctrlC);
    // The terminal echoes ^C where the cursor is; the code's own output follows it.
    assert.match(await pty.expect(/\n> $/), /\^Cfalse\tinterrupted!\n> $/);
    assert.match(await pty.line("y"), /\n5\n> $/);
  } finally {
    await pty.close();
  }
});

test("code can read standard input while the REPL waits for it", async () => {
  const { pty } = await repl();
  try {
    // Once the code runs (it says so), the terminal is the code's: readline is paused.
    pty.type("print('reading') local l = io.read('l'); print('got ' .. l)" + KEY.enter);
    await pty.expect("reading\n");
    assert.match(await pty.line("typed text"), /got typed text\n> $/);
  } finally {
    await pty.close();
  }
});

test("history: lines go to ~/.assay_history, the next session recalls them with Up", async () => {
  const home = tempDir("assay-repl-home-");
  const first = await repl([], home);
  try {
    await first.pty.line("first_value = 7");
    await first.pty.line("first_value * 6");
    first.pty.type(KEY.ctrlD);
    assert.equal(await first.pty.exitCode(), 0);
  } finally {
    await first.pty.close();
  }
  const file = join(home, ".assay_history");
  assert.equal(readFileSync(file, "utf8"), "first_value = 7\nfirst_value * 6\n");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const second = await repl([], home);
  try {
    await second.pty.line("first_value = 1");
    // Up twice: the line before the last one, from the first session.
    second.pty.type(KEY.up + KEY.up);
    await second.pty.expect("first_value * 6");
    second.pty.type(KEY.enter);
    assert.match(await second.pty.expect(/\n> $/), /\n6\n> $/);
  } finally {
    await second.pty.close();
  }
  assert.equal(readFileSync(file, "utf8"), "first_value = 7\nfirst_value * 6\nfirst_value = 1\nfirst_value * 6\n");
});

test("history is bounded: a file past 2000 lines is cut to the last 1000 when a session starts", async () => {
  const home = tempDir("assay-repl-home-");
  const file = join(home, ".assay_history");
  writeFileSync(file, Array.from({ length: 2500 }, (_, i) => `old_${i}`).join("\n") + "\n");
  const { pty } = await repl([], home);
  try {
    pty.type(KEY.ctrlD);
    assert.equal(await pty.exitCode(), 0);
  } finally {
    await pty.close();
  }
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  assert.equal(lines.length, 1000);
  assert.equal(lines[0], "old_1500");
  assert.equal(lines[999], "old_2499");
});

test("flags apply to the session: --sandbox pure has neither os.execute nor sleep", async () => {
  const { pty, home } = await repl(["--sandbox", "pure"]);
  try {
    assert.match(pty.screen, /sandbox pure/);
    assert.match(await pty.line("os.execute == nil and sleep == nil"), /\ntrue\n> $/);
    pty.type(KEY.ctrlD);
    assert.equal(await pty.exitCode(), 0);
    assert.ok(existsSync(join(home, ".assay_history")));
  } finally {
    await pty.close();
  }
});

test("tasks a line spawns keep running while the next line is typed", async () => {
  const { pty } = await repl();
  try {
    await pty.line("done = false; async.spawn(function() sleep(0.1) done = true end)");
    await new Promise((r) => setTimeout(r, 400));
    assert.match(await pty.line("done"), /\ntrue\n> $/);
  } finally {
    await pty.close();
  }
});

test("without a terminal on both ends, no REPL: the help on stdout and exit 1", async () => {
  // stdin a terminal, stdout redirected to a file.
  const dir = tempDir("assay-repl-off-");
  const out = join(dir, "out.txt");
  const pty = new PtySession(["sh", "-c", `exec "$@" > ${out}`, "sh", ...assayCommand()], { cwd: dir, env: { HOME: dir } });
  try {
    assert.equal(await pty.exitCode(), 1);
  } finally {
    await pty.close();
  }
  assert.match(readFileSync(out, "utf8"), /^assay .*\n\nUsage:[\s\S]*\n\n$/);
});

test("lua mode on a terminal: the version banner, values through print, exit 0 on Ctrl-D", async () => {
  const home = tempDir("assay-repl-home-");
  const lua = luaLink(tempDir("assay-repl-lua-"));
  const pty = new PtySession([lua], { cwd: home, env: { HOME: home } });
  try {
    await pty.expect(/^Lua 5\.4\.\d {2}Copyright \(C\) 1994-2022 Lua\.org, PUC-Rio\n> $/);
    assert.match(await pty.line(`1, "a"`), /\n1\ta\n> $/);
    assert.match(await pty.line(`print = nil`), /\n> $/);
    assert.match(await pty.line(`2`), /\nerror calling 'print' \(attempt to call a nil value\)\n> $/);
    pty.type(KEY.ctrlD);
    assert.equal(await pty.exitCode(), 0);
  } finally {
    await pty.close();
  }
});
