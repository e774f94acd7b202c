/**
 * The REPL's parts on their own: how lines become a chunk (lua.c's rules), how a chunk runs
 * as a task under the message handler, how an interrupt reaches a chunk that waits, and the
 * history file. The whole REPL on a terminal is tests/repl.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { testVm } from "../test-vm.ts";
import { CANCELLED, type LineRead, readChunk } from "./input.ts";
import { Caller } from "./docall.ts";
import type { Interrupts } from "./interrupt.ts";
import { History, MAX_ENTRIES } from "./history.ts";

/** A line source that answers from a list and notes which prompt each read used. */
function lines(...answers: LineRead[]) {
  const prompts: string[] = [];
  return {
    prompts,
    read: (first: boolean) => {
      prompts.push(first ? ">" : ">>");
      return Promise.resolve(answers.length ? answers.shift()! : null);
    },
  };
}

test("lines become a chunk as in lua.c: expressions return, = is return, <eof> asks for more", async () => {
  const vm = await testVm();
  try {
    const { api, L } = vm;
    const run = async (...answers: LineRead[]) => {
      const source = lines(...answers);
      const r = await readChunk(api, L, source.read);
      let value: string | undefined;
      if (r.kind === "chunk") {
        api.call(L, 0, 1);
        value = api.tolstring(L, -1);
        api.settop(L, 0);
      }
      return { ...r, value, prompts: source.prompts.join(" ") };
    };
    assert.deepEqual(await run("1 + 2"), { kind: "chunk", value: "3", prompts: ">" });
    assert.deepEqual(await run("=10, 20"), { kind: "chunk", value: "10", prompts: ">" });
    assert.deepEqual(await run("x = 5"), { kind: "chunk", value: "nil", prompts: ">" });
    assert.deepEqual(await run("do local t = {", "1,", "2 }", "return #t end"), { kind: "chunk", value: "2", prompts: "> >> >> >>" });
    assert.deepEqual(await run("return [[a", "b]]"), { kind: "chunk", value: "a\nb", prompts: "> >>" });
    // A real syntax error is reported at once; so is an unfinished chunk at the end of input.
    assert.deepEqual(await run("x = = 1"), { kind: "error", message: "stdin:1: unexpected symbol near '='", value: undefined, prompts: ">" });
    const eof = await run("if x then");
    assert.equal(eof.kind, "error");
    assert.match((eof as { message: string }).message, /^stdin:1: 'end' expected near <eof>$/);
    assert.equal((await run("function f()", CANCELLED)).kind, "cancelled");
    assert.equal((await run()).kind, "eof");
    // Bytes that are not UTF-8 reach Lua as they were read.
    assert.deepEqual(await run(new Uint8Array([0x3d, 0x22, 0xff, 0x22])), { kind: "chunk", value: "\ufffd", prompts: ">" });
  } finally {
    vm.close();
  }
});

test("a chunk runs as a task: results, or the message with a traceback from where it failed", async () => {
  const vm = await testVm();
  try {
    const { api, L } = vm;
    const caller = new Caller(vm, null);
    const call = async (code: string) => {
      assert.equal(api.load(L, new TextEncoder().encode(code), "=stdin"), 0);
      const r = await caller.call(0, "repl");
      if (!r.ok) return r.message;
      const values = [];
      for (let i = 2; i <= r.count + 1; i++) values.push(api.tolstring(r.thread, i));
      r.release();
      return values;
    };
    assert.deepEqual(await call("return 1, 'two', nil"), ["1", "two", "nil"]);
    assert.deepEqual(await call("local co = coroutine.wrap(function() coroutine.yield(7) end) return co()"), ["7"]);
    assert.equal(await call("local function f() error('boom') end f()"), "stdin:1: boom\nstack traceback:\n\t[C]: in function 'error'\n\tstdin:1: in local 'f'\n\tstdin:1: in main chunk\n\t[C]: in ?");
    assert.equal(await call("error(setmetatable({}, { __tostring = function() return 'custom' end }))"), "custom");
    assert.match(await call("error({})") as string, /^\(error object is a table value\)\nstack traceback:/);
    assert.match(await call("error(42)") as string, /^42\nstack traceback:/);
  } finally {
    vm.close();
  }
});

/** Interrupts that fire when the test says so (no signals involved). */
function fakeInterrupts() {
  let fire = false;
  const log: string[] = [];
  const sigint: Interrupts = {
    native: false,
    begin: () => void log.push("begin"),
    refresh: () => {},
    rearm: () => {},
    take: () => {
      const hit = fire;
      fire = false;
      return hit;
    },
    end: () => void log.push("end"),
  };
  return { sigint, log, fire: () => (fire = true) };
}

test("an interrupt fails the operation a chunk waits for with 'interrupted!', which pcall catches", async () => {
  const vm = await testVm();
  try {
    const { api, L, scheduler } = vm;
    const interrupts = fakeInterrupts();
    const caller = new Caller(vm, interrupts.sigint);
    let aborted = false;
    // forever() waits on work that never settles by itself, but notices its abort signal.
    api.pushfunction(L, (T) =>
      scheduler.suspend(T, (signal) => new Promise(() => signal.addEventListener("abort", () => (aborted = true)))));
    api.setglobal(L, "forever");
    api.load(L, new TextEncoder().encode("local ok, e = pcall(forever) return ok, e, 'after'"), "=stdin");
    setTimeout(interrupts.fire, 30);
    const r = await caller.call(0, "repl");
    assert.ok(r.ok);
    assert.deepEqual([2, 3, 4].map((i) => api.tolstring(r.thread, i)), ["false", "interrupted!", "after"]);
    r.release();
    assert.ok(aborted, "the work is aborted");
    assert.deepEqual(interrupts.log, ["begin", "end"]);
    assert.equal(scheduler.pendingOperations, 0);
    // Uncaught, it is the chunk's error, with the position of the call that waited.
    api.load(L, new TextEncoder().encode("forever()"), "=stdin");
    setTimeout(interrupts.fire, 30);
    const failed = await caller.call(0, "repl");
    assert.ok(!failed.ok);
    assert.match(failed.message, /^stdin:1: interrupted!\nstack traceback:\n\t\[C\]: in function 'forever'/);
  } finally {
    vm.close();
  }
});

test("history: entries oldest first in the file, newest first for readline, repeats and blanks skipped, bounded", () => {
  const dir = mkdtempSync(join(tmpdir(), "assay-history-"));
  try {
    const path = join(dir, "h");
    const h = History.open(path);
    for (const line of ["a", "a", "  ", "b", "multi\nline", "c"]) h.add(line);
    assert.equal(readFileSync(path, "utf8"), "a\nb\nc\n");
    assert.deepEqual(History.open(path).newestFirst(), ["c", "b", "a"]);
    writeFileSync(path, Array.from({ length: 2 * MAX_ENTRIES + 1 }, (_, i) => `x${i}`).join("\n") + "\n");
    const big = History.open(path);
    assert.equal(big.newestFirst().length, MAX_ENTRIES);
    assert.equal(readFileSync(path, "utf8").split("\n").length - 1, MAX_ENTRIES);
    // No file at all, or one that cannot be written: the session goes on without history.
    History.open(null).add("x");
    History.open(join(dir, "missing", "h")).add("x");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
