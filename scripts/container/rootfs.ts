/**
 * The root file system of an image stage, in a directory, with the settings a runtime takes
 * from the image (environment, entrypoint): built by `podman build` and exported from a
 * container made of it (`podman create` + `podman export`, untarred) where podman is
 * installed, otherwise laid out by following the Containerfile's own COPY, ENV and ENTRYPOINT
 * lines (containerfile.ts), so that both ways read the same file. Run stage.ts first.
 *
 * @example
 * ```ts
 * const image = buildRoot("assay-full", dir); // dir now holds /assay, /lib64, ..., /lib/assay
 * spawnSync("chroot", [dir, ...image.entrypoint, "/tmp/job.lua"], { env: image.env });
 * ```
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CONTAINERFILE, CONTEXT, type Copy, parseContainerfile, stageChain } from "./containerfile.ts";

export interface ImageRoot {
  /** The variables the image sets (ENV). */
  env: Record<string, string>;
  entrypoint: string[];
  /** How the root was made. */
  via: "podman" | "containerfile";
}

/** Whether podman is on PATH. */
export function hasPodman(): boolean {
  return spawnSync("podman", ["--version"], { stdio: "ignore" }).status === 0;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: CONTEXT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`assay: container: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? "").trim()}`);
  return r.stdout;
}

/** The context paths a COPY source stands for (a `*` in the last component is expanded, sorted). */
function expand(source: string): string[] {
  const name = basename(source);
  if (!name.includes("*")) return [source.replace(/\/+$/, "")];
  const dir = dirname(source);
  const pattern = new RegExp("^" + name.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*") + "$");
  const found = readdirSync(join(CONTEXT, dir)).filter((n) => pattern.test(n)).sort().map((n) => `${dir}/${n}`);
  if (!found.length) throw new Error(`assay: container: COPY ${source}: no file matches`);
  return found;
}

/** Creates `path` and its missing parents 755, as COPY does, whatever the umask. */
function makeDirs(path: string): void {
  if (existsSync(path)) return;
  makeDirs(dirname(path));
  mkdirSync(path);
  chmodSync(path, 0o755);
}

/**
 * Copies a context file, or the contents of a directory (as COPY does), to `target`. Modes are
 * kept, except the source directory's own: COPY leaves the destination as it is, or makes it 755.
 */
function copyInto(from: string, target: string, top = true): void {
  const info = statSync(from);
  if (info.isDirectory()) {
    makeDirs(target);
    for (const name of readdirSync(from).sort()) copyInto(join(from, name), join(target, name), false);
    if (!top) chmodSync(target, info.mode & 0o7777);
  } else {
    makeDirs(dirname(target));
    copyFileSync(from, target);
    chmodSync(target, info.mode & 0o7777);
  }
}

function applyCopy(rootDir: string, copy: Copy): void {
  const sources = copy.sources.flatMap(expand);
  // A destination ending in `/`, or several sources, is a directory the sources go into.
  const intoDir = copy.dest.endsWith("/") || sources.length > 1;
  for (const source of sources) {
    const from = join(CONTEXT, source);
    const isDir = statSync(from).isDirectory();
    const target = join(rootDir, copy.dest, intoDir && !isDir ? basename(source) : "");
    copyInto(from, target);
  }
}

/** Lays out stage `target` in `rootDir` from the Containerfile's lines alone. */
export function assembleRoot(target: string, rootDir: string): ImageRoot {
  const chain = stageChain(parseContainerfile(readFileSync(CONTAINERFILE, "utf8")), target);
  mkdirSync(rootDir, { recursive: true });
  for (const stage of chain) for (const copy of stage.copies) applyCopy(rootDir, copy);
  const last = chain.at(-1)!;
  return { env: { ...last.env }, entrypoint: last.entrypoint ?? [], via: "containerfile" };
}

/** Builds stage `target` with podman and unpacks a container's export of it into `rootDir`. */
export function podmanRoot(target: string, rootDir: string): ImageRoot {
  const tag = `localhost/assay-image-test-${target}:${process.pid}`;
  const name = `assay-image-test-${target}-${process.pid}`;
  const tar = `${rootDir}.tar`;
  try {
    run("podman", ["build", "--quiet", "--file", CONTAINERFILE, "--target", target, "--tag", tag, CONTEXT]);
    const [config] = JSON.parse(run("podman", ["image", "inspect", tag])) as { Config: { Env?: string[]; Entrypoint?: string[] } }[];
    run("podman", ["create", "--name", name, tag]);
    run("podman", ["export", "--output", tar, name]);
    mkdirSync(rootDir, { recursive: true });
    run("tar", ["--extract", "--file", tar, "--directory", rootDir, "--same-permissions", "--same-owner"]);
    const env: Record<string, string> = {};
    for (const pair of config.Config.Env ?? []) {
      const eq = pair.indexOf("=");
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return { env, entrypoint: config.Config.Entrypoint ?? [], via: "podman" };
  } finally {
    rmSync(tar, { force: true });
    spawnSync("podman", ["rm", "--force", name], { stdio: "ignore" });
    spawnSync("podman", ["rmi", "--force", tag], { stdio: "ignore" });
  }
}

/** podmanRoot where podman is installed, else assembleRoot. */
export function buildRoot(target: string, rootDir: string): ImageRoot {
  return hasPodman() ? podmanRoot(target, rootDir) : assembleRoot(target, rootDir);
}
