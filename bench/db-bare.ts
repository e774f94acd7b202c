/**
 * The database drivers alone, as a TypeScript program would use them: insert N rows (default
 * 10000) in one transaction, one parameterized INSERT per row awaited in turn, then select them
 * all back, timed apart; the median of R rounds (default 5), each on a fresh
 * table. The baseline for bench/db.lua, which does the same work through `db`.
 *
 * Usage: `bun bench/db-bare.ts sqlite [FILE|:memory:] [N] [R]`
 *        `bun bench/db-bare.ts postgres URL [N] [R]`   (a server: bench/with-postgres.ts)
 */
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";

const [engine, target, rowsArg = "10000", roundsArg = "5"] = process.argv.slice(2);
const N = Number(rowsArg);
const ROUNDS = Number(roundsArg);
const CREATE = "CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL)";
const row = (i: number) => [i, `row-${i}`, i * 0.5] as const;

interface Round {
  insert: number;
  select: number;
}

/** Checks that what came back is what went in, so no engine is timed doing less. */
function check(rows: { id: unknown; name: unknown; score: unknown }[]): void {
  if (rows.length !== N) throw new Error(`selected ${rows.length} rows, inserted ${N}`);
  const last = rows[N - 1];
  if (Number(last.id) !== N || last.name !== `row-${N}` || Number(last.score) !== N * 0.5) {
    throw new Error(`the last row came back as ${JSON.stringify(last)}`);
  }
}

function sqliteRound(file: string): Round {
  const db = new DatabaseSync(file);
  try {
    db.exec("DROP TABLE IF EXISTS bench_rows");
    db.exec(CREATE);
    const t0 = performance.now();
    db.exec("BEGIN");
    const insert = db.prepare("INSERT INTO bench_rows (id, name, score) VALUES (?, ?, ?)");
    for (let i = 1; i <= N; i++) insert.run(...row(i));
    db.exec("COMMIT");
    const t1 = performance.now();
    const rows = db.prepare("SELECT id, name, score FROM bench_rows ORDER BY id").all() as { id: number; name: string; score: number }[];
    const t2 = performance.now();
    check(rows);
    return { insert: t1 - t0, select: t2 - t1 };
  } finally {
    db.close();
  }
}

async function postgresRound(url: string): Promise<Round> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe("DROP TABLE IF EXISTS bench_rows");
    await sql.unsafe(CREATE);
    const t0 = performance.now();
    await sql.begin(async (tx) => {
      for (let i = 1; i <= N; i++) {
        const [id, name, score] = row(i);
        await tx`INSERT INTO bench_rows (id, name, score) VALUES (${id}, ${name}, ${score})`;
      }
    });
    const t1 = performance.now();
    const rows = await sql`SELECT id, name, score FROM bench_rows ORDER BY id`;
    const t2 = performance.now();
    check(rows as unknown as { id: number; name: string; score: number }[]);
    return { insert: t1 - t0, select: t2 - t1 };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

if (!(N > 0 && ROUNDS > 0) || (engine !== "sqlite" && engine !== "postgres") || (engine === "postgres" && !target)) {
  console.error("usage: bun bench/db-bare.ts sqlite [FILE|:memory:] [N] [R] | postgres URL [N] [R]");
  process.exit(2);
}
const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) {
  rounds.push(engine === "sqlite" ? sqliteRound(target || ":memory:") : await postgresRound(target));
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[(xs.length - 1) >> 1].toFixed(1);
console.log(
  `${engine} bare: ${N} rows, median of ${ROUNDS} rounds: insert ${median(rounds.map((r) => r.insert))} ms, ` +
    `select ${median(rounds.map((r) => r.select))} ms`,
);
