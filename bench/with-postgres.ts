/**
 * Runs a command with a throwaway PostgreSQL (tests/db-servers.ts: temp data dir, free port,
 * stopped by pid afterwards), its URL in $ASSAY_BENCH_PG_URL; exits with the command's status.
 * For bench/run.sh, which cannot hold a server across its own commands otherwise.
 *
 * Usage: `bun bench/with-postgres.ts CMD [ARGS...]`, e.g.
 *   bun bench/with-postgres.ts sh -c 'bun bench/db-bare.ts postgres "$ASSAY_BENCH_PG_URL"'
 */
import { spawn } from "node:child_process";
import { serverSkip, startPostgres } from "../tests/db-servers.ts";

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error("usage: bun bench/with-postgres.ts CMD [ARGS...]");
  process.exit(2);
}
const skip = serverSkip("postgres");
if (skip) {
  console.error(`bench: ${skip}`);
  process.exit(1);
}
const t0 = performance.now();
const server = await startPostgres();
console.error(`== postgres ready on port ${server.port} in ${(performance.now() - t0).toFixed(0)} ms`);

const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: { ...process.env, ASSAY_BENCH_PG_URL: server.url } });
// An interrupted bench still stops the server (the child gets the terminal's signal itself).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.stop().finally(() => process.exit(130));
  });
}
const status = await new Promise<number>((resolve) => {
  child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  child.once("error", (err) => {
    console.error(`bench: ${command[0]}: ${err.message}`);
    resolve(127);
  });
});
await server.stop();
process.exit(status);
