/**
 * The sandbox matrix: one script lists every builtin global and every function of it, and is
 * run under `full`, `restricted` and `pure` and under each capability flag, against a table
 * written from docs/sandbox.md and spec README §0 items 5, 9 and 15 (not from the code's
 * declarations, so a declaration that drifts from the documented profile fails here). Then
 * the functions a profile installs but must deny raise the denial naming the capability and
 * the flag that grants it, judged on the path after its symlinks are resolved.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";

/** Lists each global that is not Lua's own as `name type member,member,...` (members sorted). */
const LISTING = `
local lua = {}
for name in ([[_G _VERSION arg assert collectgarbage coroutine debug dofile error getmetatable io ipairs load
  loadfile math next os package pairs pcall print rawequal rawget rawlen rawset require select setmetatable string
  table tonumber tostring type utf8 warn xpcall]]):gmatch("%S+") do lua[name] = true end
local names = {}
for name in pairs(_G) do if not lua[name] then names[#names + 1] = name end end
names[#names + 1] = "assert"
names[#names + 1] = "os"
table.sort(names)
for _, name in ipairs(names) do
  local v, members = _G[name], {}
  if name == "assert" then
    -- a function whose assertion functions hang off the shared function metatable
    for _, f in ipairs({ "eq", "ne", "gt", "lt", "contains", "not_nil", "matches" }) do
      if v[f] ~= nil then members[#members + 1] = f end
    end
  elseif type(v) == "table" then
    for k in pairs(v) do members[#members + 1] = k end
  end
  table.sort(members)
  print(name, type(v), table.concat(members, ","))
end
`;

type Listing = Record<string, { type: string; members: string[] }>;

function parse(stdout: string): Listing {
  const out: Listing = {};
  for (const line of stdout.split("\n").filter(Boolean)) {
    const [name, type, members] = line.split("\t");
    out[name] = { type, members: members ? members.split(",") : [] };
  }
  return out;
}

