/**
 * Running a program inside an image's root file system the way a container runtime starts
 * it, without one: `chroot` into the root with a fresh /proc mounted in it, the image's
 * environment and entrypoint, and the host's network (a server the test starts on 127.0.0.1
 * is reachable). Roots are temp directories that `removeRoots` unmounts and deletes; it also
 * runs when the test file ends, so a failing test leaves no mount behind.
 *
 * Mounting needs root: chrootSkip says why it cannot be done here, except under CI, where the
 * tests must run (and fail if they cannot).
 *
 * @example
 * ```ts
 * const root = newRoot();
 * const image = buildRoot("assay", root);
 * mountProc(root);
 * const r = await runInRoot(root, image, ["/work/hello.lua"]);
 * removeRoots();
 * ```
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What a runtime adds to the image's variables (HOME from /etc/passwd, which the image lacks: /). */
const RUNTIME_ENV = { HOSTNAME: "assay-test", HOME: "/" };

function underCI(): boolean {
  const ci = process.env.CI;
  return !!ci && ci !== "false" && ci !== "0";
}

function mount(dir: string): string | undefined {
  const r = spawnSync("mount", ["-t", "proc", "proc", dir], { encoding: "utf8" });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : (r.stderr || `exit ${r.status}`).trim();
}

/** False when /proc can be mounted here, else why not. Never a reason under CI. */
export function chrootSkip(): string | false {
  if (underCI()) return false;
  if (process.getuid?.() !== 0) return "not root: the chroot needs a /proc mount, which needs root";
  const dir = mkdtempSync(join(tmpdir(), "assay-proc-probe-"));
  const failed = mount(dir);
  if (!failed) spawnSync("umount", [dir]);
  rmdirSync(dir);
  return failed ? `mount -t proc failed: ${failed}` : false;
}

/** chroot is in /usr/sbin, which a test runner's PATH may lack. */
const CHROOT = ["/usr/sbin/chroot", "/usr/bin/chroot"].find((p) => existsSync(p)) ?? "chroot";

const roots: string[] = [];

/** A fresh empty directory for a root file system (mode 755, as an image's / is). */
export function newRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), "assay-image-root-"));
  chmodSync(dir, 0o755);
  roots.push(dir);
  return dir;
}

function isMountPoint(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(join(path, "..")).dev;
  } catch {
    return false;
  }
}

/** Mounts a proc file system at `root`/proc, as a runtime does for every container. */
export function mountProc(root: string): void {
  const proc = join(root, "proc");
  mkdirSync(proc, { recursive: true });
  const failed = mount(proc);
  if (failed) throw new Error(`assay: mount -t proc ${proc}: ${failed}`);
}

/**
 * Unmounts each root's /proc and deletes the root. A root whose /proc stays mounted is left
 * in place (deleting through a live proc mount is never right) and named in the error.
 */
export function removeRoots(): void {
  const stuck: string[] = [];
  for (const root of roots.splice(0)) {
    const proc = join(root, "proc");
    if (isMountPoint(proc)) spawnSync("umount", [proc]);
    if (isMountPoint(proc)) spawnSync("umount", ["--lazy", proc]);
    if (isMountPoint(proc)) {
      stuck.push(root);
      continue;
    }
    rmSync(root, { recursive: true, force: true });
  }
  if (stuck.length) throw new Error(`assay: could not unmount proc in ${stuck.join(", ")}`);
}

// Deno runs each test file in a worker and fires `unload` when it is done; Node fires `exit`.
globalThis.addEventListener?.("unload", removeRoots);
process.on("exit", removeRoots);

export interface RootRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RootRunOptions {
  /** Variables added to the runtime's and the image's. */
  env?: Record<string, string>;
  /** `uid:gid` to run as (chroot --userspec), as `--user` does; root unless given. */
  user?: string;
  timeoutMs?: number;
}

/**
 * Runs the image's entrypoint with `args` inside `root` (working directory /), with the
 * runtime's default variables, the image's ENV and `options.env`; killed after the timeout
 * (30 s). Does not block, so servers in the test process can answer it.
 */
export function runInRoot(
  root: string,
  image: { env: Record<string, string>; entrypoint: string[] },
  args: string[],
  options: RootRunOptions = {},
): Promise<RootRun> {
  const user = options.user ? [`--userspec=${options.user}`] : [];
  const child = spawn(CHROOT, [...user, root, ...image.entrypoint, ...args], {
    env: { ...RUNTIME_ENV, ...image.env, ...options.env },
    cwd: "/",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}
