/**
 * A throwaway MariaDB: mariadb-install-db into a temp directory as the `mysql` user, a user
 * `assay` (at any host) with a password and every privilege, a database `assay`, and with TLS
 * a certificate signed by a CA made here. No option files are read (--no-defaults), so the
 * host's my.cnf cannot change what the tests see; the character set is utf8mb4 as Debian's is.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DbServer } from "../db-servers.ts";
import { makeServerCerts } from "./certs.ts";
import { asUser, giveTo, ManagedServer, run, serverHandle, serverTempBase, succeeds, userExists } from "./process.ts";

const OS_USER = "mysql";
const USER = "assay";
const PASSWORD = "secret";
const DATABASE = "assay";

/** The first of these paths that exists, else the bare name's path from $PATH. */
function findProgram(names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"];
  for (const name of names) {
    for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

function programs() {
  return {
    server: findProgram(["mariadbd", "mysqld"]),
    install: findProgram(["mariadb-install-db", "mysql_install_db"]),
    client: findProgram(["mariadb", "mysql"]),
  };
}

export function mariadbSkip(): string | false {
  const p = programs();
  if (!p.server || !p.install || !p.client) return "MariaDB is not installed (apt-get install mariadb-server)";
  if (process.getuid?.() === 0 && !userExists(OS_USER)) return `no "${OS_USER}" user to run MariaDB as`;
  return false;
}

export async function startMariaDB(opts: { tls?: boolean } = {}): Promise<DbServer> {
  const { server: mariadbd, install, client } = programs();
  if (!mariadbd || !install || !client) throw new Error(mariadbSkip() || "MariaDB is not installed");
  const dir = mkdtempSync(join(serverTempBase(), "assay-mariadb-"));
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  let server: ManagedServer | undefined;
  try {
    // Run by the server at every start (the installer's bootstrap has no grant tables to
    // create users with), hence IF NOT EXISTS.
    const setup = join(dir, "setup.sql");
    writeFileSync(setup, [
      `CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4;`,
      ...["%", "localhost"].flatMap((host) => [
        `CREATE USER IF NOT EXISTS '${USER}'@'${host}' IDENTIFIED BY '${PASSWORD}';`,
        `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'${host}' WITH GRANT OPTION;`,
      ]),
      "",
    ].join("\n"));
    const certs = opts.tls ? makeServerCerts(join(dir, "tls")) : undefined;
    giveTo(OS_USER, dir);
    await run(asUser(OS_USER, [
      install, "--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=socket", "--skip-test-db",
      "--skip-name-resolve",
    ]), { cwd: dir, timeoutMs: 120_000 });

    let port = 0;
    const options = [
      "--no-defaults", `--datadir=${data}`, "--bind-address=127.0.0.1", `--socket=${join(dir, "mysqld.sock")}`,
      `--pid-file=${join(dir, "mysqld.pid")}`, `--tmpdir=${dir}`, `--init-file=${setup}`, "--skip-name-resolve", "--skip-log-bin",
      "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
      // Throwaway data: no flush per commit, a small buffer pool, no native AIO (absent in some containers).
      "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=32M", "--innodb-use-native-aio=0",
      ...(certs ? [`--ssl-ca=${certs.caFile}`, `--ssl-cert=${certs.certFile}`, `--ssl-key=${certs.keyFile}`] : []),
    ];
    const managed = server = new ManagedServer({
      name: "mariadb",
      user: OS_USER,
      argv: [],
      cwd: dir,
      logFile,
      stopSignal: "SIGTERM", // normal shutdown: ends client connections
      killSignal: "SIGKILL",
      // Logs in as assay over TCP: proves the user, its password and the database, not only the port.
      probe: () =>
        succeeds([client, "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", String(port), "-u", USER,
          "--connect-timeout=2", "-e", "SELECT 1", DATABASE], { MYSQL_PWD: PASSWORD }),
    }, dir);
    port = await managed.startOnFreePort((p) => {
      port = p;
      managed.launch.argv = [mariadbd, ...options, `--port=${p}`];
    });
    return serverHandle(managed, {
      kind: "mariadb",
      url: `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
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
