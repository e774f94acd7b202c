/**
 * `assay types [dir]` through the binary: LuaCATS files for every builtin global and every
 * embedded stdlib module, and a `.luarc.json` merged rather than clobbered. lua-language-server
 * cannot run here, so the tests check what they can: every file parses as Lua (`luac5.4 -p`),
 * every function a VM installs has an annotated stub, the annotated parameters and returns are
 * the declarations', and every stdlib function on a table is documented.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import "../builtins/index.ts";
import { builtins, type CallDoc, qualifiedName } from "../loader/plugin.ts";
import { testVm } from "../loader/test-vm.ts";
import { installedGlobals } from "../loader/docs/installed.ts";
import { annotationProblems, scanLua } from "../loader/docs/lua-annotations.ts";
import { EMBEDDED } from "../stdlib/embedded.gen.ts";
import { runAssay, tempDir } from "./helpers.ts";

function types(cwd: string, ...args: string[]) {
  return runAssay(["types", ...args], { cwd });
}

/** Every file below `dir`, relative to it. */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path).map((f) => `${name}/${f}`));
    else out.push(name);
  }
  return out.sort();
}

interface Stub {
  params: string[];
  /** The `---` lines above it. */
  doc: string[];
}

/** The `function name(params) end` stubs of a generated file, by name, with their doc blocks. */
function stubs(text: string): Map<string, Stub> {
  const out = new Map<string, Stub>();
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const m = /^function ([\w.:]+)\(([^)]*)\) end$/.exec(line);
    if (!m) return;
    const doc: string[] = [];
    for (let j = i - 1; j >= 0 && lines[j].startsWith("---"); j--) doc.unshift(lines[j]);
    out.set(m[1], { params: m[2] ? m[2].split(", ") : [], doc });
  });
  return out;
}

/** Checks a stub's `---@param`/`---@return` lines against a declaration. */
function matchesDeclaration(where: string, stub: Stub | undefined, decl: CallDoc): void {
  assert.ok(stub, `${where}: no annotated stub`);
  assert.deepEqual(stub.params, decl.args.map((a) => a.name), `${where}: parameters`);
  const params = stub.doc.filter((l) => l.startsWith("---@param ")).map((l) => l.split(" ")[1]);
  assert.deepEqual(params, decl.args.map((a) => a.name + (a.optional ? "?" : "")), `${where}: ---@param lines`);
  const returns = stub.doc.filter((l) => l.startsWith("---@return ")).map((l) => l.slice(11).split(" ")[0]);
  assert.deepEqual(returns, (decl.returns ?? []).map((r) => r.type.split(" ")[0]), `${where}: ---@return lines`);
  assert.ok(stub.doc[0].startsWith("--- ") && stub.doc[0].length > 10, `${where}: a description comes first`);
}

test("assay types writes one file per builtin and per stdlib module, and creates .luarc.json", () => {
  const cwd = tempDir();
  const r = types(cwd);
  assert.equal(r.code, 0, r.stderr);
  const expected = [...builtins().map((b) => `${b.name}.lua`), ...Object.keys(EMBEDDED).filter((p) => p.startsWith("stdlib/")).map((p) => `assay/${p.slice(7)}`)].sort();
  assert.deepEqual(files(join(cwd, ".assay/types")), expected);
  assert.equal(r.stdout, `wrote ${expected.length} files to .assay/types\ncreated .luarc.json (workspace.library: .assay/types)\n`);
  const luarc = JSON.parse(readFileSync(join(cwd, ".luarc.json"), "utf8"));
  assert.deepEqual(luarc["workspace.library"], [".assay/types"]);
  assert.equal(luarc["runtime.version"], "Lua 5.4");
});

test("every generated file parses as Lua (luac5.4 -p) and is a ---@meta file", () => {
  const cwd = tempDir();
  assert.equal(types(cwd).code, 0);
  const dir = join(cwd, ".assay/types");
  const all = files(dir);
  for (const f of all) {
    // One file per call: luac5.4 5.4.6 crashes (double free) given many files at once.
    const luac = spawnSync("luac5.4", ["-p", join(dir, f)], { encoding: "utf8" });
    assert.equal(luac.error, undefined, "luac5.4 must be installed (it comes with the lua5.4 package)");
    assert.equal(luac.status, 0, `${f}: ${luac.stderr}`);
    assert.match(readFileSync(join(dir, f), "utf8"), /^---@meta/, f);
  }
  // And luac does reject what is not Lua, so the check means something.
  writeFileSync(join(cwd, "broken.lua"), "function x.y( end");
  assert.notEqual(spawnSync("luac5.4", ["-p", join(cwd, "broken.lua")]).status, 0);
});

