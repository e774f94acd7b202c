/**
 * Run order under `needs` (plan.ts): every check after the checks it needs, and among the
 * checks free to start, the earliest in the config first. Also the needs errors, reported
 * against the check whose `needs` holds them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dependencies, orderChecks } from "./plan.ts";
import type { CheckSpec } from "./types.ts";

/** Checks from `[name, needs]` pairs, in config order. */
function checks(...specs: [string, string[]?][]): CheckSpec[] {
  return specs.map(([name, needs = []], index) => ({
    index,
    name,
    type: "http",
    follow_redirects: true,
    env: {},
    method: "GET",
    headers: {},
    retries: 0,
    backoff: 0,
    needs,
  }));
}

/** A NeedsFailure that throws what it was told, so tests can assert it. */
class NeedsError extends Error {
  constructor(readonly index: number, why: string) {
    super(why);
  }
}
const fail = (index: number, why: string): never => {
  throw new NeedsError(index, why);
};

const names = (list: CheckSpec[], order: number[]) => order.map((i) => list[i].name);

test("independent checks keep config order", () => {
  const list = checks(["c"], ["a"], ["b"]);
  assert.deepEqual(orderChecks(list, fail), [0, 1, 2]);
  assert.deepEqual(orderChecks([], fail), []);
});

test("a check runs after what it needs, even when it comes first in the config", () => {
  const list = checks(["app", ["db"]], ["db"]);
  assert.deepEqual(orderChecks(list, fail), [1, 0]);
});

test("a diamond: the top first, the two sides in config order, the bottom last", () => {
  const list = checks(["bottom", ["right", "left"]], ["right", ["top"]], ["left", ["top"]], ["top"]);
  assert.deepEqual(names(list, orderChecks(list, fail)), ["top", "right", "left", "bottom"]);
});

test("ties go to the earliest ready check in config order, including one that just became ready", () => {
  // After x, both a (index 1, needs x) and b (index 2) are ready: a goes first, because the
  // rule is the lowest ready index, not first-come (b was ready before a).
  const list = checks(["x"], ["a", ["x"]], ["b"]);
  assert.deepEqual(names(list, orderChecks(list, fail)), ["x", "a", "b"]);
  // A check that needs something later waits, and the ready ones behind it go ahead.
  const later = checks(["a", ["c"]], ["b"], ["c"], ["d"]);
  assert.deepEqual(names(later, orderChecks(later, fail)), ["b", "c", "a", "d"]);
});

test("a chain given backwards runs forwards; needing the same check twice counts once", () => {
  const list = checks(["d", ["c"]], ["c", ["b"]], ["b", ["a", "a"]], ["a"]);
  assert.deepEqual(names(list, orderChecks(list, fail)), ["a", "b", "c", "d"]);
});

test("every order is a valid schedule: each check after all it needs", () => {
  const list = checks(
    ["e", ["b", "d"]],
    ["a"],
    ["d", ["a"]],
    ["b", ["a", "c"]],
    ["c"],
    ["f", ["e", "c"]],
  );
  const order = orderChecks(list, fail);
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4, 5]);
  const position = new Map(order.map((check, at) => [check, at]));
  dependencies(list).forEach((deps, i) => {
    for (const d of deps) assert.ok(position.get(d)! < position.get(i)!, `${list[d].name} before ${list[i].name}`);
  });
  assert.deepEqual(names(list, order), ["a", "d", "c", "b", "e", "f"]);
});

test("a name no check has", () => {
  const list = checks(["a"], ["b", ["a", "nope"]]);
  assert.throws(() => orderChecks(list, fail), { index: 1, message: 'no check is named "nope"' });
});

test("a needed name that several checks share; unneeded duplicates are fine", () => {
  const list = checks(["db"], ["db"], ["app", ["db"]]);
  assert.throws(() => orderChecks(list, fail), {
    index: 2,
    message: '"db" names 2 checks (checks[0], checks[1]); a check that others need must have a unique name',
  });
  assert.deepEqual(orderChecks(checks(["db"], ["db"]), fail), [0, 1]);
});

test("cycles: a self-need, a 3-cycle, reported at the first check on the cycle", () => {
  assert.throws(() => orderChecks(checks(["a", ["a"]]), fail), { index: 0, message: "needs cycle: a -> a" });
  const three = checks(["a", ["b"]], ["b", ["c"]], ["c", ["a"]]);
  assert.throws(() => orderChecks(three, fail), { index: 0, message: "needs cycle: a -> b -> c -> a" });
  // A cycle behind a check that is not on it: the path starts where the cycle does.
  const behind = checks(["x", ["b"]], ["b", ["c"]], ["c", ["b"]]);
  assert.throws(() => orderChecks(behind, fail), { index: 1, message: "needs cycle: b -> c -> b" });
});

test("dependencies: the indices each check needs, in the order its needs lists them", () => {
  const list = checks(["app", ["db", "cache"]], ["db"], ["cache", ["db"]]);
  assert.deepEqual(dependencies(list), [[1, 2], [], [1]]);
});

test("a long chain does not overflow", () => {
  const n = 2_000;
  const list = checks(...Array.from({ length: n }, (_, i): [string, string[]] => [`c${i}`, i + 1 < n ? [`c${i + 1}`] : []]));
  const order = orderChecks(list, fail);
  assert.equal(order[0], n - 1);
  assert.equal(order[n - 1], 0);
});
