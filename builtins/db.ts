/**
 * `db`, SQL databases (builtins.md §9, issue 8): PostgreSQL (postgres.js), MySQL/MariaDB
 * (mysql2) and embedded SQLite (`node:sqlite`).
 *
 * | function | |
 * |---|---|
 * | `db.connect(url) -> conn` | opens a pool: `postgres://`, `postgresql://`, `mysql://`, `mariadb://`, `sqlite:` (`?pool=N`, `sslmode=`, `sslrootcert=`, `connect_timeout=`) |
 * | `db.query(conn, sql, params?) -> rows` | rows keyed by column name; NULL columns absent |
 * | `db.execute(conn, sql, params?) -> {rows_affected, last_insert_id?}` | a statement's effect |
 * | `db.transaction(conn, fn) -> ...` | `fn(tx)` with `tx:query`/`tx:execute` on one connection; commits on return, rolls back and re-raises on error |
 * | `db.bytes(s) -> value` | marks a string to bind as bytes (BYTEA/BLOB) even when it is valid UTF-8 |
 * | `db.close(conn)` | closes the pool |
 *
 * Every query suspends the calling task; cancelling the task cancels the query where the
 * driver can (PostgreSQL: a cancel request; MySQL: the connection is destroyed). SQLite runs
 * on the Lua thread (see db/sqlite.ts). `db.connect` asks the policy for `net` (host:port)
 * or, for a SQLite file, `read` (and `write` unless `mode=ro`); `sqlite::memory:` needs
 * neither. Under `restricted` only SQLite is available. A pool is a handle: collecting it or
 * closing the VM closes it.
 */
import { resolve } from "node:path";
import { registerBuiltin } from "../loader/plugin.ts";
import type { BuiltinContext, FunctionDecl, ReturnDecl } from "../loader/plugin.ts";
import { LUA_TBOOLEAN, LUA_TFUNCTION, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, LuaError } from "../loader/lua-api.ts";
import { multi } from "../loader/bridge/values.ts";
import type { HandleType } from "../loader/bridge/objects.ts";
import { pushResult, suspendCall } from "../loader/install-builtins.ts";
import { lazy } from "../loader/lazy.ts";
import { parseDbUrl, type ServerUrl } from "./db/url.ts";
import { DbError, type Engine, type Session } from "./db/engine.ts";
import { type Param, utf8Text } from "./db/types.ts";
import { openSqlite, type SqliteModule } from "./db/sqlite.ts";
import { openPostgres, type PostgresModule } from "./db/postgres.ts";
import { openMysql, type MysqlModule } from "./db/mysql.ts";

const sqliteLib = lazy(() => require("node:sqlite") as SqliteModule);
const postgresLib = lazy(() => require("postgres") as PostgresModule);
const mysqlLib = lazy(() => require("mysql2/promise") as MysqlModule);

/**
 * Every function is admitted with `db.connect`: in `restricted` (SQLite only) and wherever a
 * flag grants one of the capabilities a connection may need; only `db.connect` asks the policy.
 */
const DB: Pick<FunctionDecl, "capabilities" | "profiles"> = { capabilities: ["net", "read", "write"], profiles: ["restricted"] };
const CONN = { name: "conn", type: "raw" as const, description: "a pool from db.connect", luaType: "db.Connection" };
const SQL = { name: "sql", type: "raw" as const, description: "SQL text with the engine's own placeholders", luaType: "string" };
const PARAMS = { name: "params", type: "raw" as const, optional: true, description: "array of parameters", luaType: "any[]" };
const ROWS: ReturnDecl[] = [{ type: "table<string, any>[]", description: "one table per row, keyed by column name; NULL columns absent" }];

