/**
 * What every database engine behind `db` provides (SQLite, PostgreSQL, MySQL/MariaDB), so
 * builtins/db.ts never knows which one it talks to. Values crossing this interface are
 * already in the shapes Lua gets (see types.ts): an engine converts its driver's values.
 */
import type { Param } from "./types.ts";

export interface QueryResult {
  /** Rows keyed by column name; a NULL column is left out (undefined). */
  rows: Record<string, unknown>[];
}

export interface ExecResult {
  rows_affected: number | bigint;
  last_insert_id?: number | bigint;
}

/** Something SQL can run on: the pool, or the one connection of a transaction. */
export interface Session {
  query(sql: string, params: Param[], signal: AbortSignal): Promise<QueryResult>;
  execute(sql: string, params: Param[], signal: AbortSignal): Promise<ExecResult>;
  /**
   * A synchronous engine (SQLite) runs the statement at once when it has a connection free,
   * sparing the task a suspension per statement; `undefined` when it would have to wait.
   */
  querySync?(sql: string, params: Param[]): QueryResult | undefined;
  executeSync?(sql: string, params: Param[]): ExecResult | undefined;
}

export interface Engine extends Session {
  /**
   * Runs `body` on one dedicated connection inside BEGIN ... COMMIT; rolls back and rethrows
   * when it throws. Other callers never get that connection meanwhile.
   */
  transaction<T>(body: (tx: Session) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Closes every connection; queries still running fail. */
  close(): Promise<void>;
}

/** An engine's error for a failed statement; the message follows `db.query: `. */
export class DbError extends Error {}

/**
 * Rejects when `signal` aborts, so a caller is released even if the driver cannot stop.
 * Each call's signal serves that one call (the scheduler makes one per suspension), so its
 * `onabort` slot is free to use; it costs far less than addEventListener, once per statement.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(new DbError("the query was cancelled"));
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      onAbort?.();
      reject(new DbError("the query was cancelled"));
    };
    signal.onabort = stop;
    // Only its own handler: a later abortable on the same signal may have replaced it already.
    work.then(resolve, reject).finally(() => signal.onabort === stop && (signal.onabort = null));
  });
}
