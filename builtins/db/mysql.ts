/**
 * MySQL and MariaDB through mysql2 (its pool, server-side prepared statements). A cancelled
 * query is stopped with `KILL QUERY <thread>` from another connection of the pool (the
 * protocol has no in-band cancel); the caller is released at once.
 *
 * Values: BIGINT exact (read as text, then an integer), FLOAT/DOUBLE and DECIMAL as floats
 * (§9), DATE/DATETIME/TIMESTAMP as ISO 8601 text without a zone, binary columns (BLOB,
 * BINARY, BIT) as bytes, JSON decoded. MySQL has no boolean type: `BOOLEAN` is TINYINT(1)
 * and comes back an integer. Parameters: integers bind as BIGINT (LONGLONG), floats as DOUBLE, bytes as BLOB.
 */
import type { Engine, ExecResult, QueryResult, Session } from "./engine.ts";
import { abortable, DbError } from "./engine.ts";
import { floatValue, intValue, type Param, utf8Text } from "./types.ts";
import type { ServerUrl } from "./url.ts";

export type MysqlModule = typeof import("mysql2/promise");
type Pool = ReturnType<MysqlModule["createPool"]>;
type Conn = Awaited<ReturnType<Pool["getConnection"]>>;
interface Field {
  name: string;
  columnType?: number;
  characterSet?: number;
  type?: number;
}

// Column types of the protocol (mysql2/lib/constants/types.js).
const T = { FLOAT: 4, DOUBLE: 5, TIMESTAMP: 7, LONGLONG: 8, DATETIME: 12, NEWDECIMAL: 246, DECIMAL: 0, JSON: 245 };
const BINARY_CHARSET = 63;
const ER_UNSUPPORTED_PS = 1295;

export async function openMysql(mysql: MysqlModule, url: ServerUrl, ca: string | undefined, signal: AbortSignal): Promise<Engine> {
  const ssl = url.tls === undefined ? undefined : {
    rejectUnauthorized: url.tls.mode === "verify-full" || ca !== undefined,
    ...(ca === undefined ? {} : { ca }),
  };
  const pool = mysql.createPool({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    database: url.database || undefined,
    connectionLimit: url.pool,
    connectTimeout: url.connectTimeout * 1000,
    ssl,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: true,
    dateStrings: true,
    timezone: "Z",
    charset: "utf8mb4",
  });
  try {
    const conn = await abortable(pool.getConnection(), signal);
    conn.release();
  } catch (e) {
    pool.end().catch(() => {});
    throw new DbError(mysqlMessage(e));
  }
  // A typed LONGLONG keeps `select ?` an integer; older mysql2 lacks it, and then the digits go as text.
  const bigintType = (mysql as unknown as { TypedParameter?: { BIGINT?: (v: bigint) => unknown } }).TypedParameter?.BIGINT;
  return new MysqlPool(pool, bigintType ?? ((v: bigint) => v.toString()));
}

class MysqlPool implements Engine {
  constructor(private pool: Pool, private int: (v: bigint) => unknown) {}

  async query(sql: string, params: Param[], signal: AbortSignal): Promise<QueryResult> {
    return await this.with(signal, (conn) => runQuery(this.pool, this.int, conn, sql, params, signal));
  }

  async execute(sql: string, params: Param[], signal: AbortSignal): Promise<ExecResult> {
    return await this.with(signal, (conn) => runExecute(this.pool, this.int, conn, sql, params, signal));
  }

