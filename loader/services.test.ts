/**
 * The registry of long-running services (servers) a run waits for and shuts down on a signal.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Services } from "./services.ts";

test("services: idle once every service is removed; watchers see the count", async () => {
  const services = new Services();
  const seen: number[] = [];
  services.watch((n) => seen.push(n));
  await services.idle();
  const removeA = services.add({ shutdown: () => Promise.resolve() });
  const removeB = services.add({ shutdown: () => Promise.resolve() });
  let idle = false;
  const waiting = services.idle().then(() => (idle = true));
  removeA();
  removeA();
  await Promise.resolve();
  assert.equal(idle, false);
  removeB();
  await waiting;
  assert.deepEqual(seen, [1, 2, 1, 0]);
});

test("services: shutdown asks each live service once, also one added while it runs", async () => {
  const services = new Services();
  const calls: string[] = [];
  let finishA!: () => void;
  services.add({ shutdown: () => new Promise<void>((resolve) => (calls.push("a"), finishA = resolve)) });
  const done = services.shutdown();
  assert.equal(services.shutdown(), done, "later calls share the first");
  services.add({ shutdown: () => (calls.push("late"), Promise.resolve()) });
  assert.equal(services.shuttingDown, true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(services.size, 1, "the first is still draining");
  finishA();
  await done;
  await services.idle();
  assert.deepEqual(calls, ["a", "late"]);
});
