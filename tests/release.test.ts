/**
 * The release build (README "Download and install"): scripts/release.ts writes
 * `assay-<version>-<target>` binaries with `.sha256` files that match them, a SHA256SUMS that
 * `sha256sum -c` accepts, `latest` and install.sh; the linux-x64 binary, copied alone into an
 * empty directory and run from another, prints `assay <version>+<commit>`; each binary is an
 * executable of its platform (`file`); install.sh installs it from the directory served on
 * 127.0.0.1; and where the machine has qemu-aarch64-static with libc6:arm64, the linux-arm64
 * binary runs a script (a check by hand: .ci/run installs neither).
 *
 * All six targets, as `npm run release` builds them: 3-6 s of `bun build --compile` each, plus
 * on a fresh machine about 5 s to fetch each cross target's Bun from npm (about a minute in
 * all). `ASSAY_RELEASE_TARGETS=linux-x64` narrows it for a quick local run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tempDir } from "./helpers.ts";
import { runInstallScript, serveFiles } from "./install-script.ts";

const fromSource = process.env.ASSAY_FROM_SOURCE === "deno";
const ALL = ["linux-x64", "linux-arm64", "linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64"];
const targets = process.env.ASSAY_RELEASE_TARGETS?.split(",") ?? ALL;
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

/** What `file` says of each target's binary. */
const FILE_SAYS: Record<string, RegExp> = {
  "linux-x64": /ELF 64-bit LSB (pie )?executable, x86-64, .*interpreter \/lib64\/ld-linux-x86-64\.so\.2/,
  "linux-arm64": /ELF 64-bit LSB (pie )?executable, ARM aarch64, .*interpreter \/lib\/ld-linux-aarch64\.so\.1/,
  "linux-x64-musl": /ELF 64-bit LSB (pie )?executable, x86-64, .*interpreter \/lib\/ld-musl-x86_64\.so\.1/,
  "linux-arm64-musl": /ELF 64-bit LSB (pie )?executable, ARM aarch64, .*interpreter \/lib\/ld-musl-aarch64\.so\.1/,
  "darwin-x64": /Mach-O 64-bit x86_64 executable/,
  "darwin-arm64": /Mach-O 64-bit arm64 executable/,
};

/** The commit the build stamps, worked out here as git would: short hash, `.dirty` if tracked files differ. */
function commit(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["diff", "--quiet", "HEAD", "--"], { cwd: ROOT }).status === 1;
  return head + (dirty ? ".dirty" : "");
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const build = fromSource && "a build, not a run from source";
const linuxX64 = build || (!targets.includes("linux-x64") && "linux-x64 is not among ASSAY_RELEASE_TARGETS") ||
  (`${process.platform}-${process.arch}` !== "linux-x64" && "this machine does not run linux-x64 binaries");
// Under CI a missing file(1) fails the test below instead: .ci/run installs it.
const noFile = spawnSync("file", ["--version"]).error !== undefined && !process.env.CI && "file(1) is not installed";
const noQemu = (!targets.includes("linux-arm64") && "linux-arm64 is not among ASSAY_RELEASE_TARGETS") ||
  ((spawnSync("qemu-aarch64-static", ["--version"]).error || !existsSync("/lib/ld-linux-aarch64.so.1")) &&
    "no qemu-aarch64-static with libc6:arm64 here (a manual check; .ci/run does not install them)");

/** A test's title, with the reason it is skipped, if it is, where the runner prints it. */
const titled = (title: string, skip: string | false) => skip ? `${title} (skipped: ${skip})` : title;

/** The release directory the build test fills; the tests after it read it. */
const out = tempDir("assay-release-");
const names = targets.map((t) => `assay-${VERSION}-${t}`);

test("npm run release builds every target", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.equal(pkg.scripts.release, "bun scripts/release.ts");
  const source = readFileSync(join(ROOT, "scripts", "compile.ts"), "utf8");
  for (const t of ALL) assert.ok(source.includes(`"${t}": "bun-`), `${t} is a target of scripts/compile.ts`);
});

