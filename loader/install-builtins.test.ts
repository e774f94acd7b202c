/**
 * Builtins are installed from their declarations: what a VM gets is exactly what is declared
 * (per function, per profile, per capability flag), async functions suspend and can be
 * cancelled, and the lint rule keeps builtins off the host modules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import "../builtins/index.ts";
import { testVm } from "./test-vm.ts";
import { builtins, qualifiedName } from "./plugin.ts";
import type { Builtin } from "./plugin.ts";
import { INSTALLED_KEY, installBuiltin } from "./install-builtins.ts";
import { Policy } from "./sandbox/policy.ts";
import { lazy } from "./lazy.ts";
import { errorText } from "./error-text.ts";
import { reportError } from "./run.ts";
import { LUA_OK, LUA_REGISTRYINDEX, LUA_TFUNCTION, LUA_TTABLE } from "./lua-api.ts";
import type { Vm } from "./vm.ts";

const ROOT = resolve(import.meta.dirname ?? ".", "..");

/** The names of the functions a builtin installed (recorded by the installer in the registry). */
function installedFunctions(vm: Vm, builtin: Builtin): string[] {
  const { api, L } = vm;
  api.settop(L, 0);
  api.getfield(L, LUA_REGISTRYINDEX, INSTALLED_KEY);
  const t = api.getfield(L, 1, builtin.name);
  if (t === LUA_TFUNCTION) return [builtin.name];
  if (t !== LUA_TTABLE) return [];
  const names: string[] = [];
  api.pushnil(L);
  while (api.next(L, 2)) {
    if (api.type(L, -1) === LUA_TFUNCTION) names.push(api.tostring(L, -2)!);
    api.pop(L);
  }
  return names.sort();
}

for (const profile of ["full", "restricted", "pure"] as const) {
  test(`every function installed in ${profile} is declared, and every declared function it admits is installed`, async () => {
    const vm = await testVm({ policy: new Policy({ profile }) });
    for (const builtin of builtins()) {
      const admitted = Object.entries(builtin.functions)
        .filter(([, d]) => profile === "full" || (d.profiles ?? []).includes(profile))
        .map(([name]) => name).sort();
      const installed = installedFunctions(vm, builtin);
      assert.deepEqual(installed, builtin.callable ? (admitted.length ? [builtin.name] : []) : admitted, `${builtin.name} in ${profile}`);
    }
    vm.close();
  });
}

test("every declaration documents itself: signature naming the function, description, argument names", () => {
  for (const builtin of builtins()) {
    for (const [name, decl] of Object.entries(builtin.functions)) {
      const full = qualifiedName(builtin, name);
      assert.ok(decl.signature.startsWith(full + "("), `${full}: signature ${decl.signature}`);
      assert.ok(decl.description.length > 10, `${full}: description`);
      for (const arg of decl.args) assert.ok(arg.name, `${full}: an argument without a name`);
    }
  }
});

const fakeDecl = (profiles: ("restricted" | "pure")[], capabilities: ("net" | "listen")[] = []) => ({
  signature: "fake.x()",
  description: "a function for the test",
  args: [],
  profiles,
  capabilities,
});

test("a profile or a flag can admit one function of a global and leave out another", async () => {
  const fake: Builtin = {
    name: "fake",
    description: "test builtin",
    functions: { get: fakeDecl(["restricted"], ["net"]), serve: fakeDecl([], ["listen"]) },
    install: () => ({ get: () => "got", serve: () => "served" }),
  };
  const check = async (policy: Policy, expected: string) => {
    const vm = await testVm({ policy });
    installBuiltin(vm.ctx, fake);
    vm.api.load(vm.L, new TextEncoder().encode(`return (fake and fake.get and "get" or "-") .. "," .. (fake and fake.serve and "serve" or "-")`), "=t", "t");
    assert.equal(vm.api.pcall(vm.L, 0, 1), LUA_OK);
    assert.equal(vm.api.tostring(vm.L, -1), expected);
    vm.close();
  };
  await check(new Policy({ profile: "restricted" }), "get,-");
  await check(new Policy({ profile: "pure" }), "-,-");
  await check(new Policy({ profile: "pure", allow: { listen: true } }), "-,serve");
  await check(new Policy({ profile: "full" }), "get,serve");
});

