/**
 * Measures the two images of container/Containerfile and writes bench/image-size.md, a section
 * bench/report.ts includes in bench/RESULTS.md: for each image, the compressed size (its
 * layers gzipped, as `podman save --compress` writes them: what a pull downloads) and the
 * unpacked size (podman's own figure, the files on disk), and what the files are. Needs
 * podman; builds the binary's image from dist/assay as it is (run scripts/build.ts first).
 *
 * @example
 * ```sh
 * node_modules/.bin/bun scripts/build.ts && node_modules/.bin/bun scripts/container/size.ts
 * ```
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTAINERFILE, CONTEXT } from "./containerfile.ts";
import { BINARY, linkedFiles, stage } from "./stage.ts";

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: CONTEXT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`assay: container size: ${cmd} ${args.join(" ")} failed: ${(r.stderr ?? "").trim()}`);
  return r.stdout.trim();
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(1)} KB`;

interface Measured {
  target: string;
  compressed: number;
  unpacked: number;
  layers: number;
}

/** Builds `target` and measures it; the image is removed afterwards. */
function measure(target: string): Measured {
  const tag = `localhost/assay-size-${target}:${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "assay-image-size-"));
  try {
    run("podman", ["build", "--quiet", "--file", CONTAINERFILE, "--target", target, "--tag", tag, CONTEXT]);
    const unpacked = Number(run("podman", ["image", "inspect", "--format", "{{.Size}}", tag]));
    run("podman", ["save", "--quiet", "--compress", "--format", "docker-dir", "--output", join(dir, "image"), tag]);
    const manifest = JSON.parse(readFileSync(join(dir, "image", "manifest.json"), "utf8")) as { layers: { size: number }[] };
    const compressed = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
    return { target, compressed, unpacked, layers: manifest.layers.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    spawnSync("podman", ["rmi", "--force", tag], { stdio: "ignore" });
  }
}

function report(): string {
  stage();
  const binary = statSync(join(CONTEXT, BINARY)).size;
  const libs = linkedFiles(join(CONTEXT, BINARY)).reduce((sum, file) => sum + statSync(file).size, 0);
  const stdlib = readdirSync(join(CONTEXT, "stdlib")).filter((n) => n.endsWith(".lua"))
    .reduce((sum, n) => sum + statSync(join(CONTEXT, "stdlib", n)).size, 0);
  const [base, full] = ["assay", "assay-full"].map(measure);
  const version = run(join(CONTEXT, BINARY), ["--version"]);
  const date = new Date().toISOString().slice(0, 10);
  return [
    "## Container image size (container/Containerfile)",
    "",
    `Measured by \`bun scripts/container/size.ts\` on ${date} (${version}, ${run("podman", ["--version"])}, ` +
    "the glibc files of the Debian 12 build machine). Compressed: the image's layers gzipped, as " +
    "`podman save --compress` writes them and a registry stores them, so what a pull downloads. " +
    "Unpacked: podman's size of the image, the files on disk.",
    "",
    "| image | layers | compressed | unpacked |",
    "|---|---|---|---|",
    `| \`assay\` | ${base.layers} | ${mb(base.compressed)} | ${mb(base.unpacked)} |`,
    `| \`assay-full\` | ${full.layers} | ${mb(full.compressed)} (+${kb(full.compressed - base.compressed)}) | ${mb(full.unpacked)} (+${kb(full.unpacked - base.unpacked)}) |`,
    "",
    `Of that, the binary is ${mb(binary)} (Bun's runtime and the program), the loader and the ` +
    `four glibc libraries ${mb(libs)}; assay-full adds one layer of ${kb(stdlib)} ` +
    "of Lua (the stdlib, also embedded in the binary). An image built from `FROM scratch` holds " +
    "nothing more: the size is the binary's.",
  ].join("\n") + "\n";
}

if (import.meta.main) {
  try {
    const text = report();
    writeFileSync(join(CONTEXT, "bench", "image-size.md"), text);
    process.stdout.write(text);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
