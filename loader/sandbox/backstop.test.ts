/**
 * The policy backstop in the host syscalls, through hostImports() with a fake wasm memory:
 * refusals are EACCES and touch nothing, the opened file is the one the policy judged even
 * when a symlink is swapped in while it judges, and errors stay the kernel's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostImports } from "../host-syscalls.ts";
import { ErrnoNumbering } from "../wasi-errno.ts";
import { hostOwned, openNeeds, type SyscallCap, type SyscallPolicy } from "./backstop.ts";
import { tempDir } from "../../tests/helpers.ts";

const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000;
const AT_FDCWD = -100;

type Syscall = (...args: number[]) => number;

/** hostImports over a fake memory, with helpers to pass C strings and read results. */
function host(policy?: SyscallPolicy) {
  const u8 = new Uint8Array(1 << 16);
  const memory = { u8: () => u8, view: () => new DataView(u8.buffer) };
  const imports = hostImports(memory, { exit: () => assert.fail("exit"), environ: () => ({}), policy }) as Record<string, Syscall>;
  let next = 1024;
  /** Copies a string (or raw bytes) into memory as a C string; returns its address. */
  const str = (s: string | Uint8Array): number => {
    const bytes = typeof s === "string" ? new TextEncoder().encode(s) : s;
    const at = next;
    u8.set(bytes, at);
    u8[at + bytes.length] = 0;
    next += bytes.length + 1;
    return at;
  };
  const errno = new ErrnoNumbering(() => u8);
  const open = (path: string | Uint8Array, flags: number) => {
    const mode = str(new Uint8Array([0o644 & 0xff, 0o644 >> 8, 0, 0]));
    return imports.__syscall_openat(AT_FDCWD, str(path), flags, mode);
  };
  /** Reads a whole wasm descriptor's file as text, then closes it. */
  const slurp = (fd: number): string => {
    const iov = str(new Uint8Array(8));
    const view = memory.view();
    view.setUint32(iov, 8192, true);
    view.setUint32(iov + 4, 4096, true);
    const pnum = str(new Uint8Array(4));
    assert.equal(imports.fd_read(fd, iov, 1, pnum), 0);
    const n = view.getUint32(pnum, true);
    imports.fd_close(fd);
    return new TextDecoder().decode(u8.subarray(8192, 8192 + n));
  };
  return { imports, str, open, slurp, EACCES: -errno.code("EACCES"), code: (name: string) => -errno.code(name) };
}

/** A policy from a predicate, recording what it was asked. */
function policy(allows: (cap: SyscallCap, target: string) => boolean, unrestricted?: (cap: SyscallCap) => boolean) {
  const asked: [SyscallCap, string][] = [];
  const p: SyscallPolicy = {
    allows: (cap, target) => (asked.push([cap, target]), allows(cap, target)),
    unrestricted,
  };
  return { policy: p, asked };
}

const denyAll = () => policy(() => false).policy;

/** A scratch tree: allowed/{data, sub/}, secret/key. */
function tree() {
  const root = realpathSync(tempDir("assay-backstop-"));
  mkdirSync(join(root, "allowed", "sub"), { recursive: true });
  mkdirSync(join(root, "secret"));
  writeFileSync(join(root, "allowed", "data"), "allowed");
  writeFileSync(join(root, "secret", "key"), "SECRET");
  return { root, allowed: join(root, "allowed"), secret: join(root, "secret") };
}

/** Grants read and write below `dir` only (paths arrive resolved). */
const inside = (dir: string) => (_cap: SyscallCap, target: string) => target === dir || target.startsWith(dir + "/");

test("openNeeds: read and/or write by access mode; creating, truncating or appending writes", () => {
  assert.deepEqual(openNeeds(O_RDONLY), ["read"]);
  assert.deepEqual(openNeeds(O_WRONLY | O_CREAT | O_TRUNC), ["write"]);
  assert.deepEqual(openNeeds(O_WRONLY | O_CREAT | O_APPEND), ["write"]);
  assert.deepEqual(openNeeds(O_RDWR), ["read", "write"]);
  assert.deepEqual(openNeeds(O_RDWR | O_CREAT | O_TRUNC), ["read", "write"]);
  assert.deepEqual(openNeeds(O_RDONLY | O_CREAT), ["read", "write"]);
  // musl's tmpfile(): a new, empty file reveals nothing when read.
  assert.deepEqual(openNeeds(O_RDWR | O_CREAT | O_EXCL), ["write"]);
});

