/**
 * The streaming read under the host facade: chunks in order and no larger than asked, the
 * policy asked first with the builtin's name, and the file closed however the reading ends
 * (to the end, broken off, or aborted through the signal).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../tests/helpers.ts";
import { readChunks } from "./host-chunks.ts";
import { Policy } from "./sandbox/policy.ts";

const dir = tempDir("assay-chunks-");
const file = join(dir, "data.bin");
const content = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
writeFileSync(file, content);
const full = new Policy({ profile: "full" });

/** How many descriptors this process has open (Linux). */
const openFiles = () => readdirSync("/proc/self/fd").length;

test("chunks come in order, no larger than asked, and add up to the file", async () => {
  const before = openFiles();
  const sizes: number[] = [];
  const parts: Uint8Array[] = [];
  for await (const chunk of readChunks(full, "crypto.hash_file", file, undefined, 4096)) {
    sizes.push(chunk.length);
    parts.push(chunk.slice()); // a chunk is valid until the next one is asked for
  }
  assert.deepEqual(sizes, [4096, 4096, 1808]);
  assert.deepEqual(Buffer.concat(parts), Buffer.from(content));
  assert.equal(openFiles(), before);
});

test("the policy is asked with the builtin's name before anything is opened", async () => {
  const restricted = new Policy({ profile: "restricted" });
  const before = openFiles();
  await assert.rejects(readChunks(restricted, "crypto.hash_file", file).next(), {
    message: `crypto.hash_file: read access to "${file}" denied by sandbox profile "restricted" (grant with --allow-read=${file})`,
  });
  assert.equal(openFiles(), before);
  const allowed = new Policy({ profile: "restricted", allow: { read: [dir] } });
  const chunks = readChunks(allowed, "crypto.hash_file", file);
  assert.equal((await chunks.next()).value?.length, content.length);
  await chunks.return();
  assert.equal(openFiles(), before);
});

test("aborting the signal stops the reading with its reason and closes the file", async () => {
  const before = openFiles();
  const controller = new AbortController();
  const chunks = readChunks(full, "crypto.hash_file", file, controller.signal, 1000);
  assert.equal((await chunks.next()).value?.length, 1000);
  assert.equal(openFiles(), before + 1);
  controller.abort(new Error("task cancelled"));
  await assert.rejects(chunks.next(), { message: "task cancelled" });
  assert.equal(openFiles(), before);
});

test("breaking off the iteration closes the file", async () => {
  const before = openFiles();
  for await (const _ of readChunks(full, "crypto.hash_file", file, undefined, 1000)) break;
  assert.equal(openFiles(), before);
});