test("every installed function has an annotated stub whose parameters and returns are the declaration's", async () => {
  const cwd = tempDir();
  assert.equal(types(cwd).code, 0);
  const dir = join(cwd, ".assay/types");
  const vm = await testVm();
  const installed = installedGlobals(vm.api, vm.L, new Set(builtins().map((b) => b.name)));
  vm.close();
  let checked = 0;
  for (const b of builtins()) {
    const text = readFileSync(join(dir, `${b.name}.lua`), "utf8");
    const found = stubs(text);
    const g = installed.find((i) => i.name === b.name)!;
    // What the VM has, not only what is declared: a function installed on the global needs a stub.
    const names = b.callable ? [b.name] : g.functions.map((fn) => qualifiedName(b, fn));
    assert.ok(names.length > 0, b.name);
    for (const name of names) {
      const fn = b.callable ? b.name : name.slice(b.name.length + 1);
      matchesDeclaration(name, found.get(name), b.functions[fn]);
      checked++;
    }
    for (const value of g.values) assert.match(text, new RegExp(`---@type \\S+\\n${b.name}\\.${value} = nil\\n`), `${b.name}.${value}`);
    if (b.call) assert.match(text, new RegExp(`---@overload fun\\(${b.call.args.map((a) => `${a.name}\\??: [^,)]+`).join(", ")}\\)`), `${b.name}()`);
    for (const [cls, decl] of Object.entries(b.classes ?? {})) {
      assert.match(text, new RegExp(`^---@class ${cls.replace(".", "\\.")}$`, "m"), cls);
      for (const [field, f] of Object.entries(decl.fields ?? {})) {
        assert.ok(text.includes(`---@field ${field}${f.optional ? "?" : ""} ${f.type}`), `${cls}.${field}`);
      }
      for (const [method, doc] of Object.entries(decl.methods ?? {})) {
        matchesDeclaration(`${cls}:${method}`, found.get(`${cls.replace(/\W/g, "_")}:${method}`), doc);
        checked++;
      }
    }
  }
  assert.ok(checked > 80, `checked ${checked}`);
});

test("option tables become classes with their fields; handles and results are classes", () => {
  const cwd = tempDir();
  assert.equal(types(cwd).code, 0);
  const shell = readFileSync(join(cwd, ".assay/types/shell.lua"), "utf8");
  assert.ok(shell.includes("---@param opts? shell.ExecOptions\n---@return shell.Result\nfunction shell.exec(cmd, opts) end"));
  assert.ok(shell.includes("---@class shell.ExecOptions\n---@field cwd? string working directory\n---@field env? table<string, string>"));
  assert.ok(shell.includes("--- * `shell.exec: command string required`"), "error texts are in the description");
  const http = readFileSync(join(cwd, ".assay/types/http.lua"), "utf8");
  assert.ok(http.includes("---@class http.Client\nlocal http_Client = {}"));
  assert.ok(http.includes("---@return http.Response\nfunction http_Client:get(url, opts) end"));
  assert.ok(http.includes("---@type integer?\n_SERVER_PORT = nil"), "a global a function sets");
  const time = readFileSync(join(cwd, ".assay/types/time.lua"), "utf8");
  assert.ok(time.includes("---@return number # seconds since 1970-01-01 UTC\nfunction time() end"), "a callable global is a function");
  const os = readFileSync(join(cwd, ".assay/types/os.lua"), "utf8");
  assert.doesNotMatch(os, /^os = /m, "Lua's os table is extended, not replaced");
  const assertFile = readFileSync(join(cwd, ".assay/types/assert.lua"), "utf8");
  assert.ok(assertFile.includes("---@class assertlib\n---@overload fun(v?: any, msg?: any): any ...\nassert = {}"));
});

