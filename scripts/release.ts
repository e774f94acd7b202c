/**
 * The release build (`npm run release`): every target of scripts/compile.ts as
 * `assay-<version>-<target>` in dist/release/, each with `<name>.sha256` (sha256sum's format,
 * so `sha256sum -c` checks it), a combined `SHA256SUMS`, a `latest` file holding the version
 * (how scripts/install.sh finds the newest files without knowing their names), and install.sh
 * itself, so the directory is everything a release page or download server needs.
 *
 * The binaries are stamped `assay <version>+<commit>[.dirty]` (loader/version.ts). Prints
 * each binary's size and the seconds its build took.
 *
 * Options: `--outdir DIR` (default dist/release, emptied first; another directory must be
 * empty or absent), `--targets a,b` (a subset, e.g. `linux-x64` for a quick check).
 *
 * @example
 * bun scripts/release.ts                                     # all six targets
 * bun scripts/release.ts --targets linux-x64 --outdir /tmp/r # one, elsewhere
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildMetadata, compile, packageVersion, prepare, ROOT, TARGETS } from "./compile.ts";

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function fail(message: string): never {
  console.error(`assay: release: ${message}`);
  process.exit(1);
}

const defaultOutdir = join(ROOT, "dist", "release");
const outdir = resolve(option("--outdir") ?? defaultOutdir);
const targets = option("--targets")?.split(",").filter(Boolean) ?? Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) fail(`unknown target ${t} (known: ${Object.keys(TARGETS).join(", ")})`);

// Only the default directory is emptied: a stale binary of another version would otherwise
// be uploaded with the rest, and a directory the user named may hold anything.
if (outdir === defaultOutdir) rmSync(outdir, { recursive: true, force: true });
else if (existsSync(outdir) && readdirSync(outdir).length > 0) fail(`${outdir} is not empty`);
mkdirSync(outdir, { recursive: true });

const version = packageVersion();
const metadata = buildMetadata();
if (!metadata) console.error("assay: release: no git commit to stamp (not a git checkout?): the binaries say only their version");
prepare();

const sums: [string, string][] = [];
for (const target of targets) {
  const name = `assay-${version}-${target}`;
  const started = performance.now();
  compile(target, join(outdir, name), { quiet: true, metadata });
  const sum = createHash("sha256").update(readFileSync(join(outdir, name))).digest("hex");
  const line = `${sum}  ${name}\n`;
  writeFileSync(join(outdir, `${name}.sha256`), line);
  sums.push([name, line]);
  const mb = (statSync(join(outdir, name)).size / 1e6).toFixed(1);
  console.log(`${name}  ${mb} MB  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
writeFileSync(join(outdir, "SHA256SUMS"), sums.sort(([a], [b]) => a < b ? -1 : 1).map(([, line]) => line).join(""));
writeFileSync(join(outdir, "latest"), `${version}\n`);
copyFileSync(join(ROOT, "scripts", "install.sh"), join(outdir, "install.sh"));
console.log(`${outdir}: ${targets.length} ${targets.length === 1 ? "binary" : "binaries"} of assay ${version}${metadata ? `+${metadata}` : ""}, SHA256SUMS, latest, install.sh`);
