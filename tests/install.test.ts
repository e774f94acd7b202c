/**
 * scripts/install.sh (README "Download and install") against a release directory served on
 * 127.0.0.1: it picks the file for the platform (`uname`, musl), resolves "latest" or a pinned
 * version, checks the SHA-256 and that the binary runs, installs it and says where. Every
 * failure (unsupported platform, failed download, checksum mismatch, a binary that does not
 * run) exits 1 with an `assay: ...` line and leaves nothing installed. The binaries here are
 * tiny stand-ins with correct checksums, for speed; tests/release.test.ts runs the script on
 * a real release build.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers.ts";
import { runInstallScript, serveFiles } from "./install-script.ts";

/** The release file suffix install.sh should pick on this machine. */
const HOST = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "x64"}` +
  (process.platform === "linux" && readdirSync("/lib").some((n) => n.startsWith("ld-musl-")) ? "-musl" : "");

/** A stand-in binary that prints `says` for --version (or exits 3 when `runs` is false). */
function fakeBinary(says: string, runs = true): string {
  return runs ? `#!/bin/sh\necho "${says}"\n` : "#!/bin/sh\necho 'cannot execute: required file not found' >&2\nexit 3\n";
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Release files of `version` for `targets`, as scripts/release.ts names them. */
function release(version: string, targets: string[], binary = fakeBinary(`assay ${version}+fake`)): Record<string, string> {
  const files: Record<string, string> = {};
  for (const t of targets) {
    const name = `assay-${version}-${t}`;
    files[name] = binary;
    files[`${name}.sha256`] = `${sha256(binary)}  ${name}\n`;
  }
  return files;
}

/** A directory of executable stubs, `uname` answering `-s` and `-m` as given. */
function unameStub(os: string, arch: string): string {
  const dir = tempDir("assay-uname-");
  writeFileSync(join(dir, "uname"), `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; *) echo ${os} ;; esac\n`);
  chmodSync(join(dir, "uname"), 0o755);
  return dir;
}

/** The environment of one run: install dir and TMPDIR in a fresh directory. */
function setting(url: string, extra: Record<string, string> = {}) {
  const home = tempDir("assay-install-");
  const tmp = join(home, "tmp");
  mkdirSync(tmp);
  const dir = join(home, "bin");
  return { home, tmp, dir, env: { ASSAY_DOWNLOAD_URL: url, ASSAY_INSTALL_DIR: dir, TMPDIR: tmp, HOME: home, ASSAY_VERSION: "", ASSAY_LIBC: "", ...extra } };
}

const runs = (bin: string) => spawnSync(bin, ["--version"], { encoding: "utf8" });

test("curl | sh installs the latest release for this machine, runs it, and says where and that it is not on PATH", async () => {
  const server = await serveFiles({ latest: "2.0.0\n", ...release("2.0.0", [HOST]), ...release("1.0.0", [HOST]) });
  try {
    const s = setting(server.url + "/");
    const r = await runInstallScript(s.env, { piped: true, cwd: s.home });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(runs(join(s.dir, "assay")).stdout, "assay 2.0.0+fake\n");
    assert.match(r.stdout, new RegExp(`^assay: installed assay 2\\.0\\.0\\+fake to ${s.dir}/assay$`, "m"));
    assert.match(r.stdout, new RegExp(`^assay: ${s.dir} is not on PATH; add it with: export PATH="${s.dir}:\\$PATH"$`, "m"));
    assert.deepEqual(server.requests, ["/latest", `/assay-2.0.0-${HOST}`, `/assay-2.0.0-${HOST}.sha256`]);
    assert.deepEqual(readdirSync(s.dir), ["assay"]);
    assert.deepEqual(readdirSync(s.tmp), [], "its temporary files are gone");
  } finally {
    await server.close();
  }
});