test("installing fails when implementations and declarations differ", async () => {
  const vm = await testVm();
  const extra: Builtin = {
    name: "fake2",
    description: "test builtin",
    functions: { a: fakeDecl([]) },
    install: () => ({ a: () => 1, b: () => 2 }),
  };
  assert.throws(() => installBuiltin(vm.ctx, extra), /fake2: b is implemented but not declared/);
  const missing: Builtin = { ...extra, install: () => ({}) };
  assert.throws(() => installBuiltin(vm.ctx, missing), /fake2: a is declared but not implemented/);
  vm.close();
});

test("an async function suspends its task; a JS failure reaches Lua as '<fn>: <message>'", async () => {
  const vm = await testVm();
  const fake: Builtin = {
    name: "fake3",
    description: "test builtin",
    functions: {
      later: { ...fakeDecl([]), signature: "fake3.later(x)", args: [{ name: "x", type: "integer" }], async: true },
      broken: { ...fakeDecl([]), signature: "fake3.broken()" },
    },
    install: () => ({
      later: ([x]: [number]) => new Promise((r) => setTimeout(() => r({ doubled: x * 2 }), 5)),
      broken: () => {
        throw new TypeError("cannot read properties of undefined");
      },
    }),
  };
  installBuiltin(vm.ctx, fake);
  const { api, L, scheduler } = vm;
  api.load(L, new TextEncoder().encode(`
    assert(fake3.later(21).doubled == 42)
    local ok, err = pcall(fake3.broken)
    assert(not ok and err == "fake3.broken: cannot read properties of undefined", err)
    ok, err = pcall(fake3.later, 1.5)
    assert(not ok and err == "fake3.later: first argument must be an integer", err)
  `), "@t.lua", "t");
  const outcome = await scheduler.run(scheduler.spawn(L, 0, "main"));
  assert.ok(outcome.ok, outcome.ok ? "" : api.tostring(scheduler.current?.thread ?? L, -1) ?? "");
  // The unexpected JS error's stack is kept for the uncaught-error report (shown at -v).
  assert.match(vm.ctx.jsErrors.find("t.lua:3: fake3.broken: cannot read properties of undefined") ?? "", /TypeError: cannot read properties of undefined\n\s+at /);
  vm.close();
});

test("a function that needs a lazy dependency loads it on first use, not at install, even where Lua cannot yield", async () => {
  let loads = 0;
  const dep = lazy(() => {
    loads++;
    return { greet: (name: string) => `hello, ${name}` };
  });
  const vm = await testVm();
  installBuiltin(vm.ctx, {
    name: "fake4",
    description: "test builtin",
    functions: { hi: { ...fakeDecl([]), signature: "fake4.hi(name)", args: [{ name: "name", type: "text" }], needs: dep } },
    install: () => ({ hi: ([name]: [string]) => dep.get().greet(name) }),
  });
  assert.equal(loads, 0, "installing does not load it");
  const { api, L, scheduler } = vm;
  // The first call inside a table.sort comparator, where a yield would fail.
  api.load(L, new TextEncoder().encode(`
    local t = { 2, 1 }
    table.sort(t, function(a, b) assert(fake4.hi("a") == "hello, a") return a < b end)
    assert(fake4.hi("b") == "hello, b")
  `), "@t.lua", "t");
  assert.ok((await scheduler.run(scheduler.spawn(L, 0, "main"))).ok);
  assert.equal(loads, 1);
  vm.close();
});

