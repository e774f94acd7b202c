/**
 * Drives scripts/install.sh as a user would, against release files served by a node:http
 * server on 127.0.0.1 in the test process: `serveFiles` serves a name → bytes map (404 for
 * anything else) and notes every path asked for; `runInstallScript` runs the script without
 * blocking the event loop, so that server can answer it.
 *
 * @example
 * const server = await serveFiles({ "latest": "1.0.0\n", ... });
 * const r = await runInstallScript({ ASSAY_DOWNLOAD_URL: server.url, ASSAY_INSTALL_DIR: dir });
 * await server.close();
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";

export interface FileServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `files` (name → content) at `<url>/<name>` on a random 127.0.0.1 port. */
export async function serveFiles(files: Record<string, string | Uint8Array>): Promise<FileServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const body = Object.hasOwn(files, path.slice(1)) ? files[path.slice(1)] : undefined;
    if (body === undefined) res.writeHead(404).end("not found\n");
    else res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs scripts/install.sh with /bin/sh and `env` on top of this process's environment. With
 * `piped`, the script comes on standard input (`sh -s`), as from `curl ... | sh`.
 */
export function runInstallScript(env: Record<string, string>, options: { piped?: boolean; cwd?: string } = {}): Promise<ScriptResult> {
  const script = join(ROOT, "scripts", "install.sh");
  // By absolute path: `env` may bring a PATH of a few chosen tools, without sh.
  const child = spawn("/bin/sh", options.piped ? ["-s"] : [script], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  if (options.piped) child.stdin.end(readFileSync(script));
  else child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}
