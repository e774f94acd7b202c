/**
 * Builds the single-file binary with `bun build --compile`: `dist/assay` for this machine
 * (or `--outfile PATH`), or with `--all` every release target as `dist/assay-<os>-<arch>`.
 *
 * Cross-compiling needs the Bun executable of each target. Bun would download it from its
 * release site; instead the script takes it from the `@oven/bun-<os>-<arch>` npm package of
 * the same Bun version (installed in node_modules when it matches this machine, else fetched
 * once with `npm pack` into node_modules/.cache/assay-build/), so a build needs nothing but
 * the npm registry, and nothing at all once the cache is filled.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");

/** Release targets and the npm package that carries Bun's executable for each. */
const TARGETS: Record<string, string> = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-aarch64",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-aarch64",
};

function run(cmd: string, args: string[], options: { cwd?: string; quiet?: boolean } = {}): void {
  const r = spawnSync(cmd, args, { cwd: options.cwd ?? root, stdio: options.quiet ? ["ignore", "ignore", "inherit"] : "inherit" });
  if (r.status !== 0) {
    console.error(`assay build: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function hostTarget(): string {
  const os = process.platform === "darwin" ? "darwin" : "linux";
  return `${os}-${process.arch === "arm64" ? "arm64" : "x64"}`;
}

/** Path of Bun's executable for `target`, fetched from npm into the cache when needed. */
function bunExecutable(target: string): string {
  const pkg = TARGETS[target];
  const version = JSON.parse(readFileSync(join(root, "node_modules", "bun", "package.json"), "utf8")).version as string;
  const installed = join(root, "node_modules", "@oven", pkg, "bin", "bun");
  if (existsSync(installed)) return installed;
  const cache = join(root, "node_modules", ".cache", "assay-build", `${pkg}-${version}`);
  const cached = join(cache, "package", "bin", "bun");
  if (!existsSync(cached)) {
    mkdirSync(cache, { recursive: true });
    console.error(`assay build: fetching @oven/${pkg}@${version} (Bun for ${target}) from npm`);
    run("npm", ["pack", `@oven/${pkg}@${version}`, "--silent", "--pack-destination", cache], { quiet: true });
    run("tar", ["xzf", `oven-${pkg}-${version}.tgz`], { cwd: cache });
    chmodSync(cached, 0o755);
  }
  return cached;
}

const bun = process.execPath;
run(bun, ["scripts/embed-stdlib.ts"]);
run(bun, ["scripts/build-native.ts"]);
mkdirSync(join(root, "dist"), { recursive: true });
const all = process.argv.includes("--all");
const at = process.argv.indexOf("--outfile");
const outfile = at > 0 ? process.argv[at + 1] : "dist/assay";
const builds = all
  ? Object.keys(TARGETS).map((t) => ({ target: t, outfile: `dist/assay-${t}` }))
  : [{ target: hostTarget(), outfile }];
for (const { target, outfile } of builds) {
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
  ];
  if (target !== hostTarget()) args.push(`--compile-executable-path=${bunExecutable(target)}`);
  run(bun, [...args, "scripts/binary-entry.ts", "--outfile", outfile], { quiet: all });
  if (all) console.log(`${outfile}  ${(statSync(join(root, outfile)).size / 1e6).toFixed(1)} MB`);
}