registerBuiltin({
  name: "db",
  description: "SQL databases: PostgreSQL, MySQL/MariaDB, SQLite",
  keywords: ["sql", "database", "postgres", "postgresql", "mysql", "mariadb", "sqlite", "query", "transaction", "rows"],
  example: 'local c = db.connect("sqlite:state.db"); db.execute(c, "insert into runs(at) values (?)", { time() }); print(#db.query(c, "select * from runs"))',
  functions: {
    connect: {
      signature: "db.connect(url) -> conn",
      description: "Open a connection pool (postgres://, mysql://, mariadb://, sqlite:)",
      args: [{ name: "url", type: "text", description: "database URL" }],
      returns: [{ type: "db.Connection" }],
      errors: ['db.connect: unknown database scheme "<scheme>" (expected postgres://, postgresql://, mysql://, mariadb:// or sqlite:)'],
      async: true,
      ...DB,
    },
    query: {
      signature: "db.query(conn, sql, params?) -> rows",
      description: "Run a query; rows keyed by column name",
      args: [CONN, SQL, PARAMS],
      returns: ROWS,
      errors: ["db.query: the db connection is closed"],
      async: true,
      ...DB,
    },
    execute: {
      signature: "db.execute(conn, sql, params?) -> {rows_affected, last_insert_id?}",
      description: "Run a statement; returns rows_affected and last_insert_id",
      args: [CONN, SQL, PARAMS],
      returns: [{ type: "db.ExecResult" }],
      async: true,
      ...DB,
    },
    transaction: {
      signature: "db.transaction(conn, fn) -> ...",
      description: "Run fn(tx) in a transaction (tx:query, tx:execute); commit on return, rollback on error",
      args: [CONN, { name: "fn", type: "raw", description: "function(tx)", luaType: "fun(tx: db.Transaction): any" }],
      returns: [{ type: "any", name: "...", description: "what fn returned" }],
      async: true,
      ...DB,
    },
    bytes: {
      signature: "db.bytes(s) -> value",
      description: "Mark a string to bind as bytes (BYTEA/BLOB)",
      args: [{ name: "s", type: "bytes", description: "the bytes" }],
      returns: [{ type: "db.Bytes" }],
      ...DB,
    },
    close: { signature: "db.close(conn)", description: "Close the pool", args: [CONN], returns: [], async: true, ...DB },
  },
  classes: {
    "db.Connection": { description: "A connection pool from db.connect (a handle: pass it to db.query, db.execute, db.transaction, db.close)" },
    "db.ExecResult": {
      description: "What db.execute returns",
      fields: {
        rows_affected: { type: "integer" },
        last_insert_id: { type: "integer", optional: true, description: "MySQL and SQLite" },
      },
    },
    "db.Bytes": { description: "A string marked by db.bytes to bind as BYTEA/BLOB" },
    "db.Transaction": {
      description: "The transaction db.transaction passes to its function: statements on one connection",
      methods: {
        query: {
          signature: "tx:query(sql, params?) -> rows",
          description: "Run a query inside the transaction",
          args: [SQL, PARAMS],
          returns: ROWS,
        },
        execute: {
          signature: "tx:execute(sql, params?) -> {rows_affected, last_insert_id?}",
          description: "Run a statement inside the transaction",
          args: [SQL, PARAMS],
          returns: [{ type: "db.ExecResult" }],
        },
      },
    },
  },
  install: (ctx) => install(ctx),
});

/** A pool as Lua holds it; `closed` once `db.close` ran (the handle itself stays valid). */
interface Pool {
  engine: Engine;
  closed: boolean;
  /**
   * Tasks seen running a transaction body on this pool (recorded at their tx calls): such a
   * task asking the pool itself for a connection none is free of would wait for its own commit.
   */
  txTasks: Set<unknown>;
}

/** A `db.bytes` value: a userdata so a table or string cannot be mistaken for it. */
interface Bytes {
  data: Uint8Array;
}

