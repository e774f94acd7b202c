/**
 * Real database servers for the db tests and the benchmark: a PostgreSQL and a MariaDB started
 * on 127.0.0.1 at free ports, in temp data directories, optionally with TLS (a CA and a server
 * certificate made by openssl), stopped by their pids, and killed on process exit if a test
 * file forgets. Plus a port that accepts connections and never answers, for connect timeouts.
 *
 * @example
 * ```ts
 * const pg = await startPostgres({ tls: true });
 * after(() => pg.stop());
 * // pg.url: postgres://assay:secret@127.0.0.1:PORT/assay; pg.caFile: the CA's PEM
 * ```
 */
import { createServer, type Socket } from "node:net";
import { mariadbSkip, startMariaDB } from "./db-servers/mariadb.ts";
import { postgresSkip, startPostgres } from "./db-servers/postgres.ts";

export interface DbServer {
  kind: "postgres" | "mariadb";
  /** postgres://assay:secret@127.0.0.1:PORT/assay or mysql://assay:secret@127.0.0.1:PORT/assay */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The server process, started by us (a new one after restart()). */
  pid: number;
  /** The temp directory holding data, log, socket and certificates; removed by stop(). */
  dataDir: string;
  /** With {tls: true}: PEM file of the CA that signed the server certificate (127.0.0.1, localhost). */
  caFile?: string;
  /** Ends the process by pid, waits for it, removes dataDir; idempotent. */
  stop(): Promise<void>;
  /** Ends the process (the data stays) and starts it again on the same port, ready for connections. */
  restart(): Promise<void>;
}

/** False when the server can be started here, else why not (for node:test's `skip`). */
export function serverSkip(kind: "postgres" | "mariadb"): string | false {
  return kind === "postgres" ? postgresSkip() : mariadbSkip();
}

export { startMariaDB, startPostgres };

/**
 * A TCP port on 127.0.0.1 that accepts connections and never sends a byte, so a client's
 * connect (its handshake, for either engine) can only time out.
 */
export function blackholePort(): Promise<{ port: number; close(): Promise<void> }> {
  const held = new Set<Socket>();
  const server = createServer((socket) => {
    held.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => held.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of held) socket.destroy();
            held.clear();
            if (!server.listening) return done();
            server.close(() => done());
          }),
      });
    });
  });
}