test("ASSAY_VERSION pins a version (v prefix or not), replaces an older install, and the install dir on PATH is noted", async () => {
  const server = await serveFiles({ latest: "2.0.0\n", ...release("2.0.0", [HOST]), ...release("1.0.0", [HOST]) });
  try {
    const s = setting(server.url, { ASSAY_VERSION: "v1.0.0" });
    mkdirSync(s.dir);
    writeFileSync(join(s.dir, "assay"), fakeBinary("assay 0.9.0"), { mode: 0o755 });
    const r = await runInstallScript({ ...s.env, PATH: `${s.dir}:${process.env.PATH}` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(runs(join(s.dir, "assay")).stdout, "assay 1.0.0+fake\n");
    assert.ok(!server.requests.includes("/latest"), "a pinned version needs no lookup");
    assert.doesNotMatch(r.stdout, /not on PATH/);
    assert.deepEqual(readdirSync(s.dir), ["assay"], "no temporary copy is left beside it");
  } finally {
    await server.close();
  }
});

test("without curl, wget downloads", { skip: spawnSync("wget", ["--version"]).error ? "wget is not installed" : false }, async () => {
  const server = await serveFiles({ latest: "2.0.0\n", ...release("2.0.0", [HOST]) });
  try {
    const s = setting(server.url);
    // A PATH of the tools the script uses, curl left out.
    const bin = tempDir("assay-tools-");
    for (const tool of ["uname", "mktemp", "rm", "head", "tr", "cut", "sha256sum", "chmod", "mkdir", "cp", "mv", "id", "wget"]) {
      const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const r = await runInstallScript({ ...s.env, PATH: bin });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(runs(join(s.dir, "assay")).stdout, "assay 2.0.0+fake\n");
    assert.equal(server.requests.length, 3);
  } finally {
    await server.close();
  }
});

test("the file is picked by uname -s/-m (x86_64/amd64, aarch64/arm64) and libc (ASSAY_LIBC overrides the /lib/ld-musl-* check)", async () => {
  const targets = ["linux-x64", "linux-arm64", "linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64"];
  const server = await serveFiles({ latest: "2.0.0\n", ...release("2.0.0", targets) });
  try {
    const cases: [string, string, string, string][] = [
      ["Linux", "x86_64", "glibc", "linux-x64"],
      ["Linux", "amd64", "glibc", "linux-x64"],
      ["Linux", "aarch64", "glibc", "linux-arm64"],
      ["Linux", "x86_64", "musl", "linux-x64-musl"],
      ["Linux", "aarch64", "musl", "linux-arm64-musl"],
      ["Darwin", "arm64", "musl", "darwin-arm64"],
      ["Darwin", "x86_64", "", "darwin-x64"],
    ];
    for (const [os, arch, libc, target] of cases) {
      const s = setting(server.url, { ASSAY_LIBC: libc });
      server.requests.length = 0;
      const r = await runInstallScript({ ...s.env, PATH: `${unameStub(os, arch)}:${process.env.PATH}` });
      assert.equal(r.code, 0, `${os} ${arch}: ${r.stdout}${r.stderr}`);
      assert.equal(server.requests[1], `/assay-2.0.0-${target}`, `${os} ${arch} ${libc}`);
    }
  } finally {
    await server.close();
  }
});

test("an unsupported platform fails before downloading anything", async () => {
  const server = await serveFiles({ latest: "2.0.0\n", ...release("2.0.0", [HOST]) });
  try {
    for (const [os, arch] of [["FreeBSD", "amd64"], ["Linux", "riscv64"], ["MINGW64_NT-10.0", "x86_64"]]) {
      const s = setting(server.url);
      const r = await runInstallScript({ ...s.env, PATH: `${unameStub(os, arch)}:${process.env.PATH}` });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `assay: unsupported platform: ${os} ${arch} (release binaries are for Linux and macOS on x86_64 and arm64)\n`);
      assert.ok(!existsSync(s.dir));
    }
    assert.deepEqual(server.requests, []);
    const s = setting(server.url, { ASSAY_LIBC: "uclibc" });
    const r = await runInstallScript({ ...s.env, PATH: `${unameStub("Linux", "x86_64")}:${process.env.PATH}` });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "assay: ASSAY_LIBC must be glibc or musl, not 'uclibc'\n");
  } finally {
    await server.close();
  }
});

test("a checksum mismatch fails and installs nothing, keeping the installed binary", async () => {
  const files = release("2.0.0", [HOST]);
  const good = files[`assay-2.0.0-${HOST}.sha256`];
  const wrong = (good[0] === "0" ? "1" : "0") + good.slice(1);
  const server = await serveFiles({ latest: "2.0.0\n", ...files, [`assay-2.0.0-${HOST}.sha256`]: wrong });
  try {
    const s = setting(server.url);
    let r = await runInstallScript(s.env);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `assay: checksum mismatch for assay-2.0.0-${HOST}: expected ${wrong.split(" ")[0]}, got ${good.split(" ")[0]}; nothing installed\n`,
    );
    assert.ok(!existsSync(s.dir), "nothing installed");
    assert.deepEqual(readdirSync(s.tmp), []);

    // An older install stays as it was.
    mkdirSync(s.dir);
    writeFileSync(join(s.dir, "assay"), fakeBinary("assay 0.9.0"), { mode: 0o755 });
    r = await runInstallScript(s.env);
    assert.equal(r.code, 1);
    assert.equal(readFileSync(join(s.dir, "assay"), "utf8"), fakeBinary("assay 0.9.0"));
  } finally {
    await server.close();
  }
});

test("a failed download or a binary that does not run here fails clearly and installs nothing", async () => {
  const server = await serveFiles({
    ...release("2.0.0", [HOST]),
    ...release("3.0.0", [HOST], fakeBinary("", false)),
  });
  try {
    // No `latest` on the server.
    let s = setting(server.url);
    let r = await runInstallScript(s.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^assay: download failed: ${server.url}/latest \\(set ASSAY_VERSION to pick a version\\)$`, "m"));
    // A version that has no files.
    s = setting(server.url, { ASSAY_VERSION: "9.9.9" });
    r = await runInstallScript(s.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^assay: download failed: ${server.url}/assay-9\\.9\\.9-${HOST} \\(is there a 9\\.9\\.9 release for ${HOST}\\?\\); nothing installed$`, "m"));
    assert.ok(!existsSync(s.dir));
    // Nothing listening at all.
    s = setting("http://127.0.0.1:1", { ASSAY_VERSION: "2.0.0" });
    r = await runInstallScript(s.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^assay: download failed: http:\/\/127\.0\.0\.1:1\/assay-2\.0\.0-/m);
    // The right checksum, but the binary fails to start (say, a glibc build on a musl system).
    s = setting(server.url, { ASSAY_VERSION: "3.0.0" });
    r = await runInstallScript(s.env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `assay: assay-3.0.0-${HOST} does not run on this machine (exit 3: cannot execute: required file not found); nothing installed\n`);
    assert.ok(!existsSync(s.dir));
    assert.deepEqual(readdirSync(s.tmp), []);
  } finally {
    await server.close();
  }
});
