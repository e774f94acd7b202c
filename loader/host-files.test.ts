/**
 * The host's file operations where only a unit test can reach: a write that fails or is
 * cancelled half way (the old contents stay, the temporary file goes), and what a read
 * reserves against the heap budget (exactly the file's size when stat knows it; growing
 * with the data when it does not).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "../tests/helpers.ts";
import { readFile, replaceFile, writeAll } from "./host-files.ts";
import { Policy } from "./sandbox/policy.ts";

const full = new Policy({ profile: "full" });
const restricted = (dir: string) => new Policy({ profile: "restricted", allow: { read: [dir], write: [dir] } });

for (const [name, policy] of [["full", () => full], ["restricted with a grant", restricted]] as const) {
  test(`a write that fails half way keeps the old contents and leaves no temporary file (${name})`, async () => {
    const dir = tempDir();
    const file = join(dir, "data.txt");
    writeFileSync(file, "precious");
    await assert.rejects(
      replaceFile(policy(dir), "fs.write", file, async (fd) => {
        await writeAll(fd, new Uint8Array(1 << 20).fill(0x41));
        throw new Error("disk on fire");
      }),
      /disk on fire/,
    );
    assert.equal(readFileSync(file, "utf8"), "precious");
    assert.deepEqual(readdirSync(dir), ["data.txt"]);
  });
}

test("a write cancelled half way keeps the old contents and leaves no temporary file", async () => {
  const dir = tempDir();
  const file = join(dir, "data.txt");
  writeFileSync(file, "precious");
  const controller = new AbortController();
  const big = new Uint8Array(64 << 20);
  const writing = replaceFile(full, "fs.write", file, async (fd, signal) => {
    controller.abort(new Error("task cancelled"));
    return await writeAll(fd, big, signal);
  }, controller.signal);
  await assert.rejects(writing, /task cancelled/);
  assert.equal(readFileSync(file, "utf8"), "precious");
  assert.deepEqual(readdirSync(dir), ["data.txt"]);
});

test("a read reserves exactly the size stat gives, and refusing the reservation fails the read", async () => {
  const dir = tempDir();
  const file = join(dir, "f.bin");
  writeFileSync(file, new Uint8Array(100_000).fill(7));
  const reserved: number[] = [];
  const data = await readFile(full, "fs.read", file, undefined, (n) => reserved.push(n));
  assert.equal(data.length, 100_000);
  assert.deepEqual(reserved, [100_000]);
  await assert.rejects(
    readFile(full, "fs.read", file, undefined, () => {
      throw new Error("over budget");
    }),
    /over budget/,
  );
});

test("a read of something stat cannot size (a FIFO) grows its buffer with the data", async () => {
  const dir = tempDir();
  const fifo = join(dir, "pipe");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  const writer = spawn("sh", ["-c", `head -c 300000 /dev/zero | tr '\\0' x > '${fifo}'`]);
  const exited = new Promise((resolve) => writer.once("exit", resolve));
  // Opening a FIFO blocks until its writer opens it: the writer must exist first.
  await new Promise((resolve) => writer.once("spawn", resolve));
  const reserved: number[] = [];
  const data = await readFile(full, "fs.read", fifo, undefined, (n) => reserved.push(n));
  await exited;
  assert.equal(data.length, 300_000);
  assert.ok(data.every((b) => b === 0x78));
  const total = reserved.reduce((a, b) => a + b, 0);
  assert.ok(total >= 300_000 && total <= 4 * 300_000, `reserved ${total} in ${reserved.length} steps`);
});