  async transaction<T>(body: (tx: Session) => Promise<T>, signal: AbortSignal): Promise<T> {
    return await this.with(signal, async (conn) => {
      await wrap(conn.query("BEGIN"));
      const tx: Session = {
        query: (sql, params, signal) => runQuery(this.pool, this.int, conn, sql, params, signal),
        execute: (sql, params, signal) => runExecute(this.pool, this.int, conn, sql, params, signal),
      };
      let result: T;
      try {
        result = await abortable(body(tx), signal);
      } catch (e) {
        await conn.query("ROLLBACK").catch(() => conn.destroy());
        throw e;
      }
      await wrap(conn.query("COMMIT"));
      return result;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async with<T>(signal: AbortSignal, work: (conn: Conn) => Promise<T>): Promise<T> {
    let conn: Conn;
    try {
      conn = await abortable(this.pool.getConnection(), signal);
    } catch (e) {
      if (e instanceof DbError) throw e;
      throw new DbError(mysqlMessage(e));
    }
    try {
      return await work(conn);
    } finally {
      conn.release();
    }
  }
}

async function run(pool: Pool, int: (v: bigint) => unknown, conn: Conn, sql: string, params: Param[], signal: AbortSignal) {
  const values = params.map((p) => typeof p === "bigint" ? int(p) : p instanceof Uint8Array ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p);
  const kill = () => {
    pool.query(`KILL QUERY ${conn.threadId}`).catch(() => {});
  };
  try {
    return await abortable(conn.execute(sql, values as never), signal, kill);
  } catch (e) {
    // A statement the binary protocol cannot prepare (ER_UNSUPPORTED_PS) goes as text instead,
    // with its parameters escaped by the driver.
    if ((e as { errno?: number }).errno !== ER_UNSUPPORTED_PS) throw e instanceof DbError ? e : new DbError(mysqlMessage(e));
    return await wrap(abortable(conn.query(sql, values as never), signal, kill));
  }
}

async function runQuery(pool: Pool, int: (v: bigint) => unknown, conn: Conn, sql: string, params: Param[], signal: AbortSignal): Promise<QueryResult> {
  const [rows, fields] = await run(pool, int, conn, sql, params, signal);
  if (!Array.isArray(rows)) return { rows: [] };
  return { rows: (rows as Record<string, unknown>[]).map((row) => convertRow(row, (fields ?? []) as Field[])) };
}

async function runExecute(pool: Pool, int: (v: bigint) => unknown, conn: Conn, sql: string, params: Param[], signal: AbortSignal): Promise<ExecResult> {
  const [header] = await run(pool, int, conn, sql, params, signal);
  const h = header as { affectedRows?: number; insertId?: number | string };
  const result: ExecResult = { rows_affected: h.affectedRows ?? 0 };
  if (h.insertId !== undefined && String(h.insertId) !== "0") result.last_insert_id = intValue(h.insertId);
  return result;
}

function convertRow(row: Record<string, unknown>, fields: Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null); // a column may be named __proto__
  for (const field of fields) {
    const v = row[field.name];
    if (v === null || v === undefined) continue;
    out[field.name] = convertValue(v, field);
  }
  return out;
}

function convertValue(v: unknown, field: Field): unknown {
  const type = field.columnType ?? field.type;
  switch (type) {
    case T.FLOAT:
    case T.DOUBLE:
    case T.NEWDECIMAL:
    case T.DECIMAL:
      return typeof v === "number" ? floatValue(v) : floatValue(Number(v));
    case T.LONGLONG:
      return intValue(v as string | number);
    case T.DATETIME:
    case T.TIMESTAMP:
      return typeof v === "string" ? v.replace(" ", "T") : v;
  }
  if (typeof v === "bigint") return intValue(v);
  if (v instanceof Uint8Array) return field.characterSet === BINARY_CHARSET || type === T.JSON ? new Uint8Array(v) : utf8Text.decode(v);
  return v;
}

function wrap<T>(work: Promise<T>): Promise<T> {
  return work.catch((e) => {
    if (e instanceof DbError) throw e;
    throw new DbError(mysqlMessage(e));
  });
}

/** The server's message with its error number and SQLSTATE, or the driver's connection error. */
function mysqlMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const err = e as Error & { errno?: number; sqlState?: string; sqlMessage?: string; code?: string };
  if (err.sqlMessage) return `${err.sqlMessage} (MySQL error ${err.errno}, SQLSTATE ${err.sqlState})`;
  if (err.code === "ETIMEDOUT") return "connect timed out";
  return err.message || err.code || "connection failed";
}
