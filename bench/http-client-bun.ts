/**
 * The baseline of bench/http-client.lua: 2000 sequential GETs of one URL with Bun's own
 * fetch, each body read whole, as http.get reads it.
 *
 * Run: `bun bench/http-client-bun.ts URL [COUNT]` (time the whole process with hyperfine,
 * like the assay side).
 */
import process from "node:process";

const [url, count = "2000"] = process.argv.slice(2);
if (!url) throw new Error("usage: bun bench/http-client-bun.ts URL [COUNT]");
for (let i = 0; i < Number(count); i++) {
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
}