function listing(flags: string[]): Listing {
  const dir = tempDir();
  writeFileSync(join(dir, "list.lua"), LISTING);
  const r = runAssay([...flags, "list.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
  assert.equal(r.code, 0, `assay ${flags.join(" ")}: ${r.stderr}`);
  return parse(r.stdout);
}

// ---- the documented table -----------------------------------------------------------------

const FS_READS = ["read", "read_bytes", "list", "readdir", "stat", "exists", "glob", "copy"];
const FS_WRITES = ["write", "write_bytes", "remove", "mkdir", "copy", "rename", "tempdir", "chmod"];
/** db: every function declares net, read and write (server URLs and SQLite files). */
const DB = ["connect", "query", "execute", "close", "transaction", "bytes"];
const OS_STD = ["clock", "date", "difftime", "execute", "exit", "getenv", "remove", "rename", "setlocale", "time", "tmpname"];
/** `pure` keeps the clock and calendar functions of `os`, and arch/platform. */
const OS_PURE = ["arch", "clock", "date", "difftime", "platform", "time"];

const tbl = (...members: string[]) => ({ type: "table", members: [...new Set(members)].sort() });
const fn = { type: "function", members: [] };

/** Every builtin of the contract and the additions beyond the reference, as `full` has them. */
const FULL: Listing = {
  assert: { type: "function", members: ["contains", "eq", "gt", "lt", "matches", "ne", "not_nil"] },
  async: tbl("spawn", "spawn_interval"),
  base64: tbl("encode", "decode"),
  crypto: tbl("hash", "hmac", "random", "jwt_sign", "jwt_decode", "jwt_verify", "hash_file"),
  db: tbl(...DB),
  disk: tbl("usage", "sweep", "dir_size"),
  env: tbl("get", "set", "list"),
  fs: tbl(...FS_READS, ...FS_WRITES),
  http: tbl("get", "post", "put", "patch", "delete", "request", "download", "client", "serve"),
  json: tbl("parse", "encode", "object", "array", "null"),
  log: tbl("debug", "info", "warn", "error"),
  markdown: tbl("to_html"),
  os: tbl(...OS_STD, "hostname", "arch", "platform"),
  process: tbl("list", "is_running", "kill", "wait_idle"),
  regex: tbl("match", "find", "find_all", "replace"),
  shell: tbl("exec"),
  sleep: fn,
  template: tbl("render", "render_string"),
  time: fn,
  toml: tbl("parse", "encode"),
  ws: tbl("connect", "send", "recv", "close"),
  yaml: tbl("parse", "encode", "parse_all", "encode_all"),
};

function without(base: Listing, ...names: string[]): Listing {
  return Object.fromEntries(Object.entries(base).filter(([name]) => !names.includes(name)));
}

/** `restricted`: everything but http.serve, shell, process, disk and ws (item 9); db for SQLite (item 15). */
const RESTRICTED: Listing = {
  ...without(FULL, "shell", "process", "disk", "ws"),
  http: tbl("get", "post", "put", "patch", "delete", "request", "download", "client"),
};

/** `pure`: data formats, regex, template.render_string, markdown, crypto but hash_file, assert, log, time. */
const PURE: Listing = {
  assert: FULL.assert,
  base64: FULL.base64,
  crypto: tbl("hash", "hmac", "random", "jwt_sign", "jwt_decode", "jwt_verify"),
  json: FULL.json,
  log: FULL.log,
  markdown: FULL.markdown,
  os: tbl(...OS_PURE),
  regex: FULL.regex,
  template: tbl("render_string"),
  time: fn,
  toml: FULL.toml,
  yaml: FULL.yaml,
};

/** Adds members to globals of a listing (creating the global), as a flag installs them. */
function plus(base: Listing, extra: Record<string, string[]>): Listing {
  const out = { ...base };
  for (const [name, members] of Object.entries(extra)) out[name] = tbl(...(out[name]?.members ?? []), ...members);
  return out;
}

// The network builtins' flag rows belong to their own tests (http-client, ws); here a flag row
// compares everything else.
const NET = ["http", "ws"];

const ROWS: [string[], Listing, string[]][] = [
  [[], FULL, []],
  [["--sandbox=full"], FULL, []],
  [["--sandbox=restricted"], RESTRICTED, []],
  [["--sandbox=pure"], PURE, []],
  // A flag that grants a capability installs the functions that need it (item 9).
  [["--sandbox=pure", "--allow-read=/proc"], plus(PURE, {
    fs: FS_READS,
    disk: ["usage", "dir_size", "sweep"],
    crypto: ["hash_file"],
    template: ["render"],
    process: ["list", "is_running", "wait_idle"],
    db: DB,
  }), NET],
  [["--sandbox=pure", "--allow-write=/tmp"], plus(PURE, { fs: FS_WRITES, disk: ["sweep"], db: DB }), NET],
  [["--sandbox=pure", "--allow-run=kill"], plus(PURE, { shell: ["exec"], process: ["kill"] }), NET],
  [["--sandbox=pure", "--allow-env=HOME"], plus(PURE, { env: ["get", "set", "list"] }), NET],
  [["--sandbox=restricted", "--allow-read=/proc"], plus(RESTRICTED, {
    disk: ["usage", "dir_size", "sweep"],
    process: ["list", "is_running", "wait_idle"],
  }), NET],
  [["--sandbox=restricted", "--allow-write=/tmp"], plus(RESTRICTED, { disk: ["sweep"] }), NET],
  [["--sandbox=restricted", "--allow-run=kill"], plus(RESTRICTED, { shell: ["exec"], process: ["kill"] }), NET],
  [["--sandbox=restricted", "--allow-env=HOME"], RESTRICTED, NET],
];

for (const [flags, expected, skip] of ROWS) {
  test(`matrix: ${flags.join(" ") || "(no flags)"} installs exactly the documented globals and functions`, () => {
    const got = without(listing(flags), ...skip);
    assert.deepEqual(got, without(expected, ...skip));
  });
}

// ---- installed but denied -----------------------------------------------------------------

/** Lua helper: `denied(f, text, ...)` asserts that calling f(...) raises an error containing text. */
const DENIED = `local function denied(f, text, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected a denial: " .. text)
  assert(tostring(e):find(text, 1, true), ("%q does not contain %q"):format(tostring(e), text))
end
`;

function pass(flags: string[], code: string, dir = tempDir()): void {
  writeFileSync(join(dir, "t.lua"), DENIED + code);
  const r = runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
  assert.equal(r.code, 0, `assay ${flags.join(" ")}: ${r.stderr}`);
}

const grant = (fn: string, cap: string, target: string, profile: string, flag = cap) =>
  `${fn}: ${cap} access to ${JSON.stringify(target)} denied by sandbox profile "${profile}" (grant with --allow-${flag}=${target})`;

test("matrix: restricted installs fs, template.render and crypto.hash_file, and each names --allow-read", () => {
  const hostname = JSON.stringify("/etc/hostname");
  const calls = ["fs.read", "fs.read_bytes", "template.render", "crypto.hash_file"]
    .map((fn) => `denied(${fn}, ${JSON.stringify(grant(fn, "read", "/etc/hostname", "restricted"))}, ${hostname})`);
  pass(["--sandbox=restricted"], `${calls.join("\n")}
denied(fs.write_bytes, ${JSON.stringify(grant("fs.write_bytes", "write", "/tmp/x", "restricted"))}, "/tmp/x", "y")`);
});

test("matrix: process and disk installed by one grant name the other capability they need", () => {
  const dir = realpathSync(tempDir());
  mkdirSync(join(dir, "cache"));
  writeFileSync(join(dir, "cache", "old"), "x");
  // --allow-read of some directory installs process.list, which reads /proc.
  pass(["--sandbox=restricted", `--allow-read=${dir}`], `
denied(process.list, ${JSON.stringify(grant("process.list", "read", "/proc", "restricted"))})
denied(process.is_running, ${JSON.stringify(grant("process.is_running", "read", "/proc", "restricted"))}, "init")
denied(process.wait_idle, ${JSON.stringify(grant("process.wait_idle", "read", "/proc", "restricted"))}, "init", 0)
denied(disk.sweep, ${JSON.stringify(grant("disk.sweep", "write", join(dir, "cache", "old"), "restricted"))}, ${JSON.stringify(join(dir, "cache"))}, -1)
denied(disk.dir_size, ${JSON.stringify(grant("disk.dir_size", "read", "/etc", "restricted"))}, "/etc")`, dir);
  // ... and in pure, the profile named in the message is pure.
  pass(["--sandbox=pure", "--allow-run=echo"], `
denied(process.kill, ${JSON.stringify(grant("process.kill", "run", "kill", "pure"))}, 1, 0)
denied(shell.exec, ${JSON.stringify(grant("shell.exec", "run", "id", "pure"))}, "id")`);
});

test("matrix: template.render, crypto.hash_file and disk judge a path after resolving its symlinks", () => {
  const root = realpathSync(tempDir());
  const allowed = join(root, "allowed");
  const outside = join(root, "outside");
  mkdirSync(allowed);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), "{{ 1 }}");
  writeFileSync(join(allowed, "page.txt"), "{{ 2 }}");
  symlinkSync(outside, join(allowed, "link-out"));
  symlinkSync(join(allowed, "page.txt"), join(outside, "link-in"));
  const viaLink = join(allowed, "link-out", "secret.txt");
  pass(["--sandbox=restricted", `--allow-read=${allowed}`], `
denied(template.render, ${JSON.stringify(grant("template.render", "read", viaLink, "restricted"))}, ${JSON.stringify(viaLink)})
denied(crypto.hash_file, ${JSON.stringify(grant("crypto.hash_file", "read", viaLink, "restricted"))}, ${JSON.stringify(viaLink)})
denied(disk.dir_size, 'disk.dir_size: read access to ${JSON.stringify(join(allowed, "link-out"))} denied', ${JSON.stringify(join(allowed, "link-out"))})
-- a link outside the grant that leads into it is inside
assert(template.render(${JSON.stringify(join(outside, "link-in"))}) == "2")
assert(#crypto.hash_file(${JSON.stringify(join(outside, "link-in"))}) == 64)`);
});

test("matrix: --deny-read and --deny-write narrow full for fs as for io, naming the deny flag", () => {
  const dir = realpathSync(tempDir());
  const target = join(dir, "new", "x.txt");
  pass(["--deny-read=/etc", `--deny-write=${dir}`], `
denied(fs.read, 'fs.read: read access to "/etc/hostname" denied by --deny-read=/etc', "/etc/hostname")
denied(fs.glob, 'fs.glob: read access to "/etc" denied by --deny-read=/etc', "/etc/*")
denied(fs.write, 'fs.write: write access to ${JSON.stringify(target)} denied by --deny-write=${dir}', ${JSON.stringify(target)}, "y")
denied(fs.mkdir, 'fs.mkdir: write access to ${JSON.stringify(join(dir, "new"))} denied by --deny-write=${dir}', ${JSON.stringify(join(dir, "new"))})`, dir);
  assert.deepEqual(readdirSync(dir), ["t.lua"], "nothing was created");
});
