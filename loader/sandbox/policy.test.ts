/** The sandbox policy on its own: profiles, flags, symlinks, commands, denial messages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalPath, commandWord, Policy } from "./policy.ts";
import { LuaError } from "../lua-api.ts";
import { tempDir } from "../../tests/helpers.ts";

/** A scratch tree: allowed/{file, inner/, link-out -> outside, dangling -> outside/new}, outside/secret. */
function tree() {
  const root = realpathSync(tempDir("assay-policy-"));
  const allowed = join(root, "allowed");
  const outside = join(root, "outside");
  mkdirSync(join(allowed, "inner"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(allowed, "file"), "x");
  writeFileSync(join(outside, "secret"), "s");
  symlinkSync(outside, join(allowed, "link-out"));
  symlinkSync(join(outside, "new"), join(allowed, "dangling"));
  symlinkSync(join(allowed, "file"), join(outside, "link-in"));
  return { root, allowed, outside };
}

function denialOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof LuaError, `expected a LuaError, got ${e}`);
    return e.message;
  }
  assert.fail("expected a denial");
}

test("full grants everything, pure nothing, restricted net/env/timer", () => {
  const full = new Policy({ profile: "full" });
  for (const cap of ["read", "write", "net", "env", "env-write", "run", "listen", "timer"] as const) {
    assert.ok(full.allows(cap, "x"), cap);
  }
  const pure = new Policy({ profile: "pure" });
  for (const cap of ["read", "write", "net", "env", "env-write", "run", "listen", "timer"] as const) {
    assert.ok(!pure.allows(cap, "x"), cap);
  }
  const restricted = new Policy({ profile: "restricted" });
  assert.ok(restricted.allows("net", "example.com:443"));
  assert.ok(restricted.allows("env", "HOME"));
  assert.ok(restricted.allows("timer", "sleep"));
  assert.ok(!restricted.allows("env-write", "HOME"));
  assert.ok(!restricted.allows("read", "/etc/passwd"));
  assert.ok(!restricted.allows("write", "/tmp/x"));
  assert.ok(!restricted.allows("run", "ls"));
  assert.ok(!restricted.allows("listen", "8080"));
});

test("the denial message names the function, target, profile and the flag that grants it", () => {
  const p = new Policy({ profile: "restricted" });
  assert.equal(
    denialOf(() => p.check("fs.read", "read", "/etc/passwd")),
    'fs.read: read access to "/etc/passwd" denied by sandbox profile "restricted" (grant with --allow-read=/etc/passwd)',
  );
  assert.equal(
    denialOf(() => p.check("env.set", "env-write", "FOO")),
    'env.set: env write access to "FOO" denied by sandbox profile "restricted" (grant with --allow-env=FOO)',
  );
  assert.equal(
    denialOf(() => new Policy({ profile: "pure" }).check("http.get", "net", "example.com:443")),
    'http.get: net access to "example.com:443" denied by sandbox profile "pure" (grant with --allow-net=example.com:443)',
  );
  // A denial is a Lua error with the caller's position (level 1).
  try {
    p.check("io.open", "read", "/x");
  } catch (e) {
    assert.equal((e as LuaError).level, 1);
  }
});

test("--allow-read covers a directory and what is below it, not its siblings", () => {
  const { allowed, outside } = tree();
  const p = new Policy({ profile: "restricted", allow: { read: [allowed] } });
  assert.ok(p.allows("read", allowed));
  assert.ok(p.allows("read", join(allowed, "file")));
  assert.ok(p.allows("read", join(allowed, "inner", "deeper", "missing")));
  assert.ok(!p.allows("read", join(outside, "secret")));
  // A sibling whose name merely starts with the allowed one is outside it.
  assert.ok(!p.allows("read", allowed + "-evil"));
  // `..` is resolved, not compared as text.
  assert.ok(!p.allows("read", `${allowed}/../outside/secret`));
  assert.ok(p.allows("read", `${allowed}/inner/../file`));
});

test("paths are compared after resolving symlinks, in both the target and the grant", () => {
  const { allowed, outside } = tree();
  const p = new Policy({ profile: "restricted", allow: { read: [allowed] } });
  // A link inside the allowed tree that leads out is outside.
  assert.ok(!p.allows("read", join(allowed, "link-out", "secret")));
  assert.ok(!p.allows("read", join(allowed, "link-out")));
  // A link outside that leads into the allowed tree is inside.
  assert.ok(p.allows("read", join(outside, "link-in")));
  // A grant given through a symlink means where the link points.
  const viaLink = new Policy({ profile: "restricted", allow: { read: [join(allowed, "link-out")] } });
  assert.ok(viaLink.allows("read", join(outside, "secret")));
  assert.ok(!viaLink.allows("read", join(allowed, "file")));
  // `link/..` is the parent of the link's target, as open(2) sees it.
  assert.equal(canonicalPath(`${allowed}/link-out/../allowed`), join(outside, "..", "allowed"));
  assert.ok(!p.allows("read", `${allowed}/link-out/../outside/secret`));
});

