/**
 * Discovery without the binary: module directories in the order `require` searches them, the
 * embedded stdlib's top-level files only, and builtins after everything else.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Builtin } from "../plugin.ts";
import { discoverModules, moduleDirectories } from "./discover.ts";

test("module directories: ./modules, each ASSAY_LIB_PATH entry, then ASSAY_MODULES_PATH or ~/.assay/modules", () => {
  assert.deepEqual(moduleDirectories({ ASSAY_LIB_PATH: "/a::/b/", HOME: "/home/u/" }), [
    { dir: "./modules", source: "project" },
    { dir: "/a", source: "lib" },
    { dir: "/b", source: "lib" },
    { dir: "/home/u/.assay/modules", source: "global" },
  ]);
  assert.deepEqual(moduleDirectories({ ASSAY_MODULES_PATH: "/g", HOME: "/home/u" }).at(-1), { dir: "/g", source: "global" });
  // An empty variable counts as unset, as require reads it.
  assert.deepEqual(moduleDirectories({ ASSAY_MODULES_PATH: "", HOME: "/h" }).at(-1), { dir: "/h/.assay/modules", source: "global" });
  assert.deepEqual(moduleDirectories({}), [{ dir: "./modules", source: "project" }]);
});

test("only the embedded stdlib's top-level files (and init.lua) are modules; the loader's own Lua is not", () => {
  const cwd = mkdtempSync(join(tmpdir(), "assay-discover-"));
  try {
    const embedded = {
      "stdlib/ory.lua": "--- @description Ory.\n",
      "stdlib/ory/kratos.lua": "--- @description Kratos.\n",
      "stdlib/k8s/init.lua": "--- @description K8s.\n",
      "stdlib/ory/init.lua": "--- @description Loses to ory.lua, as in require.\n",
      "loader/lua/require.lua": "-- not a module\n",
    };
    const greet: Builtin = { name: "ory", description: "a builtin named like a module", functions: {}, install: () => ({}) };
    const mods = discoverModules({ cwd, env: {}, embedded, builtins: [greet] });
    assert.deepEqual(mods.map((m) => [m.name, m.source, m.description]), [
      ["assay.k8s", "builtin", "K8s."],
      ["assay.ory", "builtin", "Ory."],
      ["ory", "builtin", "a builtin named like a module"],
    ]);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
