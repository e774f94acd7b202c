/**
 * The database server harness (tests/db-servers.ts) against the real drivers: PostgreSQL with
 * postgres.js and MariaDB with mysql2, plain and with TLS (verified with the CA made by
 * openssl, refused without it), data kept across a restart on the same port, nothing left
 * after stop, and a port that never answers so that a connect times out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import postgres from "postgres";
import mysql from "mysql2/promise";
import { isRunning } from "../loader/process-tree.ts";
import { ROOT } from "./helpers.ts";
import { ManagedServer } from "./db-servers/process.ts";
import { blackholePort, type DbServer, serverSkip, startMariaDB, startPostgres } from "./db-servers.ts";

type Rows = Record<string, unknown>[];
/** One engine's driver, reduced to what these tests need: run SQL and give rows back. */
interface Client {
  query(sql: string): Promise<Rows>;
  end(): Promise<void>;
}
type Tls = { ca?: string; name?: string };

/** The TLS options both drivers pass to tls.connect: the CA (or the system's), identity checked as `name`. */
function tlsOptions(tls: Tls) {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(tls.name ?? "127.0.0.1", cert),
  };
}

function pgClient(server: DbServer, options: { tls?: Tls; password?: string } = {}): Promise<Client> {
  const sql = postgres(server.url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { ssl: tlsOptions(options.tls) } : {}),
  });
  // postgres.js connects on the first query.
  return Promise.resolve({
    query: async (text: string) => [...await sql.unsafe(text)],
    end: () => sql.end({ timeout: 1 }),
  });
}

async function mariaClient(server: DbServer, options: { tls?: Tls; password?: string } = {}): Promise<Client> {
  // mysql2 checks the server's name only for a host name (verifyIdentity), never for an IP,
  // and ignores a checkServerIdentity of ours: "localhost" is the name it can check.
  const byName = options.tls?.name === "localhost";
  const conn = await mysql.createConnection({
    host: byName ? "localhost" : server.host,
    port: server.port,
    user: server.user,
    password: options.password ?? server.password,
    database: server.database,
    connectTimeout: 5000,
    ...(options.tls ? { ssl: { ...tlsOptions(options.tls), verifyIdentity: byName } } : {}),
  });
  return {
    query: async (text) => (await conn.query(text))[0] as Rows,
    end: () => conn.end(),
  };
}

