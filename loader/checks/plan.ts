/**
 * The order checks run in under `needs:`: a check starts only after every check it needs, and
 * among checks free to start the one earlier in the config goes first. A name no check has, a
 * name several checks share, and a cycle are config errors, reported against the check whose
 * `needs` holds them.
 *
 * @example
 * ```ts
 * // checks: [app (needs db), db]
 * orderChecks(checks, fail) // [1, 0]: db, then app
 * ```
 */
import type { CheckSpec } from "./types.ts";

/** Reports a problem in `checks[index].needs`; never returns. */
export type NeedsFailure = (index: number, why: string) => never;

/** Validates every `needs` and returns the check indices in run order. */
export function orderChecks(checks: CheckSpec[], fail: NeedsFailure): number[] {
  const byName = new Map<string, number[]>();
  for (const c of checks) byName.set(c.name, [...byName.get(c.name) ?? [], c.index]);
  const deps = checks.map((c) =>
    c.needs.map((need) => {
      const found = byName.get(need);
      if (!found) return fail(c.index, `no check is named ${JSON.stringify(need)}`);
      if (found.length > 1) {
        return fail(c.index, `${JSON.stringify(need)} names ${found.length} checks (${found.map((i) => `checks[${i}]`).join(", ")}); a check that others need must have a unique name`);
      }
      return found[0];
    })
  );
  const cycle = findCycle(deps);
  if (cycle) fail(cycle[0], `needs cycle: ${cycle.map((i) => checks[i].name).join(" -> ")}`);
  // Kahn's algorithm, always taking the lowest ready index, so config order breaks ties.
  const waiting = deps.map((d) => new Set(d).size);
  const order: number[] = [];
  const done = new Set<number>();
  while (order.length < checks.length) {
    const next = waiting.findIndex((n, i) => n === 0 && !done.has(i));
    done.add(next);
    order.push(next);
    deps.forEach((d, i) => {
      if (new Set(d).has(next)) waiting[i]--;
    });
  }
  return order;
}

/** The first cycle found, as a path that starts and ends at the same check, or null. */
function findCycle(deps: number[][]): number[] | null {
  const state = new Array<"new" | "open" | "closed">(deps.length).fill("new");
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    if (state[i] === "closed") return null;
    if (state[i] === "open") return [...path.slice(path.indexOf(i)), i];
    state[i] = "open";
    path.push(i);
    for (const d of deps[i]) {
      const found = visit(d);
      if (found) return found;
    }
    path.pop();
    state[i] = "closed";
    return null;
  };
  for (let i = 0; i < deps.length; i++) {
    const found = visit(i);
    if (found) return found;
  }
  return null;
}

/** The checks each check needs, by index (after orderChecks has validated the names). */
export function dependencies(checks: CheckSpec[]): number[][] {
  const byName = new Map(checks.map((c) => [c.name, c.index]));
  return checks.map((c) => c.needs.map((n) => byName.get(n)!));
}
