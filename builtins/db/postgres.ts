/**
 * PostgreSQL through postgres.js. The pool is the driver's own (`max` = pool size); it
 * connects lazily, so `db.connect` runs `select 1` to report a bad host, password or database
 * at once. postgres.js reconnects by itself after the server restarts: the query in flight
 * fails, the next one gets a fresh connection.
 *
 * Values: the driver's parsers are replaced for the types whose default would lose
 * something: int8 (a string by default) becomes an exact integer, float4/float8 stay floats,
 * timestamps and dates stay text (a JS Date drops microseconds and the zone), reformatted to
 * ISO 8601 (`timestamptz` in UTC with `Z`: the session's TimeZone is UTC). `numeric` stays
 * the server's text so nothing is rounded. Arrays of any of these use the same parsers.
 * Parameters: integers bind as int8, floats as float8, bytes as bytea, strings untyped (the
 * server infers from context, as for a literal).
 */
import type { Engine, ExecResult, QueryResult, Session } from "./engine.ts";
import { abortable, DbError } from "./engine.ts";
import { floatValue, intValue, type Param } from "./types.ts";
import type { ServerUrl } from "./url.ts";

// deno-lint-ignore no-explicit-any
type Sql = any;
/** The postgres.js default export (the package's types are not needed here). */
export type PostgresModule = ((options: Record<string, unknown>) => Sql) | { default: (options: Record<string, unknown>) => Sql };

const FLOAT8 = 701;

const nullable = <T>(parse: (x: string) => T) => (x: string) => x === "NULL" ? null : parse(x);

/** `2024-05-01 12:00:00.5+00` → `2024-05-01T12:00:00.5Z` (other offsets kept, as `+05:30`). */
function timestamptz(x: string): string {
  if (!/^\d/.test(x)) return x;
  const iso = x.replace(" ", "T");
  return iso.replace(/([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?$/, (_m, h: string, m?: string) => (h === "+00" || h === "-00") && (!m || m === "00") ? "Z" : `${h}:${m ?? "00"}`);
}

const TYPES = {
  int8: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: nullable((x) => intValue(x)) },
  float: { to: FLOAT8, from: [700, 701], serialize: (x: unknown) => String(x), parse: nullable((x) => floatValue(Number(x))) },
  timestamptz: { to: 1184, from: [1184], serialize: (x: unknown) => String(x), parse: timestamptz },
  timestamp: { to: 1114, from: [1114], serialize: (x: unknown) => String(x), parse: (x: string) => /^\d/.test(x) ? x.replace(" ", "T") : x },
  date: { to: 1082, from: [1082], serialize: (x: unknown) => String(x), parse: (x: string) => x },
};

export async function openPostgres(postgres: PostgresModule, url: ServerUrl, ca: string | undefined, signal: AbortSignal): Promise<Engine> {
  const make = typeof postgres === "function" ? postgres : postgres.default;
  const ssl = url.tls === undefined ? false : url.tls.mode === "require" && ca === undefined ? "require" : {
    rejectUnauthorized: url.tls.mode === "verify-full" || ca !== undefined,
    ...(ca === undefined ? {} : { ca }),
  };
  const sql = make({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    database: url.database || url.user,
    max: url.pool,
    connect_timeout: url.connectTimeout,
    ssl,
    types: TYPES,
    connection: { TimeZone: "UTC", DateStyle: "ISO", application_name: "assay" },
    onnotice: () => {},
  });
  try {
    await abortable(Promise.resolve(sql.unsafe("select 1")), signal);
  } catch (e) {
    sql.end({ timeout: 0 }).catch(() => {});
    throw new DbError(pgMessage(e));
  }
  return new PostgresPool(sql);
}

class PostgresPool implements Engine {
  private session: Session;
  constructor(private sql: Sql) {
    this.session = sessionOf(sql);
  }
  query(sql: string, params: Param[], signal: AbortSignal) {
    return this.session.query(sql, params, signal);
  }
  execute(sql: string, params: Param[], signal: AbortSignal) {
    return this.session.execute(sql, params, signal);
  }
  async transaction<T>(body: (tx: Session) => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      return await this.sql.begin((tx: Sql) => abortable(body(sessionOf(tx, this.sql)), signal));
    } catch (e) {
      if (isPgError(e)) throw new DbError(pgMessage(e));
      throw e;
    }
  }
  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** Queries on `sql` (the pool or a transaction's connection); `root` makes typed parameters. */
function sessionOf(sql: Sql, root: Sql = sql): Session {
  const run = async (text: string, params: Param[], signal: AbortSignal) => {
    const query = sql.unsafe(text, params.map((p) => typeof p === "number" ? root.typed(p, FLOAT8) : p), { prepare: true });
    try {
      return await abortable(Promise.resolve(query), signal, () => query.cancel?.());
    } catch (e) {
      if (e instanceof DbError) throw e;
      throw new DbError(pgMessage(e));
    }
  };
  return {
    async query(text, params, signal): Promise<QueryResult> {
      const result = await run(text, params, signal);
      return { rows: Array.from(result as Record<string, unknown>[], dropNulls) };
    },
    async execute(text, params, signal): Promise<ExecResult> {
      const result = await run(text, params, signal);
      return { rows_affected: result.count ?? 0 };
    },
  };
}

function dropNulls(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null); // a column may be named __proto__
  for (const key in row) if (row[key] !== null && row[key] !== undefined) out[key] = row[key];
  return out;
}

function isPgError(e: unknown): boolean {
  return e instanceof Error && (e.name === "PostgresError" || "severity" in e);
}

/** The server's message and SQLSTATE, or the driver's connection error. */
function pgMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const err = e as Error & { code?: string; detail?: string };
  if (isPgError(e)) return `${err.message}${err.detail ? ` (${err.detail})` : ""} (SQLSTATE ${err.code})`;
  if (err.code === "CONNECT_TIMEOUT") return "connect timed out";
  if (err.code === "CONNECTION_CLOSED" || err.code === "CONNECTION_DESTROYED") return `the connection to the server was lost (${err.code})`;
  return err.message;
}
