/**
 * The layers stay apart: no import cycles among the runtime's modules, the loader never
 * imports a builtin (builtins register themselves; only main.ts and tests import them), and
 * builtins reach the loader only through its public modules. Type-only imports count too: a
 * cycle of types is still a tangle to read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./helpers.ts";

/** Every non-test TypeScript module of the runtime, relative to the root. */
function modules(): string[] {
  const out: string[] = ["main.ts"];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".gen.ts")) out.push(path);
    }
  };
  walk("loader");
  walk("builtins");
  return out;
}

/** The runtime modules a module imports (relative specifiers only). */
function importsOf(module: string): string[] {
  const text = readFileSync(join(ROOT, module), "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)) {
    found.push(relative(ROOT, resolve(ROOT, dirname(module), m[1])));
  }
  return found.filter((p) => p.endsWith(".ts"));
}

const graph = new Map(modules().map((m) => [m, importsOf(m)]));

test("there are no import cycles", () => {
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[] = [];
  const visit = (m: string, path: string[]) => {
    if (state.get(m) === "done") return;
    if (state.get(m) === "visiting") {
      cycles.push([...path.slice(path.indexOf(m)), m].join(" -> "));
      return;
    }
    state.set(m, "visiting");
    for (const dep of graph.get(m) ?? []) visit(dep, [...path, m]);
    state.set(m, "done");
  };
  for (const m of graph.keys()) visit(m, []);
  assert.deepEqual(cycles, []);
});

test("the loader never imports a builtin; builtins import only the loader and each other", () => {
  const wrong: string[] = [];
  for (const [m, deps] of graph) {
    for (const dep of deps) {
      if (m.startsWith("loader/") && dep.startsWith("builtins/")) wrong.push(`${m} -> ${dep}`);
      if (m.startsWith("builtins/") && !dep.startsWith("loader/") && !dep.startsWith("builtins/")) wrong.push(`${m} -> ${dep}`);
      if (m.startsWith("builtins/") && dep === "main.ts") wrong.push(`${m} -> ${dep}`);
    }
  }
  assert.deepEqual(wrong, []);
});