test(titled(`the release build of ${targets.join(", ")}: each binary with its .sha256, SHA256SUMS, latest and install.sh`, build), { skip: build }, () => {
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "bun"), ["scripts/release.ts", "--outdir", out, "--targets", targets.join(",")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 15 * 60_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(readdirSync(out).sort(), [...names, ...names.map((n) => `${n}.sha256`), "SHA256SUMS", "install.sh", "latest"].sort());
  assert.equal(readFileSync(join(out, "latest"), "utf8"), `${VERSION}\n`);
  assert.equal(readFileSync(join(out, "install.sh"), "utf8"), readFileSync(join(ROOT, "scripts", "install.sh"), "utf8"));

  // Each .sha256 file is sha256sum's line for its binary; SHA256SUMS is all of them, by name.
  const lines = names.map((name) => {
    const line = readFileSync(join(out, `${name}.sha256`), "utf8");
    assert.equal(line, `${sha256(readFileSync(join(out, name)))}  ${name}\n`);
    return line;
  });
  assert.equal(readFileSync(join(out, "SHA256SUMS"), "utf8"), [...lines].sort((a, b) => a.slice(66) < b.slice(66) ? -1 : 1).join(""));
  const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
  if (!check.error) {
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout, [...names].sort().map((n) => `${n}: OK\n`).join(""));
  }
});

test(titled("the linux-x64 binary, alone in an empty directory and run from another, prints assay <version>+<commit>", linuxX64), { skip: linuxX64 }, () => {
  const alone = tempDir("assay-alone-");
  const elsewhere = tempDir("assay-cwd-");
  copyFileSync(join(out, `assay-${VERSION}-linux-x64`), join(alone, "assay"));
  chmodSync(join(alone, "assay"), 0o755);
  const r = spawnSync(join(alone, "assay"), ["--version"], { cwd: elsewhere, env: { PATH: "/usr/bin:/bin", HOME: elsewhere }, encoding: "utf8" });
  assert.equal(r.stderr, "");
  const expected = commit();
  assert.match(expected, /^[0-9a-f]{7,}(\.dirty)?$/, "built in a git checkout, so a commit is stamped");
  assert.equal(r.stdout, `assay ${VERSION}+${expected}\n`);
});

test(titled("install.sh installs the linux-x64 binary from the release directory served on 127.0.0.1", linuxX64), { skip: linuxX64 }, async () => {
  const files = Object.fromEntries(readdirSync(out).map((n) => [n, readFileSync(join(out, n))]));
  const server = await serveFiles(files);
  try {
    const home = tempDir("assay-home-");
    const r = await runInstallScript({ ASSAY_DOWNLOAD_URL: server.url, ASSAY_INSTALL_DIR: join(home, "bin"), HOME: home, ASSAY_VERSION: "", ASSAY_LIBC: "" });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const says = `assay ${VERSION}+${commit()}`;
    assert.ok(r.stdout.includes(`assay: installed ${says} to ${join(home, "bin", "assay")}\n`), r.stdout);
    assert.equal(spawnSync(join(home, "bin", "assay"), ["--version"], { encoding: "utf8" }).stdout, `${says}\n`);
  } finally {
    await server.close();
  }
});

test(titled("each binary is an executable of its platform (file: ELF x86-64/aarch64 with glibc's or musl's loader, Mach-O)", build || noFile), { skip: build || noFile }, () => {
  for (const t of targets) {
    const said = spawnSync("file", ["-b", join(out, `assay-${VERSION}-${t}`)], { encoding: "utf8" });
    assert.ok(!said.error, "file(1) is missing: .ci/run installs it");
    assert.match(said.stdout, FILE_SAYS[t], `${t}: ${said.stdout}`);
  }
});

test(titled("the linux-arm64 binary runs a script under qemu-aarch64", build || noQemu), { skip: build || noQemu }, () => {
  const r = spawnSync("qemu-aarch64-static", [join(out, `assay-${VERSION}-linux-arm64`), "-e", "print(json.encode(yaml.parse('a: [1, 2]')))"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.stdout, '{"a":[1,2]}\n', r.stderr);
});
