/**
 * One description of every builtin: the declarations are complete (return types, keywords,
 * types that resolve), everything a VM installs on a builtin global is declared in every
 * profile, and the methods of the handles scripts get are exactly the declared classes'
 * methods. The fixture at the end shows the check failing on a function installed without a
 * declaration, which is what keeps a new builtin function from reaching a release undocumented.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import "../builtins/index.ts";
import { type Builtin, builtins } from "../loader/plugin.ts";
import { testVm } from "../loader/test-vm.ts";
import { Policy } from "../loader/sandbox/policy.ts";
import { installBuiltin } from "../loader/install-builtins.ts";
import { LUA_OK } from "../loader/lua-api.ts";
import type { Vm } from "../loader/vm.ts";
import { declarationProblems, installedProblems } from "../loader/docs/declaration-check.ts";
import { installedGlobals } from "../loader/docs/installed.ts";
import { runAssay } from "./helpers.ts";

const names = (list: Builtin[]) => new Set(list.map((b) => b.name));

function runLua(vm: Vm, code: string): void {
  assert.equal(vm.api.load(vm.L, new TextEncoder().encode(code), "=fixture", "t"), LUA_OK);
  assert.equal(vm.api.pcall(vm.L, 0, 0), LUA_OK, vm.api.tostring(vm.L, -1) ?? "");
}

test("every declaration is complete: return types, keywords, descriptions, types that resolve", () => {
  assert.deepEqual(declarationProblems(builtins()), []);
});

for (const profile of ["full", "restricted", "pure"] as const) {
  test(`everything installed on a builtin global in ${profile} is declared, and no global is left undeclared`, async () => {
    const vm = await testVm({ policy: new Policy({ profile }) });
    try {
      const installed = installedGlobals(vm.api, vm.L, names(builtins()));
      if (profile === "full") assert.ok(installed.length >= 20, `found ${installed.map((g) => g.name)}`);
      assert.deepEqual(installedProblems(builtins(), installed), []);
    } finally {
      vm.close();
    }
  });
}

test("a function installed without a declaration fails the check (fixture)", async () => {
  const vm = await testVm();
  try {
    // A builtin whose publish step adds a function its declaration does not have.
    const sneaky: Builtin = {
      name: "sneaky",
      description: "A builtin for this test",
      keywords: ["test"],
      functions: { ok: { signature: "sneaky.ok()", description: "Declared and fine", args: [], returns: [] } },
      install: () => ({ ok: () => undefined }),
      publish({ api, L }, table) {
        api.pushfunction(L, () => 0);
        api.setfield(L, table, "extra");
        api.pushvalue(L, table);
        api.setglobal(L, "sneaky");
      },
    };
    installBuiltin(vm.ctx, sneaky);
    // And a global set by hand, and a function slipped onto a real builtin.
    runLua(vm, "stray = function() end; json.undeclared = function() end");
    const all = [...builtins(), sneaky];
    const problems = installedProblems(all, installedGlobals(vm.api, vm.L, names(all)));
    assert.deepEqual(problems, [
      "json.undeclared: installed but not declared",
      "sneaky.extra: installed but not declared",
      "stray: a global installed but declared by no builtin",
    ]);
    assert.deepEqual(declarationProblems(all), [], "the declarations themselves are fine: only the installed check catches this");
  } finally {
    vm.close();
  }
});

/** The classes whose methods scripts call, and Lua that prints the methods a real instance has. */
const HANDLES: Record<string, string> = {
  "http.Client": "show(debug.getmetatable(http.client()).__index)",
  "async.Handle": "local h = async.spawn(function() end); show(h); h:await()",
  "async.Interval": "local i = async.spawn_interval(60, function() end); show(i); i:cancel()",
  "db.Transaction": `local c = db.connect("sqlite::memory:"); db.transaction(c, function(tx) show(tx) end); db.close(c)`,
  "db.Connection": `local c = db.connect("sqlite::memory:"); show(debug.getmetatable(c).__index); db.close(c)`,
  "http.WebSocket": `
    async.spawn(function()
      http.serve(0, { GET = { ["/ws"] = { ws = function(conn) show(conn); os.exit(0) end } } }, { host = "127.0.0.1" })
    end)
    while not _SERVER_PORT do sleep(0.01) end
    ws.connect("ws://127.0.0.1:" .. _SERVER_PORT .. "/ws")
    sleep(10)`,
};

test("the handles scripts get have exactly the methods their classes declare", () => {
  const classes = new Map(builtins().flatMap((b) => Object.entries(b.classes ?? {})));
  const withMethods = [...classes].filter(([, c]) => Object.keys(c.methods ?? {}).length).map(([name]) => name).sort();
  const checked = Object.keys(HANDLES).filter((name) => Object.keys(classes.get(name)?.methods ?? {}).length).sort();
  assert.deepEqual(checked, withMethods, "every class with methods is checked against a real instance");
  for (const [name, lua] of Object.entries(HANDLES)) {
    const code = `local function show(t) local k = {} for n, v in pairs(t) do if type(v) == "function" then k[#k + 1] = n end end
      table.sort(k) print(table.concat(k, " ")) end
      ${lua}`;
    const r = runAssay(["exec", "-e", code], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), Object.keys(classes.get(name)!.methods ?? {}).sort().join(" "), name);
  }
});
