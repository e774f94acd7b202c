/**
 * The connection URLs of `db.connect` (builtins.md §9): which engine, where (for the policy)
 * and the options assay reads itself. Query parameters assay understands are removed before
 * a driver sees the URL, so a server never receives `pool=3` as a setting.
 *
 * @example
 * ```ts
 * parseDbUrl("postgres://app:pw@db:5432/main?pool=2&sslmode=require");
 * // { kind: "postgres", host: "db", port: 5432, pool: 2, tls: { mode: "require" }, ... }
 * ```
 */

export interface TlsOptions {
  /** `require`: encrypted, any certificate; `verify-full`: the certificate must chain to a trusted CA and name the host. */
  mode: "require" | "verify-full";
  /** PEM file of the CA to trust instead of the system's (`sslrootcert=`). */
  rootCert?: string;
}

export interface ServerUrl {
  kind: "postgres" | "mysql";
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  pool: number;
  /** Seconds a connection attempt may take. */
  connectTimeout: number;
  tls?: TlsOptions;
}

export interface SqliteUrl {
  kind: "sqlite";
  /** A file path as given (relative to the working directory), or null for `:memory:`. */
  path: string | null;
  /** `ro`: read only; `rw`: the file must exist; `rwc`: created when missing. */
  mode: "ro" | "rw" | "rwc";
  pool: number;
}

export type DbUrl = ServerUrl | SqliteUrl;

/** A URL assay cannot use; the message follows `db.connect: `. */
export class DbUrlError extends Error {}

const DEFAULT_POOL = 5;
const DEFAULT_CONNECT_TIMEOUT_S = 10;
const MAX_POOL = 100;

export function parseDbUrl(text: string): DbUrl {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw new DbUrlError(`invalid database URL ${JSON.stringify(text)} (expected postgres://, mysql:// or sqlite:)`);
  if (scheme === "sqlite") return parseSqlite(text);
  const kind = scheme === "postgres" || scheme === "postgresql" ? "postgres" : scheme === "mysql" || scheme === "mariadb" ? "mysql" : null;
  if (!kind) throw new DbUrlError(`unknown database scheme "${scheme}:" (expected postgres://, postgresql://, mysql://, mariadb:// or sqlite:)`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DbUrlError(`invalid database URL ${JSON.stringify(redact(text))}`);
  }
  if (!url.hostname) throw new DbUrlError(`database URL ${JSON.stringify(redact(text))} names no host`);
  const params = url.searchParams;
  const sslmode = params.get("sslmode") ?? params.get("ssl-mode");
  let tls: TlsOptions | undefined;
  if (sslmode !== null && sslmode !== "disable") {
    const mode = sslmode.toLowerCase();
    if (mode === "require" || mode === "required") tls = { mode: "require" };
    else if (mode === "verify-full" || mode === "verify_identity") tls = { mode: "verify-full" };
    else throw new DbUrlError(`unsupported sslmode "${sslmode}" (expected disable, require or verify-full)`);
  }
  const rootCert = params.get("sslrootcert") ?? params.get("ssl-ca");
  if (rootCert !== null) {
    if (!tls) throw new DbUrlError("sslrootcert needs sslmode=require or sslmode=verify-full");
    tls.rootCert = rootCert;
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return {
    kind,
    host: hostname,
    port: url.port ? Number(url.port) : kind === "postgres" ? 5432 : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")),
    pool: poolSize(params.get("pool"), DEFAULT_POOL),
    connectTimeout: connectTimeout(params.get("connect_timeout")),
    tls,
  };
}

/** `sqlite::memory:`, `sqlite:relative.db`, `sqlite:///abs/path.db`, `sqlite://path?mode=rwc`. */
function parseSqlite(text: string): SqliteUrl {
  let rest = text.slice("sqlite:".length);
  const q = rest.indexOf("?");
  const params = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : "");
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith("//")) rest = rest.slice(2);
  const modeParam = params.get("mode");
  if (modeParam !== null && !["ro", "rw", "rwc", "memory"].includes(modeParam)) {
    throw new DbUrlError(`unsupported sqlite mode "${modeParam}" (expected ro, rw, rwc or memory)`);
  }
  const memory = rest === ":memory:" || modeParam === "memory";
  if (!memory && rest === "") throw new DbUrlError(`sqlite URL ${JSON.stringify(text)} names no file`);
  const pool = poolSize(params.get("pool"), 1);
  if (memory && pool !== 1) throw new DbUrlError("an in-memory sqlite database has a pool of 1 (each connection would be a separate database)");
  let path: string | null = null;
  if (!memory) {
    try {
      path = decodeURIComponent(rest);
    } catch {
      throw new DbUrlError(`invalid sqlite URL ${JSON.stringify(text)}`);
    }
  }
  return { kind: "sqlite", path, mode: (modeParam === "memory" ? "rwc" : modeParam ?? "rwc") as SqliteUrl["mode"], pool };
}

function poolSize(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_POOL) throw new DbUrlError(`pool must be an integer from 1 to ${MAX_POOL}, got "${value}"`);
  return n;
}

function connectTimeout(value: string | null): number {
  if (value === null) return DEFAULT_CONNECT_TIMEOUT_S;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new DbUrlError(`connect_timeout must be a positive number of seconds, got "${value}"`);
  return n;
}

/** The URL without its password, for error messages. */
export function redact(text: string): string {
  return text.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/, "$1:***@");
}