function install(ctx: BuiltinContext) {
  const { api } = ctx;
  let poolType: HandleType<Pool> | undefined;
  let bytesType: HandleType<Bytes> | undefined;
  const pools = () =>
    poolType ??= ctx.objects.handleType<Pool>("db connection", {
      methods: {},
      close: (p) => shut(p),
      closeMethod: false,
    });
  const bytesHandles = () => bytesType ??= ctx.objects.handleType<Bytes>("db bytes", { methods: {} });
  const shut = (p: Pool) => {
    if (p.closed) return Promise.resolve();
    p.closed = true;
    return p.engine.close().catch(() => {});
  };

  /** Suspends the task at L on `work`; its result is pushed, its failure raised as `<fn>: ...`. */
  const suspend = (L: number, fn: string, work: (signal: AbortSignal) => Promise<unknown>) => suspendCall(ctx, L, fn, work);

  const openPool = (L: number, fn: string): Pool => {
    const pool = pools().check(L, 1, fn);
    if (pool.closed) throw new LuaError(`${fn}: the db connection is closed`);
    return pool;
  };

  /** Reads sql at `at` and params at `at + 1`. */
  const statement = (L: number, fn: string, at: number): { sql: string; params: Param[] } => {
    if (api.type(L, at) !== LUA_TSTRING) throw new LuaError(`${fn}: second argument must be a SQL string`);
    const text = api.totext(L, at)!;
    const sql = typeof text === "string" ? text : utf8Text.decode(text);
    return { sql, params: readParams(L, at + 1) };
  };

  const readParams = (L: number, at: number): Param[] => {
    const t = api.type(L, at);
    if (t === LUA_TNIL || t === LUA_TNONE) return [];
    if (t !== LUA_TTABLE) throw new LuaError("db: params must be a table (array) or nil");
    const n = api.rawlen(L, at);
    const out: Param[] = [];
    api.checkstack(L, 2);
    for (let i = 1; i <= n; i++) {
      api.rawgeti(L, at, i);
      try {
        out.push(readParam(L, -1));
      } finally {
        api.pop(L);
      }
    }
    return out;
  };

  const readParam = (L: number, idx: number): Param => {
    switch (api.type(L, idx)) {
      case LUA_TNIL:
        return null;
      case LUA_TBOOLEAN:
        return api.toboolean(L, idx);
      case LUA_TNUMBER:
        return api.isinteger(L, idx) ? BigInt(api.tointeger(L, idx)) : api.tonumber(L, idx);
      case LUA_TSTRING:
        return api.totext(L, idx)!;
      default:
        if (bytesHandles().is(L, idx)) return bytesHandles().check(L, idx, "db").data;
        throw new LuaError(`db: unsupported parameter type: ${api.typename(L, idx)}`);
    }
  };

  const run = (L: number, fn: string, session: () => Session, sqlAt: number, kind: "query" | "execute", pool?: Pool) => {
    const { sql, params } = statement(L, fn, sqlAt);
    const target = session();
    let now;
    try {
      now = kind === "query" ? target.querySync?.(sql, params)?.rows : target.executeSync?.(sql, params);
    } catch (e) {
      throw e instanceof DbError ? new LuaError(`${fn}: ${e.message}`) : e;
    }
    if (now !== undefined) return pushResult(ctx, L, fn, now);
    if (target.querySync && pool?.txTasks.has(ctx.scheduler.current)) {
      throw new LuaError(`${fn}: this task's transaction holds every connection of the pool (use tx:${kind} inside db.transaction)`);
    }
    return suspend(L, fn, async (signal) => {
      if (kind === "query") return (await target.query(sql, params, signal)).rows;
      return await target.execute(sql, params, signal);
    });
  };

  /** `tx`: a table of two functions bound to the transaction's connection, callable with a colon. */
  const txTable = (tx: Session, state: { open: boolean; tasks: Set<unknown> }, pool: Pool) => {
    const method = (kind: "query" | "execute") => (L: number) => {
      const fn = `tx:${kind}`;
      const at = api.type(L, 1) === LUA_TTABLE ? 2 : 1;
      if (state.open && !state.tasks.has(ctx.scheduler.current)) {
        state.tasks.add(ctx.scheduler.current);
        pool.txTasks.add(ctx.scheduler.current);
      }
      if (!state.open) throw new LuaError(`${fn}: the transaction is finished`);
      return run(L, fn, () => tx, at, kind);
    };
    return { query: method("query"), execute: method("execute") };
  };

  return {
    connect: {
      raw: (L: number) => {
        const fn = "db.connect";
        if (api.type(L, 1) !== LUA_TSTRING) throw new LuaError(`${fn}: first argument must be a URL string`);
        const text = api.totext(L, 1);
        if (typeof text !== "string") throw new LuaError(`${fn}: the URL is not valid UTF-8`);
        let url;
        try {
          url = parseDbUrl(text);
        } catch (e) {
          throw new LuaError(`${fn}: ${(e as Error).message}`);
        }
        if (url.kind === "sqlite") {
          if (url.path !== null) {
            const abs = resolve(url.path);
            ctx.policy.check(fn, "read", abs);
            if (url.mode !== "ro") ctx.policy.check(fn, "write", abs);
          }
          const sqlite = loadDriver(fn, sqliteLib);
          const { path, mode, pool } = url;
          return ctx.scheduler.suspend(L, () => {
            try {
              const engine = openSqlite(sqlite, path, mode, pool);
              return Promise.resolve((co: number) => (pools().push(co, { engine, closed: false, txTasks: new Set() }), 1));
            } catch (e) {
              return Promise.reject(new LuaError(`${fn}: ${(e as Error).message}`));
            }
          });
        }
        if (ctx.policy.profile === "restricted") {
          throw new LuaError(`${fn}: server databases are not available in sandbox profile "restricted"`);
        }
        ctx.policy.check(fn, "net", `${url.host}:${url.port}`);
        const server: ServerUrl = url;
        const driver = server.kind === "postgres" ? loadDriver(fn, postgresLib) : loadDriver(fn, mysqlLib);
        return ctx.scheduler.suspend(L, async (signal) => {
          try {
            const ca = server.tls?.rootCert === undefined ? undefined : utf8Text.decode(await ctx.host.readFile(fn, server.tls.rootCert, signal));
            const engine = server.kind === "postgres"
              ? await openPostgres(driver as PostgresModule, server, ca, signal)
              : await openMysql(driver as MysqlModule, server, ca, signal);
            return (co: number) => (pools().push(co, { engine, closed: false, txTasks: new Set() }), 1);
          } catch (e) {
            if (e instanceof LuaError) throw e;
            const where = `${server.kind === "postgres" ? "postgres" : "mysql"}://${server.host}:${server.port}`;
            throw new LuaError(`${fn}: ${where}: ${(e as Error).message ?? String(e)}`);
          }
        });
      },
    },
    query: {
      raw: (L: number) => {
        const pool = openPool(L, "db.query");
        return run(L, "db.query", () => pool.engine, 2, "query", pool);
      },
    },
    execute: {
      raw: (L: number) => {
        const pool = openPool(L, "db.execute");
        return run(L, "db.execute", () => pool.engine, 2, "execute", pool);
      },
    },
    transaction: {
      raw: (L: number) => {
        const fn = "db.transaction";
        const pool = openPool(L, fn);
        if (api.type(L, 2) !== LUA_TFUNCTION) throw new LuaError(`${fn}: second argument must be a function`);
        const body = ctx.callbacks.keep(L, 2);
        return suspend(L, fn, async (signal) => {
          try {
            const results = await pool.engine.transaction(async (tx) => {
              const state = { open: true, tasks: new Set<unknown>() };
              try {
                return await body.call([txTable(tx, state, pool)], undefined, "db.transaction") as unknown[];
              } finally {
                state.open = false;
                for (const task of state.tasks) pool.txTasks.delete(task);
              }
            }, signal);
            return multi(...results);
          } finally {
            body.release();
          }
        });
      },
    },
    bytes: {
      raw: (L: number) => {
        if (api.type(L, 1) !== LUA_TSTRING) throw new LuaError("db.bytes: first argument must be a string");
        bytesHandles().push(L, { data: api.tobytes(L, 1)!.slice() });
        return 1;
      },
    },
    close: {
      raw: (L: number) => {
        const pool = pools().check(L, 1, "db.close");
        return suspend(L, "db.close", () => shut(pool).then(() => undefined));
      },
    },
  };
}

function loadDriver<T>(fn: string, lib: { get(): T }): T {
  try {
    return lib.get();
  } catch (e) {
    throw new LuaError(`${fn}: the database driver could not be loaded: ${(e as Error).message}`);
  }
}

