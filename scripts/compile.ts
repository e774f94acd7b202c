/**
 * Compiles the single-file binary with `bun build --compile` for one target: what
 * scripts/build.ts (this machine, or `--all`) and scripts/release.ts (every release target,
 * with checksums) share.
 *
 * Cross-compiling needs the Bun executable of each target. Bun would download it from its
 * release site; instead it is taken from the `@oven/bun-<os>-<arch>[-musl]` npm package of the
 * same Bun version (installed in node_modules when it matches this machine, else fetched once
 * with `npm pack` into node_modules/.cache/assay-build/), so a build needs nothing but the npm
 * registry, and nothing at all once the cache is filled.
 *
 * Every binary is stamped with the commit it was built from (loader/version.ts), so
 * `assay --version` of any build names its source.
 *
 * @example
 * import { compile, hostTarget, prepare } from "./compile.ts";
 * prepare();
 * compile(hostTarget(), "dist/assay");
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const ROOT = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");

/**
 * Release targets (`<os>-<arch>[-musl]`, also Bun's `--target=bun-<target>`) and the npm
 * package that carries Bun's executable for each. The musl builds are for Alpine and other
 * musl distributions; Bun's musl executable also needs musl's libstdc++ and libgcc there.
 */
export const TARGETS: Record<string, string> = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-aarch64",
  "linux-x64-musl": "bun-linux-x64-musl",
  "linux-arm64-musl": "bun-linux-aarch64-musl",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-aarch64",
};

/** Runs a command from the repository root; exits the build with a message when it fails. */
export function run(cmd: string, args: string[], options: { cwd?: string; quiet?: boolean } = {}): void {
  const r = spawnSync(cmd, args, { cwd: options.cwd ?? ROOT, stdio: options.quiet ? ["ignore", "ignore", "inherit"] : "inherit" });
  if (r.status !== 0) {
    console.error(`assay: build: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

/** The target of this machine (glibc on Linux: the musl builds are only cross-compiled). */
export function hostTarget(): string {
  const os = process.platform === "darwin" ? "darwin" : "linux";
  return `${os}-${process.arch === "arm64" ? "arm64" : "x64"}`;
}

/** The package version, from package.json. */
export function packageVersion(): string {
  return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
}

/**
 * Semver build metadata for this checkout: the short commit, plus `.dirty` when tracked files
 * differ from it (untracked files do not count, as with `git describe --dirty`). Empty outside
 * a git checkout or without git: the version is then the package's alone.
 */
export function buildMetadata(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  if (head.status !== 0 || !/^[0-9a-f]+$/.test(head.stdout.trim())) return "";
  const diff = spawnSync("git", ["diff", "--quiet", "HEAD", "--"], { cwd: ROOT });
  return head.stdout.trim() + (diff.status === 1 ? ".dirty" : "");
}

/** Path of Bun's executable for `target`, fetched from npm into the cache when needed. */
function bunExecutable(target: string): string {
  const pkg = TARGETS[target];
  const version = JSON.parse(readFileSync(join(ROOT, "node_modules", "bun", "package.json"), "utf8")).version as string;
  const installed = join(ROOT, "node_modules", "@oven", pkg, "bin", "bun");
  if (existsSync(installed)) return installed;
  const cache = join(ROOT, "node_modules", ".cache", "assay-build", `${pkg}-${version}`);
  const cached = join(cache, "package", "bin", "bun");
  if (!existsSync(cached)) {
    mkdirSync(cache, { recursive: true });
    console.error(`assay build: fetching @oven/${pkg}@${version} (Bun for ${target}) from npm`);
    run("npm", ["pack", `@oven/${pkg}@${version}`, "--silent", "--pack-destination", cache], { quiet: true });
    run("tar", ["xzf", `oven-${pkg}-${version}.tgz`], { cwd: cache });
    // Half again the executable's size, and npm keeps its own copy in its cache anyway.
    rmSync(join(cache, `oven-${pkg}-${version}.tgz`));
    chmodSync(cached, 0o755);
  }
  return cached;
}

/** Generates what the binary embeds: the stdlib (and its bytecode) and the native wasm helpers. */
export function prepare(): void {
  run(process.execPath, ["scripts/embed-stdlib.ts"]);
  run(process.execPath, ["scripts/build-native.ts"]);
}

/** Compiles the binary for `target` into `outfile` (relative to the repository root or absolute). */
export function compile(target: string, outfile: string, options: { quiet?: boolean; metadata?: string } = {}): void {
  if (!TARGETS[target]) throw new Error(`assay: build: unknown target ${target} (known: ${Object.keys(TARGETS).join(", ")})`);
  const out = resolve(ROOT, outfile);
  mkdirSync(dirname(out), { recursive: true });
  // A Bun executable would otherwise read .env and bunfig.toml from the working directory at
  // start-up: scripts would see variables nobody exported, and every run would pay the lookups.
  const args = [
    "build",
    "--compile",
    "--minify",
    "--bytecode",
    "--format=esm",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    `--target=bun-${target}`,
    `--define=ASSAY_BUILD_METADATA:${JSON.stringify(options.metadata ?? buildMetadata())}`,
  ];
  if (target !== hostTarget()) args.push(`--compile-executable-path=${bunExecutable(target)}`);
  run(process.execPath, [...args, "scripts/binary-entry.ts", "--outfile", out], { quiet: options.quiet });
}
