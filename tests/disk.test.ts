/**
 * `disk` from outside: usage agrees with df, and which profiles install it. Sweep and
 * dir_size are covered by tests/lua/disk_test.lua.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runAssay, tempDir } from "./helpers.ts";

function lua(flags: string[], code: string) {
  const dir = tempDir();
  writeFileSync(join(dir, "t.lua"), code);
  return runAssay([...flags, "t.lua"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined } });
}

test("disk.usage agrees with df: total exactly, free as f_bfree, used and percent from them", () => {
  const dir = realpathSync(tempDir());
  const r = lua([], `local u = disk.usage(${JSON.stringify(dir)})
print(u.total, u.free, u.used, u.percent, math.type(u.percent))`);
  assert.equal(r.code, 0, r.stderr);
  const [total, free, used, percent, type] = r.stdout.trim().split("\t");
  const df = spawnSync("df", ["-B1", "--output=size,used", dir], { encoding: "utf8" });
  assert.equal(df.status, 0, df.stderr);
  const [dfSize] = df.stdout.trim().split("\n")[1].trim().split(/\s+/).map(Number);
  assert.equal(Number(total), dfSize, "total = blocks x fragment size, as df's size");
  // df's "used" is size - f_bfree too; the disk may move a little between the two looks.
  const dfUsed = Number(df.stdout.trim().split("\n")[1].trim().split(/\s+/)[1]);
  assert.ok(Math.abs(Number(used) - dfUsed) < 64 << 20, `used ${used} vs df ${dfUsed}`);
  assert.equal(Number(used), Number(total) - Number(free));
  assert.equal(type, "float");
  assert.ok(Math.abs(Number(percent) - (Number(used) / Number(total)) * 100) < 1e-9);
});

test("disk is in full only; a read grant installs it in restricted, and every call still asks", () => {
  const dir = realpathSync(tempDir());
  writeFileSync(join(dir, "old.txt"), "x");
  let r = lua(["--sandbox=restricted"], `assert(disk == nil)`);
  assert.equal(r.code, 0, r.stderr);
  r = lua(["--sandbox=pure"], `assert(disk == nil)`);
  assert.equal(r.code, 0, r.stderr);
  r = lua(["--sandbox=restricted", `--allow-read=${dir}`], `assert(disk.usage(${JSON.stringify(dir)}).total > 0)
assert(disk.dir_size(${JSON.stringify(dir)}) >= 0)
local ok, e = pcall(disk.usage, "/")
assert(not ok and e:find('disk.usage: read access to "/" denied by sandbox profile "restricted" (grant with --allow-read=/)', 1, true), e)
ok, e = pcall(disk.sweep, ${JSON.stringify(dir)}, -1)
assert(not ok and e:find("disk.sweep: write access to", 1, true), e)`);
  assert.equal(r.code, 0, r.stderr);
  r = lua([`--deny-read=${dir}`], `local ok, e = pcall(disk.dir_size, ${JSON.stringify(dir)})
assert(not ok and e:find("disk.dir_size: read access to " .. ${JSON.stringify(JSON.stringify(dir))} .. " denied by --deny-read=", 1, true), e)
assert(disk.usage("/").total > 0)`);
  assert.equal(r.code, 0, r.stderr);
});
