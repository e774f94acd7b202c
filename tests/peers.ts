/**
 * Network peers for the client tests: the Bun server and proxy of fixtures/http-peer.ts run
 * as child processes (stopped by their pid when the test file is done), and certificates made
 * with `openssl` for the TLS tests.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";

const BUN = process.env.BUN_BIN ?? join(ROOT, "node_modules", ".bin", "bun");
const FIXTURE = join(ROOT, "tests", "fixtures", "http-peer.ts");

export interface Peer {
  port: number;
  /** Lines the peer printed after its port (the proxy's `proxied ...`). */
  lines: string[];
  /** `http://127.0.0.1:<port><path>` (https with TLS). */
  url(path: string): string;
  /** The peer's /stats. */
  stats(): Promise<{ connections: number; stalls: number; aborted: number; sseCancelled: number; wsOpen: number; wsClosed: number[] }>;
  stop(): void;
}

const running = new Set<ChildProcess>();

function stopAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
globalThis.addEventListener?.("unload", stopAll);
process.on("exit", stopAll);

/** Starts a peer with these arguments (see fixtures/http-peer.ts) and waits for its port. */
export function startPeer(args: string[] = [], scheme = "http"): Promise<Peer> {
  const child = spawn(BUN, [FIXTURE, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  running.add(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = "";
    let port = 0;
    child.once("exit", (code) => {
      running.delete(child);
      if (!port) reject(new Error(`the peer exited with ${code} before listening`));
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^port (\d+)$/.exec(line);
        if (m && !port) {
          port = Number(m[1]);
          resolve({
            port,
            lines,
            url: (path) => `${scheme}://127.0.0.1:${port}${path}`,
            stats: async () => await (await fetch(`http://127.0.0.1:${port}/stats`)).json(),
            stop() {
              child.kill("SIGKILL");
              running.delete(child);
            },
          });
        } else {
          lines.push(line);
        }
      }
    });
  });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Certificates {
  /** The CA that signed the server and client certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here. */
  otherCa: string;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, in `dir`. */
export function makeCertificates(dir: string): Certificates {
  const path = (name: string) => join(dir, name);
  const ca = (name: string, cn: string) =>
    openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${cn}`]);
  ca("ca", "assay test CA");
  ca("other-ca", "assay other CA");
  const leaf = (name: string, cn: string, ext?: string) => {
    openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
    const extArgs = ext ? ["-extfile", ext] : [];
    openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", ...extArgs]);
  };
  writeFileSync(path("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  leaf("server", "localhost", "server.ext");
  // v3 with an extension: rustls (Deno) refuses v1 certificates, which openssl makes without one.
  writeFileSync(path("client.ext"), "extendedKeyUsage=clientAuth\n");
  leaf("client", "assay test client", "client.ext");
  return {
    ca: path("ca.pem"),
    serverCert: path("server.pem"),
    serverKey: path("server.key"),
    clientCert: path("client.pem"),
    clientKey: path("client.key"),
    otherCa: path("other-ca.pem"),
  };
}