test("a write target that does not exist yet is judged by its nearest existing parent", () => {
  const { allowed, outside } = tree();
  const p = new Policy({ profile: "restricted", allow: { write: [allowed] } });
  assert.ok(p.allows("write", join(allowed, "new-file")));
  assert.ok(p.allows("write", join(allowed, "new-dir", "new-file")));
  assert.ok(!p.allows("write", join(allowed, "link-out", "new-file")));
  // A dangling link is followed to where writing would create the file.
  assert.ok(!p.allows("write", join(allowed, "dangling")));
  assert.equal(canonicalPath(join(allowed, "dangling")), join(outside, "new"));
  assert.ok(!p.allows("read", join(allowed, "x")), "--allow-write does not grant read");
});

test("relative paths are resolved against the working directory", () => {
  const p = new Policy({ profile: "restricted", allow: { read: ["."] } });
  assert.ok(p.allows("read", "some/file"));
  assert.ok(p.allows("read", join(process.cwd(), "x")));
  assert.ok(!p.allows("read", "../outside-of-cwd"));
});

test("deny wins over the profile and over allow", () => {
  const { allowed } = tree();
  const p = new Policy({ profile: "full", deny: { read: [join(allowed, "inner")] } });
  assert.ok(p.allows("read", join(allowed, "file")));
  assert.equal(
    denialOf(() => p.check("io.open", "read", join(allowed, "inner", "x"))),
    `io.open: read access to ${JSON.stringify(join(allowed, "inner", "x"))} denied by --deny-read=${join(allowed, "inner")}`,
  );
  const both = new Policy({ profile: "restricted", allow: { net: true }, deny: { net: ["evil.example"] } });
  assert.ok(both.allows("net", "good.example:443"));
  assert.ok(!both.allows("net", "evil.example:443"));
  const all = new Policy({ profile: "full", deny: { write: true } });
  assert.equal(denialOf(() => all.check("io.open", "write", "/tmp/x")), 'io.open: write access to "/tmp/x" denied by --deny-write');
  assert.ok(!all.hasAny("write"));
});

test("net grants: host admits every port, host:port only that port, case-insensitive", () => {
  const p = new Policy({ profile: "pure", allow: { net: ["api.example.com", "db.example.com:5432", "::1"] } });
  assert.ok(p.allows("net", "api.example.com:443"));
  assert.ok(p.allows("net", "API.example.com:80"));
  assert.ok(p.allows("net", "api.example.com"));
  assert.ok(p.allows("net", "db.example.com:5432"));
  assert.ok(!p.allows("net", "db.example.com:5433"));
  assert.ok(!p.allows("net", "example.com:443"));
  assert.ok(!p.allows("net", "api.example.com.evil.io:443"));
  assert.ok(p.allows("net", "[::1]:8080"));
});

test("listen grants name ports", () => {
  const p = new Policy({ profile: "restricted", allow: { listen: ["8080"] } });
  assert.ok(p.allows("listen", "8080"));
  assert.ok(p.allows("listen", "0.0.0.0:8080"));
  assert.ok(!p.allows("listen", "0.0.0.0:9090"));
  assert.ok(new Policy({ profile: "full" }).allows("listen", "0.0.0.0:1"));
});

test("env grants: names and NAME* prefixes; --allow-env also grants writes", () => {
  const p = new Policy({ profile: "pure", allow: { env: ["HOME", "APP_*"] } });
  assert.ok(p.allows("env", "HOME"));
  assert.ok(p.allows("env", "APP_TOKEN"));
  assert.ok(!p.allows("env", "PATH"));
  assert.ok(p.allows("env-write", "APP_TOKEN"));
  const denied = new Policy({ profile: "restricted", deny: { env: ["SECRET"] } });
  assert.ok(!denied.allows("env", "SECRET"));
  assert.ok(!denied.allows("env-write", "SECRET"));
  assert.ok(denied.allows("env", "HOME"));
});