test("a deny-all policy: openat is EACCES and creates nothing; nor are files read, removed or renamed", () => {
  const { root, allowed } = tree();
  const h = host(denyAll());
  const created = join(root, "created");
  assert.equal(h.open(created, O_WRONLY | O_CREAT | O_TRUNC), h.EACCES);
  assert.ok(!existsSync(created), "nothing was created");
  assert.equal(h.open(join(allowed, "data"), O_RDONLY), h.EACCES);
  assert.equal(h.open(join(allowed, "data"), O_WRONLY | O_TRUNC), h.EACCES);
  assert.equal(readFileSync(join(allowed, "data"), "utf8"), "allowed", "nothing was truncated");
  assert.equal(h.imports.__syscall_unlinkat(AT_FDCWD, h.str(join(allowed, "data")), 0), h.EACCES);
  assert.equal(h.imports.__syscall_rmdir(h.str(join(allowed, "sub"))), h.EACCES);
  assert.equal(h.imports.__syscall_renameat(AT_FDCWD, h.str(join(allowed, "data")), AT_FDCWD, h.str(created)), h.EACCES);
  assert.ok(existsSync(join(allowed, "data")) && existsSync(join(allowed, "sub")));
  assert.equal(h.imports.__syscall_readlinkat(AT_FDCWD, h.str(join(allowed, "data")), 0, 0), h.EACCES);
  // system() returns a wait status: sh's "cannot execute", and the command never runs.
  const marker = join(root, "ran");
  assert.equal(h.imports.system(h.str(`touch ${marker}`)), 126 << 8);
  assert.ok(!existsSync(marker));
  // Without a policy the same calls act.
  const free = host();
  const fd = free.open(created, O_WRONLY | O_CREAT | O_TRUNC);
  assert.ok(fd >= 0, `openat failed: ${fd}`);
  free.imports.fd_close(fd);
  assert.ok(existsSync(created));
});

test("rename needs write on both paths; unlink and rmdir on theirs", () => {
  const { allowed, secret } = tree();
  const { policy: p, asked } = policy(inside(allowed));
  const h = host(p);
  assert.equal(h.imports.__syscall_renameat(AT_FDCWD, h.str(join(allowed, "data")), AT_FDCWD, h.str(join(secret, "x"))), h.EACCES);
  assert.deepEqual(asked.map(([cap]) => cap), ["write", "write"]);
  assert.equal(h.imports.__syscall_renameat(AT_FDCWD, h.str(join(allowed, "data")), AT_FDCWD, h.str(join(allowed, "moved"))), 0);
  assert.equal(h.imports.__syscall_unlinkat(AT_FDCWD, h.str(join(allowed, "moved")), 0), 0);
  assert.equal(h.imports.__syscall_unlinkat(AT_FDCWD, h.str(join(secret, "key")), 0), h.EACCES);
  assert.equal(h.imports.__syscall_rmdir(h.str(join(allowed, "sub"))), 0);
});

test("an unrestricted capability is not asked about at all (no path resolution in full)", () => {
  const { allowed } = tree();
  const { policy: p, asked } = policy(() => false, () => true);
  const h = host(p);
  const fd = h.open(join(allowed, "data"), O_RDWR);
  assert.ok(fd >= 0);
  assert.equal(h.slurp(fd), "allowed");
  assert.deepEqual(asked, []);
});

test("only the capabilities the open needs are asked, about the resolved path", () => {
  const { root, allowed } = tree();
  symlinkSync(join(allowed, "data"), join(root, "link"));
  const { policy: p, asked } = policy(inside(allowed));
  const h = host(p);
  assert.equal(h.slurp(h.open(join(root, "link"), O_RDONLY)), "allowed");
  assert.deepEqual(asked, [["read", join(allowed, "data")]]);
  // Lua's io.tmpfile with only write granted: an exclusive create asks for write alone.
  asked.length = 0;
  const fd = h.open(join(allowed, "tmpfile_x"), O_RDWR | O_CREAT | O_EXCL);
  assert.ok(fd >= 0, `tmpfile open failed: ${fd}`);
  h.imports.fd_close(fd);
  assert.deepEqual(asked, [["write", join(allowed, "tmpfile_x")]]);
});