test("a lazy function's first call sees its stack arguments; a failed load reads '<fn>: ...'", async () => {
  const ok = lazy(() => true);
  const broken = lazy((): never => {
    throw new Error("Cannot find package 'nowhere'");
  });
  const vm = await testVm();
  const { api, L, scheduler } = vm;
  installBuiltin(vm.ctx, {
    name: "fake5",
    description: "test builtin",
    functions: {
      call: { ...fakeDecl([]), signature: "fake5.call(fn)", args: [{ name: "fn", type: "function" }], needs: ok },
      broken: { ...fakeDecl([]), signature: "fake5.broken()", needs: broken },
    },
    install: () => ({
      call: ([fn]: [number], { L }: { L: number }) => {
        // Calls the Lua function at the argument's stack index (valid in a sync call).
        api.pushvalue(L, fn);
        api.call(L, 0, 1);
        const r = api.tostring(L, -1);
        api.pop(L);
        return r;
      },
      broken: () => "unreachable",
    }),
  });
  api.load(L, new TextEncoder().encode(`
    assert(fake5.call(function() return "first" end) == "first")
    assert(fake5.call(function() return "second" end) == "second")
    local ok, err = pcall(fake5.broken)
    assert(not ok and err == "fake5.broken: Cannot find package 'nowhere'", err)
  `), "@t.lua", "t");
  const task = scheduler.spawn(L, 0, "main");
  const outcome = await scheduler.run(task);
  assert.ok(outcome.ok, outcome.ok ? "" : errorText(api, task.thread, -1, L));
  vm.close();
});

test("the lint rule fails a builtin that reaches the host itself (node:fs, node:child_process, fetch, Bun.*)", () => {
  const dir = mkdtempSync(join(tmpdir(), "assay-lint-"));
  try {
    mkdirSync(join(dir, "builtins"));
    writeFileSync(join(dir, "deno.json"), JSON.stringify({ lint: { plugins: [join(ROOT, "scripts", "lint-plugin.ts")] } }));
    writeFileSync(join(dir, "builtins", "bad.ts"), `import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n`);
    writeFileSync(join(dir, "builtins", "bad2.ts"), `export const g = () => import("node:child_process");\n`);
    writeFileSync(join(dir, "builtins", "bad3.ts"), `export const r = () => fetch("http://x");\nexport const s = () => Bun.spawn(["ls"]);\n`);
    writeFileSync(join(dir, "builtins", "bad4.ts"), `export const w = () => new WebSocket("ws://x");\nexport const g = () => globalThis.fetch("http://x");\n`);
    writeFileSync(join(dir, "builtins", "good.ts"), `import { join } from "node:path";\nexport const h = join;\n`);
    // scripts/test.sh sets DENO_BIN; run alone, the copy it fetched is used when there is one.
    const fetched = join(ROOT, ".tools", "node_modules", "deno", "deno");
    const deno = process.env.DENO_BIN ?? (existsSync(fetched) ? fetched : "deno");
    const r = spawnSync(deno, ["lint"], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.notEqual(r.status, 0);
    const out = r.stdout + r.stderr;
    assert.match(out, /assay\/builtins-use-host.*do not import node:fs/);
    assert.match(out, /do not import node:child_process/);
    assert.match(out, /builtins fetch through ctx\.host\.fetch/);
    assert.match(out, /not Bun\.\*/);
    assert.match(out, /not WebSocket/);
    assert.match(out, /not globalThis\.fetch/);
    assert.doesNotMatch(out, /good\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an uncaught error that began as a JS exception shows its JS stack in the report at -v", async () => {
  const vm = await testVm();
  installBuiltin(vm.ctx, {
    name: "fake6",
    description: "test builtin",
    functions: { broken: { ...fakeDecl([]), signature: "fake6.broken()" } },
    install: () => ({
      broken: () => {
        throw new RangeError("index out of range");
      },
    }),
  });
  const { api, L, scheduler } = vm;
  api.load(L, new TextEncoder().encode(`fake6.broken()`), "@t.lua", "t");
  const task = scheduler.spawn(L, 0, "main");
  assert.equal((await scheduler.run(task)).ok, false);
  reportError(vm, task.thread);
  const records = (vm.ctx.log as unknown as { records: { level: string; message: string; fields: Record<string, unknown> }[] }).records;
  const error = records.find((r) => r.level === "ERROR");
  assert.equal(error?.message, "t.lua:1: fake6.broken: index out of range");
  assert.match(String(error?.fields.traceback), /stack traceback:[\s\S]*JavaScript stack of the error:\nRangeError: index out of range\n\s+at /);
  vm.close();
});
