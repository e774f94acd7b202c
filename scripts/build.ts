/**
 * Builds the single-file binary (scripts/compile.ts does the work): `dist/assay` for this
 * machine (or `--outfile PATH`), or with `--all` every target as `dist/assay-<target>`, for a
 * quick cross-build without the release's names and checksums (scripts/release.ts).
 *
 * @example
 * bun scripts/build.ts                  # dist/assay
 * bun scripts/build.ts --all            # dist/assay-linux-x64, dist/assay-darwin-arm64, ...
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { compile, hostTarget, prepare, ROOT, TARGETS } from "./compile.ts";

prepare();
const all = process.argv.includes("--all");
const at = process.argv.indexOf("--outfile");
const outfile = at > 0 ? process.argv[at + 1] : "dist/assay";
const builds = all
  ? Object.keys(TARGETS).map((t) => ({ target: t, outfile: `dist/assay-${t}` }))
  : [{ target: hostTarget(), outfile }];
for (const { target, outfile } of builds) {
  compile(target, outfile, { quiet: all });
  if (all) console.log(`${outfile}  ${(statSync(join(ROOT, outfile)).size / 1e6).toFixed(1)} MB`);
}
