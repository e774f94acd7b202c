/**
 * Files the operating system refuses (mode 000, a read-only directory): every builtin that
 * reads or writes one raises `<fn>: failed to <what> "<path>": Permission denied (os error 13)`
 * (builtins.md §0.2, §6), while a missing file is covered by each builtin's Lua test. Root
 * ignores file modes, so as root the run drops to user nobody with `setpriv`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { assayCommand, tempDir } from "./helpers.ts";

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
const fromSource = process.env.ASSAY_FROM_SOURCE === "deno";
const skip = !isRoot
  ? false
  : !hasSetpriv
  ? "running as root, which ignores file modes, and setpriv (util-linux) is not there to drop to nobody"
  : fromSource
  ? "running as root from source: user nobody cannot use the Deno cache"
  : false;

test("a file or directory the OS refuses: each builtin names the path and Permission denied", { skip }, () => {
  const dir = tempDir();
  chmodSync(dir, 0o755); // nobody must reach the script and the files
  writeFileSync(join(dir, "locked.txt"), "secret");
  mkdirSync(join(dir, "locked-dir"));
  mkdirSync(join(dir, "ro"));
  writeFileSync(join(dir, "ro", "f.txt"), "kept");
  writeFileSync(join(dir, "t.lua"), `
local function fails(text, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected a failure: " .. text)
  assert(tostring(e) == text, ("expected %q, got %q"):format(text, tostring(e)))
end
local D = " Permission denied (os error 13)"
fails('fs.read: failed to read "locked.txt":' .. D, fs.read, "locked.txt")
fails('fs.read_bytes: failed to read "locked.txt":' .. D, fs.read_bytes, "locked.txt")
fails('fs.copy: failed to copy "locked.txt" to "copy.txt":' .. D, fs.copy, "locked.txt", "copy.txt")
fails('fs.write: failed to write "ro/f.txt":' .. D, fs.write, "ro/f.txt", "lost?")
fails('fs.write_bytes: failed to write "ro/new.bin":' .. D, fs.write_bytes, "ro/new.bin", "\\0")
fails('fs.remove: failed to remove "ro/f.txt":' .. D, fs.remove, "ro/f.txt")
fails('fs.mkdir: failed to create "ro/sub":' .. D, fs.mkdir, "ro/sub")
fails('fs.list: failed to list "locked-dir":' .. D, fs.list, "locked-dir")
fails('fs.readdir: failed to read "locked-dir":' .. D, fs.readdir, "locked-dir")
fails('fs.stat: failed to stat "locked-dir/x":' .. D, fs.stat, "locked-dir/x")
assert(fs.exists("locked-dir/x") == false, "fs.exists never raises")
fails('template.render: failed to read "locked.txt":' .. D, template.render, "locked.txt")
fails('crypto.hash_file: failed to read "locked.txt":' .. D, crypto.hash_file, "locked.txt")
fails('disk.dir_size: failed to read "locked-dir":' .. D, disk.dir_size, "locked-dir")
fails('disk.sweep: failed to list "locked-dir":' .. D, disk.sweep, "locked-dir", 0)
print("ok")
`);
  chmodSync(join(dir, "locked.txt"), 0);
  chmodSync(join(dir, "locked-dir"), 0);
  chmodSync(join(dir, "ro"), 0o555);
  const [cmd, ...lead] = assayCommand();
  const argv = isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", cmd, ...lead] : [cmd, ...lead];
  try {
    const r = spawnSync(argv[0], [...argv.slice(1), "t.lua"], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "ok\n");
    // the refused write left the file as it was and nothing beside it
    assert.equal(readFileSync(join(dir, "ro", "f.txt"), "utf8"), "kept");
    assert.deepEqual(readdirSync(join(dir, "ro")), ["f.txt"]);
  } finally {
    // so that the scratch directory can be removed by a user who is not root
    chmodSync(join(dir, "locked-dir"), 0o755);
    chmodSync(join(dir, "ro"), 0o755);
  }
});
