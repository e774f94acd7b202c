/**
 * The raw Bun + hono baseline for bench/serve.lua: GET /health returning the same JSON body,
 * for `wrk -t2 -c50`. Port from the first argument (default 8081).
 *
 *   bun bench/serve-hono.ts 8081
 */
import { Hono } from "hono";

const port = Number(process.argv[2] ?? 8081);
const app = new Hono();
app.get("/health", (c) => c.json({ status: "ok" }));

const g = globalThis as unknown as { Bun: { serve(o: Record<string, unknown>): { port: number } } };
const server = g.Bun.serve({ hostname: "127.0.0.1", port, fetch: app.fetch });
console.log(`listening on 127.0.0.1:${server.port}`);