/** Opens a client, runs `body`, always closes it. */
async function withClient<T>(open: () => Promise<Client>, body: (c: Client) => Promise<T>): Promise<T> {
  const client = await open();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

const engines = [
  {
    kind: "postgres" as const,
    start: startPostgres,
    client: pgClient,
    encrypted: "SELECT ssl AS on FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    authError: /password authentication failed for user "assay"/,
  },
  {
    kind: "mariadb" as const,
    start: startMariaDB,
    client: mariaClient,
    encrypted: "SELECT VARIABLE_VALUE <> '' AS `on` FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'",
    authError: /Access denied for user 'assay'/,
  },
];

for (const engine of engines) {
  const skip = serverSkip(engine.kind);
  const { kind } = engine;

  test(`${kind}: started plain, the URL's user, password and database work with the driver`, { skip }, async () => {
    const server = await engine.start();
    try {
      assert.match(server.url, new RegExp(`^(postgres|mysql)://assay:secret@127\\.0\\.0\\.1:${server.port}/assay$`));
      assert.ok(isRunning(server.pid), "the pid is the running server");
      const who = kind === "postgres" ? "current_user" : "current_user()";
      const rows = await withClient(() => engine.client(server), (c) => c.query(`SELECT 1 AS one, ${who} AS who`));
      assert.equal(Number(rows[0].one), 1);
      assert.match(String(rows[0].who), /^assay(@|$)/);
      // Password auth, not trust: a wrong password is refused.
      await assert.rejects(engine.client(server, { password: "wrong" }).then((c) => c.query("SELECT 1")), engine.authError);
      assert.equal(server.caFile, undefined);
    } finally {
      await server.stop();
    }
  });

  test(`${kind}: with TLS, verify-full with the CA succeeds and the session is encrypted; without the CA it is refused`, { skip }, async () => {
    const server = await engine.start({ tls: true });
    try {
      assert.ok(server.caFile && existsSync(server.caFile));
      const ca = readFileSync(server.caFile, "utf8");
      assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
      for (const name of ["127.0.0.1", "localhost"]) {
        const rows = await withClient(() => engine.client(server, { tls: { ca, name } }), (c) => c.query(engine.encrypted));
        assert.equal(Number(rows[0].on), 1, `encrypted session with the identity checked as ${name}`);
      }
      // The server sends its certificate alone: without our CA nothing vouches for it.
      await assert.rejects(engine.client(server, { tls: {} }).then((c) => c.query("SELECT 1")), /unable to verify the first certificate|self[- ]signed/);
      if (kind === "postgres") {
        // The certificate names 127.0.0.1 and localhost only (mysql2 cannot be asked about another name).
        await assert.rejects(engine.client(server, { tls: { ca, name: "db.example.com" } }).then((c) => c.query("SELECT 1")), /not in the cert's altnames|does not match/);
      }
    } finally {
      await server.stop();
    }
  });

  test(`${kind}: restart keeps the data and the port, with a new process; stop removes everything`, { skip }, async () => {
    const server = await engine.start();
    const { port, pid, dataDir } = server;
    try {
      await withClient(() => engine.client(server), async (c) => {
        await c.query("CREATE TABLE kept (id INT PRIMARY KEY, name VARCHAR(20))");
        await c.query("INSERT INTO kept VALUES (1, 'before restart')");
      });
      await server.restart();
      assert.equal(server.port, port);
      assert.notEqual(server.pid, pid);
      assert.ok(!isRunning(pid), "the first process ended");
      assert.ok(isRunning(server.pid));
      const rows = await withClient(() => engine.client(server), (c) => c.query("SELECT id, name FROM kept"));
      assert.deepEqual(rows.map((r) => [Number(r.id), r.name]), [[1, "before restart"]]);
    } finally {
      await server.stop();
    }
    assert.ok(!existsSync(dataDir), "the data dir is gone");
    assert.ok(!isRunning(server.pid), "the process is gone");
    await server.stop(); // again: nothing to do
    await assert.rejects(server.restart(), /stopped/);
    // Nothing listens on its port any more.
    await assert.rejects(engine.client(server).then((c) => c.query("SELECT 1")), /ECONNREFUSED/);
  });
}

test("a test file that crashes without stop() leaves neither the server nor its data dir behind", { skip: serverSkip("postgres") }, () => {
  const deno = process.env.DENO_BIN ?? process.execPath;
  const code = `import { startPostgres } from ${JSON.stringify(join(ROOT, "tests", "db-servers.ts"))};
const s = await startPostgres();
console.log(s.pid, s.dataDir);
setTimeout(() => { throw new Error("crash"); }, 10);`;
  const r = spawnSync(deno, ["eval", code], { encoding: "utf8", timeout: 60_000 });
  assert.notEqual(r.status, 0, "it crashed");
  const [pid, dataDir] = r.stdout.trim().split(" ");
  assert.match(pid, /^\d+$/, r.stdout + r.stderr);
  assert.ok(!isRunning(Number(pid)), "the server process is gone");
  assert.ok(dataDir.includes("assay-pg-") && !existsSync(dataDir), "its data dir is gone");
});

test("a server that exits while starting is reported with its exit status and the log's tail, and its dir removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "assay-dbs-fail-"));
  const server = new ManagedServer({
    name: "fake",
    user: "root", // only used when we are root
    argv: ["sh", "-c", "echo starting; echo 'FATAL: no such setting' >&2; exit 3"],
    cwd: dir,
    logFile: join(dir, "server.log"),
    stopSignal: "SIGTERM",
    killSignal: "SIGKILL",
    probe: () => Promise.resolve(false),
  }, dir);
  await assert.rejects(server.start(), (err: Error) => {
    assert.match(err.message, /^fake exited \(3\) before accepting connections; its log ends:\nstarting\nFATAL: no such setting$/);
    return true;
  });
  await server.stop();
  assert.ok(!existsSync(dir));
});

test("blackholePort: connections are accepted and never answered, so a driver's connect times out", async () => {
  const hole = await blackholePort();
  try {
    const received = await new Promise<number>((resolve, reject) => {
      const socket = connect(hole.port, "127.0.0.1");
      let bytes = 0;
      socket.on("data", (d) => bytes += d.length);
      socket.on("error", reject);
      socket.on("connect", () => setTimeout(() => (socket.destroy(), resolve(bytes)), 300));
    });
    assert.equal(received, 0);
    const sql = postgres(`postgres://assay:secret@127.0.0.1:${hole.port}/assay`, { connect_timeout: 1, max: 1 });
    const t0 = Date.now();
    await assert.rejects(sql`SELECT 1`, /CONNECT_TIMEOUT|timeout/i);
    const waited = Date.now() - t0;
    assert.ok(waited >= 900 && waited < 5000, `timed out after ${waited} ms`);
    await sql.end({ timeout: 0 });
    const t1 = Date.now();
    await assert.rejects(mysql.createConnection({ host: "127.0.0.1", port: hole.port, user: "assay", connectTimeout: 1000 }), /ETIMEDOUT|timeout/i);
    assert.ok(Date.now() - t1 < 5000);
  } finally {
    await hole.close();
  }
});
