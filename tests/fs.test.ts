/**
 * `fs` as a user sees it from outside the VM: writes that replace the file without losing
 * data (symlink chains followed, modes and owners kept, failures leaving the old contents and
 * no temporary file), reads off the Lua thread and under the heap limit, relative glob paths,
 * and what each sandbox profile installs and allows. Behaviour inside Lua is covered by
 * tests/lua/fs_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { assayCommand, LUA_ERR as ERR, runAssay, tempDir } from "./helpers.ts";

/** Runs Lua code as `t.lua` in `dir` (a fresh one by default) with the given flags. */
function lua(flags: string[], code: string, dir = tempDir()) {
  writeFileSync(join(dir, "t.lua"), code);
  return runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
}

/** Runs code that must exit 0; returns stdout. */
function pass(flags: string[], code: string, dir?: string): string {
  const r = lua(flags, code, dir);
  assert.equal(r.code, 0, `assay ${flags.join(" ")} exited ${r.code}\n--- code\n${code}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

/** Runs assay under `sh -c` with a prefix (umask, ulimit...), in `dir`. */
function shell(prefix: string, dir: string, code: string) {
  writeFileSync(join(dir, "t.lua"), code);
  const [cmd, ...lead] = assayCommand();
  const line = [cmd, ...lead, "t.lua"].map((a) => `'${a}'`).join(" ");
  return spawnSync("sh", ["-c", `${prefix}; exec ${line}`], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}


const q = (s: string) => JSON.stringify(s);
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
const isRoot = process.getuid?.() === 0;

// ---- writes replace, never lose --------------------------------------------------------

test("fs.write through a ConfigMap-style symlink chain replaces the file at its end and keeps the links", () => {
  const dir = realpathSync(tempDir());
  const stamp = join(dir, "..2024_01_01");
  mkdirSync(stamp);
  writeFileSync(join(stamp, "config.yaml"), "old: true\n");
  symlinkSync("..2024_01_01", join(dir, "..data"));
  symlinkSync("..data/config.yaml", join(dir, "config.yaml"));
  const before = statSync(join(stamp, "config.yaml")).ino;
  pass([], `fs.write("config.yaml", "new: true\\n")`, dir);
  assert.equal(readlinkSync(join(dir, "config.yaml")), "..data/config.yaml");
  assert.equal(readlinkSync(join(dir, "..data")), "..2024_01_01");
  assert.equal(readFileSync(join(stamp, "config.yaml"), "utf8"), "new: true\n");
  assert.notEqual(statSync(join(stamp, "config.yaml")).ino, before, "replaced by a rename, not rewritten in place");
  assert.deepEqual(readdirSync(stamp), ["config.yaml"], "no temporary file is left");
  assert.deepEqual(readdirSync(dir).sort(), ["..2024_01_01", "..data", "config.yaml", "t.lua"]);
});

test("fs.write through a dangling symlink creates the file where the link points", () => {
  const dir = realpathSync(tempDir());
  mkdirSync(join(dir, "real"));
  symlinkSync("real/new.txt", join(dir, "link.txt"));
  pass([], `fs.write("link.txt", "made")`, dir);
  assert.equal(readFileSync(join(dir, "real", "new.txt"), "utf8"), "made");
  assert.ok(lstatSync(join(dir, "link.txt")).isSymbolicLink());
});

test("fs.write keeps an existing file's mode; a new file gets 0666 less the umask", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "secret.txt"), "old");
  chmodSync(join(dir, "secret.txt"), 0o640);
  writeFileSync(join(dir, "tool.sh"), "old");
  chmodSync(join(dir, "tool.sh"), 0o4711);
  const r = shell("umask 027", dir, `fs.write("secret.txt", "new") fs.write_bytes("tool.sh", "#!/bin/sh\\n")
fs.write("fresh.txt", "x") fs.write("sub/fresh2.txt", "y")`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, "secret.txt"), "utf8"), "new");
  assert.equal(mode(join(dir, "secret.txt")), "640");
  assert.equal(mode(join(dir, "tool.sh")), "4711");
  assert.equal(mode(join(dir, "fresh.txt")), "640");
  assert.equal(mode(join(dir, "sub", "fresh2.txt")), "640");
  const r2 = shell("umask 022", dir, `fs.write("fresh3.txt", "x")`);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(mode(join(dir, "fresh3.txt")), "644");
});

test("a write that fails half way leaves the old contents and no temporary file", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "victim.txt"), "old contents\n");
  writeFileSync(join(dir, "big.bin"), Buffer.alloc(100000, 0x61));
  // A file size limit makes the write fail with EFBIG after its first blocks (SIGXFSZ ignored,
  // so the process sees the error instead of dying).
  const r = shell("trap '' XFSZ; ulimit -f 8", dir, `${ERR}
has(err(fs.write, "victim.txt", string.rep("x", 100000)), 'fs.write: failed to write "victim.txt": File too large (os error 27)')
has(err(fs.copy, "big.bin", "victim.txt"), 'fs.copy: failed to copy "big.bin" to "victim.txt": File too large (os error 27)')
print("ok")`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "ok\n");
  assert.equal(readFileSync(join(dir, "victim.txt"), "utf8"), "old contents\n");
  assert.deepEqual(readdirSync(dir).sort(), ["big.bin", "t.lua", "victim.txt"]);
});

test("fs.write to /dev/stdout and /dev/stderr writes to the streams (procfs links to pipes)", () => {
  const r = lua([], `fs.write("/dev/stdout", "to stdout\\n") fs.write_bytes("/dev/stderr", "to stderr\\n")`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "to stdout\n");
  assert.equal(r.stderr, "to stderr\n");
});

test("a hard-linked file is written in place, so every name of it sees the new contents", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "a.txt"), "old");
  linkSync(join(dir, "a.txt"), join(dir, "b.txt"));
  pass([], `fs.write("a.txt", "new")`, dir);
  assert.equal(readFileSync(join(dir, "b.txt"), "utf8"), "new");
  assert.equal(statSync(join(dir, "a.txt")).ino, statSync(join(dir, "b.txt")).ino);
});

/** Whether assay can run as user nobody here (root, setpriv, a binary nobody may execute). */
function runsAsNobody(): boolean {
  if (!isRoot) return false;
  const [cmd, ...lead] = assayCommand();
  return spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", cmd, ...lead, "--version"]).status === 0;
}

test("a writable file in a directory we may not create files in is written in place", { skip: !runsAsNobody() }, () => {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "shared.txt"), "old");
  chmodSync(join(dir, "shared.txt"), 0o666);
  writeFileSync(join(dir, "t.lua"), `fs.write("shared.txt", "written by nobody")
local ok, e = pcall(fs.write, "new.txt", "x")
assert(not ok and e:find('fs.write: failed to write "new.txt": Permission denied', 1, true), e)`);
  const [cmd, ...lead] = assayCommand();
  const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", cmd, ...lead, "t.lua"], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, "shared.txt"), "utf8"), "written by nobody");
  assert.equal(statSync(join(dir, "shared.txt")).uid, 0, "still root's file: written, not replaced");
  assert.deepEqual(readdirSync(dir).sort(), ["shared.txt", "t.lua"]);
});

test("replacing another user's file as root keeps its owner", { skip: !isRoot }, () => {
  const dir = tempDir();
  writeFileSync(join(dir, "owned.txt"), "old");
  chownSync(join(dir, "owned.txt"), 65534, 65534);
  pass([], `fs.write("owned.txt", "new")`, dir);
  const st = statSync(join(dir, "owned.txt"));
  assert.deepEqual([st.uid, st.gid], [65534, 65534]);
  assert.equal(readFileSync(join(dir, "owned.txt"), "utf8"), "new");
});

test("--allow-write of one file: it is written in place (no temporary file beside it is allowed)", () => {
  const dir = realpathSync(tempDir());
  const file = join(dir, "only.txt");
  writeFileSync(file, "old");
  pass(["--sandbox=restricted", `--allow-write=${file}`, `--allow-read=${file}`], `${ERR}
fs.write(${q(file)}, "new")
assert(fs.read(${q(file)}) == "new")
has(err(fs.write, ${q(join(dir, "other.txt"))}, "x"), 'fs.write: write access to ${q(join(dir, "other.txt"))} denied')`, dir);
  assert.equal(readFileSync(file, "utf8"), "new");
  assert.deepEqual(readdirSync(dir).sort(), ["only.txt", "t.lua"]);
});

// ---- reads: off the Lua thread, within the heap limit ------------------------------------

test("another task keeps running while fs.read reads a 64 MB file", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "big.bin"), Buffer.alloc(64 << 20, 0x5a));
  const out = pass(["--memory-limit=256M"], `local ticks, done = 0, false
local h = async.spawn(function()
  while not done do ticks = ticks + 1 sleep(0.001) end
end)
local s = fs.read("big.bin")
done = true
h:await()
assert(#s == 64 * 1024 * 1024 and s:sub(1, 3) == "ZZZ" and s:sub(-3) == "ZZZ")
print(ticks > 0)`, dir);
  assert.equal(out, "true\n");
});

test("fs.read of a file larger than the heap limit raises a catchable 'not enough memory'", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "big.bin"), Buffer.alloc(32 << 20, 1));
  writeFileSync(join(dir, "small.bin"), Buffer.alloc(4 << 20, 2));
  const out = pass(["--memory-limit=16M"], `${ERR}
assert(err(fs.read, "big.bin") == 'fs.read: failed to read "big.bin": not enough memory')
assert(err(fs.read_bytes, "big.bin") == 'fs.read_bytes: failed to read "big.bin": not enough memory')
-- nothing stays charged: a file that fits is read afterwards, several times
for _ = 1, 5 do assert(#fs.read("small.bin") == 4 * 1024 * 1024) end
print("caught")`, dir);
  assert.equal(out, "caught\n");
  const r = lua(["--memory-limit=16M"], `fs.read("big.bin")`, dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR t\.lua:1: fs\.read: failed to read "big\.bin": not enough memory/);
});

// ---- glob paths are spelled as the pattern spells them -----------------------------------

test("fs.glob with relative patterns returns relative paths, as the reference's glob crate does", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "sub", "deep"), { recursive: true });
  for (const f of ["b.txt", "a.txt", "sub/x.txt", "sub/deep/y.txt"]) writeFileSync(join(dir, f), f);
  const out = pass([], `local function g(p) print(table.concat(fs.glob(p), ",")) end
g("*.txt") g("./*.txt") g("sub/*.txt") g("**/*.txt") g("./sub/../*.txt") g("sub/")`, dir);
  assert.equal(out, [
    "a.txt,b.txt",
    "a.txt,b.txt",
    "sub/x.txt",
    "a.txt,b.txt,sub/deep/y.txt,sub/x.txt",
    "sub/../a.txt,sub/../b.txt", // a leading "." component is dropped, as the crate drops it
    "sub",
  ].join("\n") + "\n");
});

// ---- sandbox profiles --------------------------------------------------------------------

/** A scratch tree: allowed/{data.txt, link-out -> outside}, outside/{secret.txt}. */
function tree() {
  const root = realpathSync(tempDir());
  const allowed = join(root, "allowed");
  const outside = join(root, "outside");
  mkdirSync(allowed);
  mkdirSync(outside);
  writeFileSync(join(allowed, "data.txt"), "allowed data\n");
  writeFileSync(join(outside, "secret.txt"), "secret\n");
  symlinkSync(outside, join(allowed, "link-out"));
  return { root, allowed, outside };
}

test("restricted without flags: fs is installed and every call raises the denial naming the flag", () => {
  const { allowed } = tree();
  const p = join(allowed, "data.txt");
  pass(["--sandbox=restricted"], `${ERR}
assert(type(fs) == "table" and fs.read and fs.write and fs.glob and fs.tempdir)
has(err(fs.read, ${q(p)}), 'fs.read: read access to ${q(p)} denied by sandbox profile "restricted" (grant with --allow-read=${p})')
has(err(fs.write, ${q(p)}, "x"), 'fs.write: write access to ${q(p)} denied by sandbox profile "restricted" (grant with --allow-write=${p})')
has(err(fs.exists, ${q(p)}), 'fs.exists: read access to ${q(p)} denied')
has(err(fs.exists, "/no/such/file"), 'fs.exists: read access to "/no/such/file" denied')
has(err(fs.stat, ${q(p)}), 'fs.stat: read access')
has(err(fs.list, ${q(allowed)}), 'fs.list: read access')
has(err(fs.readdir, ${q(allowed)}), 'fs.readdir: read access')
has(err(fs.glob, ${q(allowed + "/*")}), 'fs.glob: read access to ${q(allowed)} denied')
has(err(fs.remove, ${q(p)}), 'fs.remove: write access')
has(err(fs.mkdir, ${q(allowed + "/d")}), 'fs.mkdir: write access')
has(err(fs.copy, ${q(p)}, ${q(p + ".2")}), 'fs.copy: read access')
has(err(fs.rename, ${q(p)}, ${q(p + ".2")}), 'fs.rename: write access')
has(err(fs.chmod, ${q(p)}, 420), 'fs.chmod: write access')
has(err(fs.tempdir), 'fs.tempdir: write access to "')
has(err(fs.tempdir), '(grant with --allow-write=')
assert(disk == nil, "disk is not in restricted")`);
  assert.equal(readFileSync(p, "utf8"), "allowed data\n");
});

test("restricted --allow-read=DIR: allowed inside, denied outside and through a symlink pointing outside", () => {
  const { allowed, outside } = tree();
  const secret = join(outside, "secret.txt");
  const viaLink = join(allowed, "link-out", "secret.txt");
  pass(["--sandbox=restricted", `--allow-read=${allowed}`], `${ERR}
assert(fs.read(${q(join(allowed, "data.txt"))}) == "allowed data\\n")
assert(fs.exists(${q(join(allowed, "data.txt"))}) and not fs.exists(${q(join(allowed, "none"))}))
assert(fs.stat(${q(join(allowed, "data.txt"))}).size == 13)
local names = {}
for _, e in ipairs(fs.list(${q(allowed)})) do names[#names + 1] = e.name .. ":" .. e.type end
table.sort(names)
assert(table.concat(names, ",") == "data.txt:file,link-out:symlink", table.concat(names, ","))
assert(#fs.readdir(${q(allowed)}) == 2, "readdir lists the link without following it")
assert(#fs.glob(${q(allowed + "/*")}) == 2)
has(err(fs.read, ${q(secret)}), 'fs.read: read access to ${q(secret)} denied by sandbox profile "restricted"')
has(err(fs.read, ${q(viaLink)}), 'fs.read: read access to ${q(viaLink)} denied')
has(err(fs.exists, ${q(viaLink)}), 'fs.exists: read access')
has(err(fs.stat, ${q(join(allowed, "link-out"))}), 'fs.stat: read access')
has(err(fs.list, ${q(join(allowed, "link-out"))}), 'fs.list: read access')
has(err(fs.glob, ${q(allowed + "/*/secret.txt")}), 'fs.glob: read access')
has(err(fs.copy, ${q(viaLink)}, ${q(join(allowed, "copy.txt"))}), 'fs.copy: read access')
has(err(fs.write, ${q(join(allowed, "data.txt"))}, "x"), 'fs.write: write access')`);
});

test("restricted --allow-write: a symlink inside is removed (judged by its directory), never its target", () => {
  const { allowed, outside } = tree();
  const outsideMode = mode(outside);
  pass(["--sandbox=restricted", `--allow-read=${allowed}`, `--allow-write=${allowed}`], `${ERR}
fs.write(${q(join(allowed, "new/file.txt"))}, "made")
assert(fs.copy(${q(join(allowed, "data.txt"))}, ${q(join(allowed, "copy.txt"))}) == 13)
fs.rename(${q(join(allowed, "copy.txt"))}, ${q(join(allowed, "moved.txt"))})
has(err(fs.rename, ${q(join(allowed, "moved.txt"))}, ${q(join(outside, "moved.txt"))}), 'fs.rename: write access to ${q(join(outside, "moved.txt"))}')
has(err(fs.remove, ${q(join(allowed, "link-out", "secret.txt"))}), 'fs.remove: write access')
has(err(fs.write, ${q(join(allowed, "link-out", "x.txt"))}, "x"), 'fs.write: write access')
has(err(fs.chmod, ${q(join(allowed, "link-out"))}, 511), 'fs.chmod: write access')
fs.remove(${q(join(allowed, "link-out"))})
assert(not fs.exists(${q(join(allowed, "link-out"))}))`);
  assert.equal(readFileSync(join(outside, "secret.txt"), "utf8"), "secret\n");
  assert.equal(mode(outside), outsideMode);
  assert.deepEqual(readdirSync(outside), ["secret.txt"]);
  assert.equal(readFileSync(join(allowed, "new", "file.txt"), "utf8"), "made");
  assert.deepEqual(readdirSync(allowed).sort(), ["data.txt", "moved.txt", "new"]);
});

test("pure: fs is nil; --allow-read installs the reading functions only", () => {
  const { allowed } = tree();
  pass(["--sandbox=pure"], `assert(fs == nil and disk == nil)`);
  pass(["--sandbox=pure", `--allow-read=${allowed}`], `${ERR}
assert(fs.read(${q(join(allowed, "data.txt"))}) == "allowed data\\n")
assert(fs.exists and fs.stat and fs.list and fs.readdir and fs.glob and fs.copy)
assert(fs.write == nil and fs.remove == nil and fs.mkdir == nil and fs.tempdir == nil and fs.chmod == nil and fs.rename == nil)
has(err(fs.read, "/etc/hostname"), 'fs.read: read access to "/etc/hostname" denied by sandbox profile "pure"')`);
  pass(["--sandbox=pure", `--allow-write=${allowed}`], `assert(fs.write and fs.read == nil)
fs.write(${q(join(allowed, "w.txt"))}, "w")`);
  assert.equal(readFileSync(join(allowed, "w.txt"), "utf8"), "w");
});
