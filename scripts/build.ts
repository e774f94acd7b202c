/**
 * Builds the single-file binary with `bun build --compile`: `dist/assay` for this machine's
 * linux-x64 (or `--outfile PATH`), or with `--all` every release target as `dist/assay-<os>-<arch>`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"];

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`assay build: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const bun = process.execPath;
run(bun, ["scripts/embed-stdlib.ts"]);
mkdirSync(join(root, "dist"), { recursive: true });
const all = process.argv.includes("--all");
const at = process.argv.indexOf("--outfile");
const outfile = at > 0 ? process.argv[at + 1] : "dist/assay";
const builds = all
  ? TARGETS.map((t) => ({ target: `bun-${t}`, outfile: `dist/assay-${t}` }))
  : [{ target: "bun-linux-x64", outfile }];
for (const { target, outfile } of builds) {
  run(bun, ["build", "--compile", "--minify", "--bytecode", "--format=esm", `--target=${target}`, "scripts/binary-entry.ts", "--outfile", outfile]);
}