test("a symlink swapped in while the policy judges cannot redirect the open", () => {
  const { allowed, secret } = tree();
  const target = join(allowed, "data");
  // The policy allows the file, and meanwhile an attacker replaces it with a link to the secret.
  const swapLast = policy((_cap, path) => {
    rmSync(target);
    symlinkSync(join(secret, "key"), target);
    return path === target;
  });
  const h = host(swapLast.policy);
  const fd = h.open(target, O_RDONLY);
  assert.ok(fd < 0, "the secret was opened");
  assert.equal(fd, h.code("ELOOP"), "the resolved path is opened without following a last symlink");
  // The same with a directory higher up swapped for a link to the secret's directory.
  const sub = join(allowed, "sub");
  writeFileSync(join(sub, "key"), "allowed key");
  const swapDir = policy((_cap, path) => {
    renameSync(sub, join(allowed, "old-sub"));
    symlinkSync(secret, sub);
    return path === join(sub, "key");
  });
  const h2 = host(swapDir.policy);
  const fd2 = h2.open(join(sub, "key"), O_RDONLY);
  if (existsSync("/proc/self/fd")) assert.equal(fd2, h2.EACCES, "the descriptor is not the file that was judged");
  else if (fd2 >= 0) h2.imports.fd_close(fd2);
});

test("errors stay the kernel's when the path is resolved first", () => {
  const { root, allowed } = tree();
  symlinkSync(join(allowed, "sub"), join(root, "dirlink"));
  symlinkSync("loop", join(root, "loop"));
  const everything = policy(() => true).policy; // asks, so the resolving path runs
  const cases: [string, number][] = [
    ["allowed/data", O_RDONLY],
    ["allowed/missing", O_RDONLY],
    ["allowed/data/", O_RDONLY],
    ["allowed/data/..", O_RDONLY],
    ["allowed/missing/..", O_RDONLY],
    ["allowed/missing/.", O_WRONLY | O_CREAT],
    ["allowed/data/x", O_RDONLY],
    ["allowed/sub", O_WRONLY],
    ["allowed/sub/", O_RDONLY],
    ["allowed/new/", O_WRONLY | O_CREAT],
    ["allowed/no/such/dir", O_WRONLY | O_CREAT],
    ["dirlink/..", O_RDONLY],
    ["loop", O_RDONLY],
    ["allowed/data", O_WRONLY | O_CREAT | O_EXCL],
    ["", O_RDONLY],
  ];
  for (const [path, flags] of cases) {
    const full = path === "" ? "" : `${root}/${path}`;
    const outcome = (h: ReturnType<typeof host>) => {
      const fd = h.open(full, flags);
      if (fd >= 0) h.imports.fd_close(fd);
      return fd >= 0 ? "opened" : fd;
    };
    const kernel = outcome(host());
    // The unchecked open may have created a file: take it away before the checked one runs.
    rmSync(join(root, "allowed", "missing"), { force: true });
    assert.equal(outcome(host(everything)), kernel, `${path} (flags ${flags.toString(8)})`);
  }
});

test("hostOwned opens run unchecked; a name that is not UTF-8 cannot be judged", () => {
  const { allowed } = tree();
  const h = host(denyAll());
  const fd = hostOwned(() => h.open(join(allowed, "data"), O_RDONLY));
  assert.equal(h.slurp(fd), "allowed");
  assert.equal(h.open(join(allowed, "data"), O_RDONLY), h.EACCES, "checked again after hostOwned");
  const permissive = host(policy(() => true).policy);
  const bytes = new Uint8Array([...new TextEncoder().encode(allowed + "/"), 0xff, 0xfe]);
  assert.equal(permissive.open(bytes, O_RDONLY), permissive.EACCES);
});
