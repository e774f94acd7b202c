/**
 * Stages what the image takes from the build machine into dist/container/rootfs/, which
 * container/Containerfile copies to `/`: the dynamic loader and the glibc libraries the binary
 * loads, each the real file (links followed) at the path the binary asks for, and an empty /tmp
 * with mode 1777. A build context cannot reach outside itself, hence the copy.
 *
 * The list is fixed here and checked against `ldd dist/assay`: a Bun upgrade that links one
 * more library must fail here, not in a container at run time.
 *
 * @example
 * ```sh
 * node_modules/.bin/bun scripts/build.ts && node_modules/.bin/bun scripts/container/stage.ts
 * ```
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { CONTEXT } from "./containerfile.ts";

/** The binary the image carries, relative to the context. */
export const BINARY = "dist/assay";
/** The tree the Containerfile copies to `/`, relative to the context. */
export const ROOTFS = "dist/container/rootfs";

/** The files the binary loads (PT_INTERP and DT_NEEDED, resolved as Debian's loader does). */
export const LIBRARIES = [
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/x86_64-linux-gnu/libdl.so.2",
  "/lib/x86_64-linux-gnu/libm.so.6",
  "/lib/x86_64-linux-gnu/libpthread.so.0",
  "/lib64/ld-linux-x86-64.so.2",
];

/** Empty directories of the image, with their modes: /tmp for scripts' temporary files. */
export const EMPTY_DIRS: Record<string, number> = { "/tmp": 0o1777 };

/** The shared objects `ldd` lists for `binary` (the loader included, the vDSO left out), sorted. */
export function linkedFiles(binary: string): string[] {
  const r = spawnSync("ldd", [binary], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`assay: container: ldd ${binary}: ${(r.error?.message ?? r.stderr ?? "").trim()}`);
  const files: string[] = [];
  for (const line of r.stdout.split("\n")) {
    if (/not found/.test(line)) throw new Error(`assay: container: ${binary} needs a library this machine lacks: ${line.trim()}`);
    // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` or `/lib64/ld-linux-x86-64.so.2 (0x...)`
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) files.push(m[1]);
  }
  return files.sort();
}

/** Fills dist/container/rootfs/ afresh from this machine; returns the image paths staged. */
export function stage(): string[] {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`assay: container: the image holds the linux-x64 binary and this machine's glibc; this is ${process.platform}-${process.arch}`);
  }
  const binary = join(CONTEXT, BINARY);
  if (!existsSync(binary)) throw new Error(`assay: container: ${BINARY} is missing: build it first (node_modules/.bin/bun scripts/build.ts)`);
  const linked = linkedFiles(binary);
  const missing = linked.filter((f) => !LIBRARIES.includes(f));
  const extra = LIBRARIES.filter((f) => !linked.includes(f));
  if (missing.length || extra.length) {
    throw new Error(
      `assay: container: ${BINARY} does not load what scripts/container/stage.ts copies` +
        (missing.length ? `; not copied: ${missing.join(", ")}` : "") +
        (extra.length ? `; not loaded: ${extra.join(", ")}` : ""),
    );
  }
  const rootfs = join(CONTEXT, ROOTFS);
  rmSync(join(CONTEXT, "dist", "container"), { recursive: true, force: true });
  // Directories 755 whatever the umask: the image's /lib must be readable by any user.
  const directory = (path: string, mode = 0o755) => {
    if (!existsSync(path)) {
      directory(dirname(path));
      mkdirSync(path);
    }
    chmodSync(path, mode);
  };
  for (const file of LIBRARIES) {
    const target = join(rootfs, file);
    directory(dirname(target));
    copyFileSync(file, target); // follows links: /lib64's is one, to /lib/x86_64-linux-gnu/
    chmodSync(target, statSync(file).mode & 0o7777);
  }
  for (const [dir, mode] of Object.entries(EMPTY_DIRS)) directory(join(rootfs, dir), mode);
  return [...LIBRARIES, ...Object.keys(EMPTY_DIRS)];
}

if (import.meta.main) {
  try {
    for (const path of stage()) console.log(`staged ${path}`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
