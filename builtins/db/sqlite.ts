/**
 * SQLite through `node:sqlite` (`DatabaseSync`). The driver is synchronous, so each statement
 * runs on the Lua thread: other tasks wait for its duration (a statement on a local file is
 * short; a long one blocks them, as in the reference). The pool is a set of connections to
 * the same file (1 unless `?pool=N`); a transaction holds one for its whole body, so other
 * tasks' queries wait for another connection (with the default pool of 1, for the commit).
 *
 * A statement that finds a connection free runs at once, without suspending the task (see
 * `querySync` in engine.ts): a loop of inserts costs no scheduler round trip per row.
 *
 * Values come back as stored: INTEGER as an integer (64-bit exact: the statements read
 * integers as BigInt), REAL as a float, TEXT as a string, BLOB as bytes.
 */
import type { Engine, ExecResult, QueryResult, Session } from "./engine.ts";
import { DbError } from "./engine.ts";
import { floatValue, intValue, type Param } from "./types.ts";

/** The parts of `node:sqlite` used here (its types are not in every runtime's lib). */
export interface SqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean; open?: boolean }) => SqliteDatabase;
}
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}
interface SqliteStatement {
  setReadBigInts(on: boolean): void;
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
}

/** How long a connection waits for another one's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export function openSqlite(sqlite: SqliteModule, path: string | null, mode: "ro" | "rw" | "rwc", size: number): Engine {
  const open = (): SqliteDatabase => {
    try {
      if (path === null) return new sqlite.DatabaseSync(":memory:");
      // `rw` must not create the file: opening read-only first fails when it is missing.
      if (mode === "rw") new sqlite.DatabaseSync(path, { readOnly: true }).close();
      const db = new sqlite.DatabaseSync(path, { readOnly: mode === "ro" });
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      return db;
    } catch (e) {
      throw new DbError(`${path ?? ":memory:"}: ${sqliteMessage(e)}`);
    }
  };
  const all: SqliteDatabase[] = [];
  for (let i = 0; i < size; i++) all.push(open());
  return new SqlitePool(all);
}

class SqlitePool implements Engine {
  private free: SqliteDatabase[];
  private waiting: ((db: SqliteDatabase) => void)[] = [];
  private closed = false;

  constructor(private all: SqliteDatabase[]) {
    this.free = [...all];
  }

  query(sql: string, params: Param[], signal: AbortSignal): Promise<QueryResult> {
    return this.with(signal, (db) => runQuery(db, sql, params));
  }

  execute(sql: string, params: Param[], signal: AbortSignal): Promise<ExecResult> {
    return this.with(signal, (db) => runExecute(db, sql, params));
  }

  querySync(sql: string, params: Param[]): QueryResult | undefined {
    return this.now((db) => runQuery(db, sql, params));
  }

  executeSync(sql: string, params: Param[]): ExecResult | undefined {
    return this.now((db) => runExecute(db, sql, params));
  }

  /** Runs `work` on a free connection, or returns undefined when none is free. */
  private now<T>(work: (db: SqliteDatabase) => T): T | undefined {
    if (this.closed) throw new DbError("the db connection is closed");
    const db = this.free.pop();
    if (!db) return undefined;
    try {
      return work(db);
    } finally {
      this.release(db);
    }
  }

  async transaction<T>(body: (tx: Session) => Promise<T>, signal: AbortSignal): Promise<T> {
    const db = await this.acquire(signal);
    let open = true;
    const tx: Session = {
      query: (sql, params) => Promise.resolve().then(() => this.inTx(open, () => runQuery(db, sql, params))),
      execute: (sql, params) => Promise.resolve().then(() => this.inTx(open, () => runExecute(db, sql, params))),
      querySync: (sql, params) => this.inTx(open, () => runQuery(db, sql, params)),
      executeSync: (sql, params) => this.inTx(open, () => runExecute(db, sql, params)),
    };
    try {
      wrap(() => db.exec("BEGIN"));
      let result: T;
      try {
        result = await body(tx);
      } catch (e) {
        open = false;
        if (!this.closed) wrap(() => db.exec("ROLLBACK"));
        throw e;
      }
      open = false;
      wrap(() => db.exec("COMMIT"));
      return result;
    } finally {
      open = false;
      this.release(db);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const db of this.all) {
      try {
        db.close();
      } catch { /* already closed */ }
    }
    return Promise.resolve();
  }

  private inTx<T>(open: boolean, work: () => T): T {
    if (!open) throw new DbError("the transaction is finished");
    if (this.closed) throw new DbError("the db connection is closed");
    return work();
  }

  private async with<T>(signal: AbortSignal, work: (db: SqliteDatabase) => T): Promise<T> {
    const db = await this.acquire(signal);
    try {
      return work(db);
    } finally {
      this.release(db);
    }
  }

  private acquire(signal: AbortSignal): Promise<SqliteDatabase> {
    if (this.closed) return Promise.reject(new DbError("the db connection is closed"));
    const db = this.free.pop();
    if (db) return Promise.resolve(db);
    return new Promise((resolve, reject) => {
      const waiter = (db: SqliteDatabase) => {
        signal.removeEventListener("abort", stop);
        resolve(db);
      };
      const stop = () => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(new DbError("the query was cancelled"));
      };
      signal.addEventListener("abort", stop, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(db: SqliteDatabase): void {
    if (this.closed) return;
    const next = this.waiting.shift();
    if (next) next(db);
    else this.free.push(db);
  }
}

/** Prepared statements per connection, by SQL text (a loop of inserts prepares once). */
const statements = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();
const STATEMENT_CACHE_SIZE = 64;

function prepared(db: SqliteDatabase, sql: string): SqliteStatement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, cache = new Map());
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    stmt.setReadBigInts(true);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(sql, stmt);
  }
  return stmt;
}

function runQuery(db: SqliteDatabase, sql: string, params: Param[]): QueryResult {
  const rows = wrap(() => prepared(db, sql).all(...params.map(bindable)));
  return { rows: rows.map(convertRow) };
}

function runExecute(db: SqliteDatabase, sql: string, params: Param[]): ExecResult {
  const r = wrap(() => prepared(db, sql).run(...params.map(bindable)));
  return { rows_affected: intValue(r.changes), last_insert_id: intValue(r.lastInsertRowid) };
}

/** SQLite has no boolean storage class: true and false are stored as 1 and 0, as SQL's TRUE does. */
function bindable(p: Param): unknown {
  return typeof p === "boolean" ? (p ? 1n : 0n) : p;
}

function convertRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null); // a column may be named __proto__
  for (const key in row) {
    const v = row[key];
    if (v === null || v === undefined) continue;
    out[key] = typeof v === "bigint" ? intValue(v) : typeof v === "number" ? floatValue(v) : v;
  }
  return out;
}

function wrap<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw new DbError(sqliteMessage(e));
  }
}

/** The driver's message and SQLite's result code name. */
function sqliteMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const err = e as Error & { errcode?: number; errstr?: string; code?: string };
  const code = err.errstr ?? (typeof err.errcode === "number" ? `code ${err.errcode}` : undefined);
  return code && !err.message.includes(code) ? `${err.message} (SQLite: ${code})` : err.message;
}
