/**
 * A throwaway PostgreSQL: initdb into a temp directory owned by the `postgres` user, a
 * superuser `assay` with a password (scram-sha-256 over TCP; the Unix socket in the temp
 * directory trusts), a database `assay`, and with TLS a certificate signed by a CA made here.
 * Durability is switched off (fsync, synchronous_commit): the data is thrown away anyway.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DbServer } from "../db-servers.ts";
import { makeServerCerts } from "./certs.ts";
import { asUser, giveTo, ManagedServer, run, serverHandle, serverTempBase, succeeds, userExists } from "./process.ts";

const OS_USER = "postgres";
const USER = "assay";
const PASSWORD = "secret";
const DATABASE = "assay";

/** The newest installed server's bin directory (Debian keeps each major under /usr/lib/postgresql). */
export function postgresBin(): string | undefined {
  const base = process.env.ASSAY_PG_LIB || "/usr/lib/postgresql"; // as .ci/run looks for it
  let versions: string[] = [];
  try {
    versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // Not installed.
  }
  for (const v of versions) {
    const bin = join(base, v, "bin");
    if (["initdb", "postgres", "pg_isready", "psql"].every((p) => existsSync(join(bin, p)))) return bin;
  }
  return undefined;
}

export function postgresSkip(): string | false {
  if (!postgresBin()) return "PostgreSQL is not installed (apt-get install postgresql)";
  if (process.getuid?.() === 0 && !userExists(OS_USER)) return `no "${OS_USER}" user to run PostgreSQL as`;
  return false;
}

export async function startPostgres(opts: { tls?: boolean } = {}): Promise<DbServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresSkip() || "PostgreSQL is not installed");
  const dir = mkdtempSync(join(serverTempBase(), "assay-pg-"));
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  let server: ManagedServer | undefined;
  try {
    writeFileSync(join(dir, "password"), PASSWORD);
    const certs = opts.tls ? makeServerCerts(join(dir, "tls")) : undefined;
    giveTo(OS_USER, dir);
    // The server refuses a key that others can read.
    if (certs) chmodSync(certs.keyFile, 0o600);
    await run(asUser(OS_USER, [
      join(bin, "initdb"), "-D", data, "-U", USER, `--pwfile=${join(dir, "password")}`,
      "--auth-local=trust", "--auth-host=scram-sha-256", "--locale=C", "--encoding=UTF8", "--no-sync", "--no-instructions",
    ]), { cwd: dir });
    rmSync(join(dir, "password"));

    let port = 0;
    const settings = [
      "fsync=off", "synchronous_commit=off", "full_page_writes=off", "shared_buffers=32MB",
      ...(certs ? ["ssl=on", `ssl_cert_file=${certs.certFile}`, `ssl_key_file=${certs.keyFile}`] : []),
    ];
    const managed = server = new ManagedServer({
      name: "postgres",
      user: OS_USER,
      argv: [],
      cwd: dir,
      logFile,
      stopSignal: "SIGINT", // fast shutdown: ends client sessions instead of waiting for them
      killSignal: "SIGQUIT", // immediate shutdown: the postmaster takes its backends with it
      probe: () => succeeds([join(bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", String(port), "-t", "2"]),
    }, dir);
    port = await managed.startOnFreePort((p) => {
      port = p;
      managed.launch.argv = [join(bin, "postgres"), "-D", data, "-k", dir, "-h", "127.0.0.1", "-p", String(p),
        ...settings.flatMap((s) => ["-c", s])];
    });
    const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
    // Over TCP with the password: also proves the URL's credentials.
    await run([join(bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", url.replace(/\/assay$/, "/postgres"),
      "-c", `CREATE DATABASE ${DATABASE}`], { cwd: dir });
    return serverHandle(managed, {
      kind: "postgres",
      url: url,
      host: "127.0.0.1",
      port,
      user: USER,
      password: PASSWORD,
      database: DATABASE,
      dataDir: dir,
      caFile: certs?.caFile,
    });
  } catch (err) {
    if (server) await server.stop();
    else rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