test("run grants match the command's first word; shell metacharacters also need sh", () => {
  const p = new Policy({ profile: "restricted", allow: { run: ["ls", "git"] } });
  assert.equal(commandWord("  ls -la /tmp"), "ls");
  assert.equal(commandWord("true; ls"), "true");
  assert.equal(commandWord("ls|wc"), "ls");
  assert.ok(p.allows("run", "ls -la"));
  assert.ok(p.allows("run", "git status"));
  assert.ok(!p.allows("run", "rm -rf /tmp/x"));
  assert.ok(!p.allows("run", "lsblk"));
  for (const cmd of ["ls; rm -rf /", "ls | wc", "ls && rm x", "ls $(rm x)", "ls `rm x`", "ls > out", "ls < in", "ls\nrm x"]) {
    assert.ok(!p.allows("run", cmd), cmd);
  }
  assert.equal(
    denialOf(() => p.check("io.popen", "run", "ls | wc -l")),
    'io.popen: run access to "ls | wc -l" denied by sandbox profile "restricted" (grant with --allow-run=sh)',
  );
  assert.equal(
    denialOf(() => p.check("os.execute", "run", "rm -rf /tmp/x")),
    'os.execute: run access to "rm -rf /tmp/x" denied by sandbox profile "restricted" (grant with --allow-run=rm)',
  );
  assert.equal(
    denialOf(() => p.check("os.execute", "run", "curl x | sh")),
    'os.execute: run access to "curl x | sh" denied by sandbox profile "restricted" (grant with --allow-run=curl,sh)',
  );
  assert.equal(
    denialOf(() => p.check("os.execute", "run", "true; ls")),
    'os.execute: run access to "true; ls" denied by sandbox profile "restricted" (grant with --allow-run=true,sh)',
  );
  const withSh = new Policy({ profile: "restricted", allow: { run: ["ls", "sh"] } });
  assert.ok(withSh.allows("run", "ls | wc"));
  // `sh` alone does not admit a first word that was not granted.
  assert.ok(!withSh.allows("run", "rm x; ls"));
});

test("run grants compare programs by file, so ./ls is not ls", () => {
  const { root } = tree();
  writeFileSync(join(root, "ls"), "#!/bin/sh\n", { mode: 0o755 });
  const p = new Policy({ profile: "restricted", allow: { run: ["ls"] } });
  assert.ok(!p.allows("run", join(root, "ls")));
  assert.ok(!p.allows("run", "./ls"));
  const lsPath = (process.env.PATH ?? "").split(":").map((d) => join(d, "ls")).find((f) => {
    try {
      return realpathSync(f) !== "";
    } catch {
      return false;
    }
  });
  if (lsPath) assert.ok(p.allows("run", `${lsPath} -l`), `${lsPath} is the ls on PATH`);
});

test("a deny-run list cannot be dodged through another program or the shell", () => {
  const p = new Policy({ profile: "full", deny: { run: ["rm"] } });
  assert.ok(p.allows("run", "ls -la"));
  assert.ok(p.allows("run", "ls | wc -l"));
  for (const cmd of ["rm x", "ls; rm x", "env rm x", "xargs rm < list", "/bin/rm x"]) {
    assert.ok(!p.allows("run", cmd), cmd);
  }
  const noShell = new Policy({ profile: "full", deny: { run: ["sh"] } });
  assert.ok(noShell.allows("run", "ls -la"));
  assert.ok(!noShell.allows("run", "ls | wc"));
});

test("flagGrants says which capabilities a flag added beyond the profile", () => {
  assert.ok(new Policy({ profile: "pure", allow: { net: ["x"] } }).flagGrants("net"));
  assert.ok(!new Policy({ profile: "pure" }).flagGrants("net"));
  assert.ok(!new Policy({ profile: "restricted", allow: { net: true } }).flagGrants("net"));
  assert.ok(new Policy({ profile: "restricted", allow: { read: ["/tmp"] } }).flagGrants("read"));
  assert.ok(new Policy({ profile: "restricted" }).hasAny("net"));
  assert.ok(!new Policy({ profile: "restricted" }).hasAny("read"));
});

test("unrestricted: every target granted and no deny list, so callers may skip asking", () => {
  const full = new Policy({ profile: "full" });
  assert.ok(full.unrestricted("read") && full.unrestricted("write") && full.unrestricted("run"));
  const denied = new Policy({ profile: "full", deny: { read: ["/srv"] } });
  assert.ok(!denied.unrestricted("read"), "a deny list can refuse");
  assert.ok(denied.unrestricted("write"));
  const restricted = new Policy({ profile: "restricted", allow: { read: ["/srv"], write: true } });
  assert.ok(!restricted.unrestricted("read"), "a list of grants can refuse");
  assert.ok(restricted.unrestricted("write"), "--allow-write without a list grants everything");
  assert.ok(!restricted.unrestricted("run"));
});

test("refusal gives the parts of a denial: what, by whom, and the flag that grants it", () => {
  const p = new Policy({ profile: "restricted", deny: { read: ["/srv"] } });
  assert.deepEqual(p.refusal("read", "/etc/passwd"), {
    what: "read",
    by: 'sandbox profile "restricted"',
    byProfile: true,
    grant: "--allow-read=/etc/passwd",
  });
  assert.deepEqual(p.refusal("read", "/srv/x"), { what: "read", by: "--deny-read=/srv", byProfile: false });
  assert.deepEqual(p.refusal("run", "ls | wc"), {
    what: "run",
    by: 'sandbox profile "restricted"',
    byProfile: true,
    grant: "--allow-run=ls,sh",
  });
  assert.equal(p.refusal("net", "example.com:443"), null);
  // denial() words the same parts.
  assert.equal(p.denial("read", "/srv/x"), 'read access to "/srv/x" denied by --deny-read=/srv');
});