test("stdlib modules: every function on a table is documented, and its stub keeps the annotations", () => {
  const cwd = tempDir();
  assert.equal(types(cwd).code, 0);
  for (const [path, source] of Object.entries(EMBEDDED)) {
    if (!path.startsWith("stdlib/")) continue;
    const scanned = scanLua(source);
    assert.deepEqual(annotationProblems(scanned), [], path);
    const text = readFileSync(join(cwd, ".assay/types/assay", path.slice(7)), "utf8");
    const name = "assay." + path.slice(7, -4).replace(/\/init$/, "").replaceAll("/", ".");
    assert.ok(text.startsWith(`---@meta ${name}\n`), path);
    const found = stubs(text);
    for (const item of scanned.items) {
      if (item.kind !== "function" || item.indent > 0) continue;
      const stub = found.get(`${item.owner}${item.sep}${item.name}`);
      assert.ok(stub, `${path}: ${item.owner}${item.sep}${item.name}`);
      assert.deepEqual(stub.params, item.params);
      const params = stub.doc.filter((l) => l.startsWith("---@param ")).map((l) => l.split(" ")[1].replace(/\?$/, ""));
      assert.deepEqual(params, item.params.filter((p) => p !== "self"), `${path}: ${item.name}`);
    }
  }
  const inspect = readFileSync(join(cwd, ".assay/types/assay/inspect.lua"), "utf8");
  assert.ok(inspect.includes("---@overload fun(value: any, opts?: assay.inspect.Options): string\nlocal M = {}"));
  assert.ok(inspect.includes("---@param opts? assay.inspect.Options depth, indent, width, metatables\n---@return string\nfunction M.inspect(value, opts) end"));
  assert.ok(inspect.trimEnd().endsWith("return M"));
});

test(".luarc.json: merged into, never clobbered; a second run changes nothing; an unmergeable one is refused", () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, ".luarc.json"), JSON.stringify({ "diagnostics.globals": ["describe"], "workspace.library": ["vendor"] }, null, 2));
  const r = types(cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^updated \.luarc\.json \(workspace\.library: \.assay\/types\)$/m);
  const luarc = JSON.parse(readFileSync(join(cwd, ".luarc.json"), "utf8"));
  assert.deepEqual(luarc, { "diagnostics.globals": ["describe"], "workspace.library": ["vendor", ".assay/types"], "runtime.version": "Lua 5.4" });
  const again = types(cwd);
  assert.match(again.stdout, /^\.luarc\.json already lists \.assay\/types$/m);

  const refused = tempDir();
  writeFileSync(join(refused, ".luarc.json"), '{\n  // comments are not JSON\n  "workspace.library": []\n}\n');
  const bad = types(refused);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^assay: types: cannot merge into \.luarc\.json: it is not plain JSON \(.*\); add "\.assay\/types" to its "workspace\.library" yourself\n$/);
  assert.equal(existsSync(join(refused, ".assay")), false, "nothing is written when .luarc.json cannot be merged");
  assert.equal(bad.stdout, "");
});

test("a directory of one's own: relative to the project in .luarc.json, absolute outside it; stale generated files go", () => {
  const cwd = tempDir();
  const r = types(cwd, "editor/types");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(cwd, "editor/types/http.lua")));
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, ".luarc.json"), "utf8"))["workspace.library"], ["editor/types"]);

  const outside = tempDir();
  const r2 = types(cwd, outside);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, ".luarc.json"), "utf8"))["workspace.library"], ["editor/types", outside]);

  // A builtin that is gone leaves a generated file behind: the next run removes it, not the user's own files.
  const dir = join(cwd, "editor/types");
  writeFileSync(join(dir, "gone.lua"), "---@meta\n-- Generated by `assay types` from the declarations of the builtin `gone`.\n");
  mkdirSync(join(dir, "mine"));
  writeFileSync(join(dir, "mine/notes.lua"), "---@meta\n-- my own annotations\n");
  const r3 = types(cwd, "editor/types");
  assert.match(r3.stdout, /^removed 1 stale files: gone\.lua$/m);
  assert.equal(existsSync(join(dir, "gone.lua")), false);
  assert.ok(existsSync(join(dir, "mine/notes.lua")));
  assert.deepEqual(relative(cwd, dir), "editor/types");
});

test("assay types never replaces a file it did not write, nor touches another generated tree below DIR", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "json.lua"), 'print("my own json module")\n');
  const refused = runAssay(["types", "."], { cwd: dir });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /json\.lua exists and was not written by assay types; choose another DIR \(nothing was written\)/);
  assert.equal(readFileSync(join(dir, "json.lua"), "utf8"), 'print("my own json module")\n');
  assert.ok(!existsSync(join(dir, ".luarc.json")), "nothing was written");
  // An earlier generated tree in a subdirectory survives a run for the parent directory.
  const project = tempDir();
  assert.equal(runAssay(["types", "vendor-types"], { cwd: project }).code, 0);
  const before = readdirSync(join(project, "vendor-types")).length;
  const again = runAssay(["types", "."], { cwd: project });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /vendor-types/);
  assert.equal(readdirSync(join(project, "vendor-types")).length, before);
});
