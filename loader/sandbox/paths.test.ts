/** Path resolution for the sandbox: where the kernel's walk and a textual one part ways. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolvePath } from "./paths.ts";
import { tempDir } from "../../tests/helpers.ts";

/** A scratch tree: dir/, file, link -> dir/, dangling -> dir/new, loop -> loop. */
function tree(): string {
  const root = realpathSync(tempDir("assay-paths-"));
  mkdirSync(join(root, "dir"));
  writeFileSync(join(root, "file"), "x");
  symlinkSync(join(root, "dir"), join(root, "link"));
  symlinkSync(join(root, "dir", "new"), join(root, "dangling"));
  symlinkSync("loop", join(root, "loop"));
  return root;
}

test("the kernel's failures that a textual walk would fold away are reported", () => {
  const root = tree();
  // Concatenated, not joined: join() would fold `file/..` itself.
  const error = (path: string) => resolvePath(`${root}/${path}`).error;
  assert.equal(error("file/.."), "ENOTDIR", "`..` below a file");
  assert.equal(error("file/."), "ENOTDIR");
  assert.equal(error("missing/.."), "ENOENT", "`..` below something missing");
  assert.equal(error("missing/./x"), "ENOENT");
  assert.equal(error("loop"), "ELOOP");
  assert.equal(resolvePath("").error, "ENOENT");
  // Paths the kernel walks without complaint.
  for (const fine of ["dir/..", "dir/.", "link/..", "file", "missing", "dir/missing", "dangling"]) {
    assert.equal(error(fine), null, fine);
  }
  // `link/..` is the parent of the link's target, and the walk still knows it is a directory.
  assert.equal(resolvePath(`${root}/link/../file`).canonical, join(root, "file"));
});

test("the path to open keeps a trailing slash, so the kernel still insists on a directory", () => {
  const root = tree();
  assert.equal(resolvePath(`${root}/file`).open, `${root}/file`);
  assert.equal(resolvePath(`${root}/file/`).open, `${root}/file/`);
  assert.equal(resolvePath(`${root}/link/`).open, `${root}/dir/`);
  assert.equal(resolvePath(`${root}/link/.`).open, `${root}/dir/`);
  assert.equal(resolvePath(`${root}/dir/..`).open, `${root}/`);
  assert.equal(resolvePath("/").open, "/");
  assert.equal(resolvePath(`${root}/file/`).canonical, join(root, "file"), "the policy sees no slash");
});

test("followFinal: false keeps a symlink in the last component (O_CREAT|O_EXCL does not follow it)", () => {
  const root = tree();
  assert.equal(resolvePath(join(root, "dangling")).canonical, join(root, "dir", "new"));
  assert.equal(resolvePath(join(root, "dangling"), false).canonical, join(root, "dangling"));
  // Links before the last component are still followed.
  assert.equal(resolvePath(join(root, "link", "f"), false).canonical, join(root, "dir", "f"));
});

test("procfs links to kernel objects are opened as they are, not by their text", { skip: !existsSync("/proc/self/ns/net") }, () => {
  const r = resolvePath("/proc/self/ns/net");
  assert.ok(r.opaque);
  assert.match(r.open, /^\/proc\/\d+\/ns\/net$/);
  assert.match(r.canonical, /^\/proc\/\d+\/ns\/net:\[\d+\]$/, "the policy judges the link's text, as before");
  // /proc/self itself is an ordinary relative link.
  assert.ok(!resolvePath("/proc/self/status").opaque);
});
