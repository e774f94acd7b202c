/**
 * The yaml library alone, as a TypeScript program would use it: parse every document of a
 * stream to JS values and write them back (sorted keys, as the builtin writes them), N times
 * (default 20), timed as bench/yaml.lua times the builtin: one untimed round, then blocks of 10
 * rounds, the median block's mean printed. The baseline for bench/yaml.lua.
 *
 * Usage: `bun bench/yaml-bare.ts FILE [N]`
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const [file, rounds = "20"] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
const n = Number(rounds);
const round = () => {
  const t0 = performance.now();
  const docs = parseAllDocuments(text).map((doc) => doc.toJS());
  const t1 = performance.now();
  const out = docs.map((doc) => stringify(doc, { sortMapEntries: true })).join("---\n");
  const t2 = performance.now();
  if (out.length < text.length / 2) throw new Error("encoded stream too short");
  return [t1 - t0, t2 - t1];
};
round();
const BLOCK = 10;
const parses: number[] = [], encodes: number[] = [], totals: number[] = [];
for (let b = 0; b < Math.max(1, Math.floor(n / BLOCK)); b++) {
  let p = 0, e = 0;
  for (let i = 0; i < BLOCK; i++) {
    const [dp, de] = round();
    p += dp;
    e += de;
  }
  parses.push(p / BLOCK);
  encodes.push(e / BLOCK);
  totals.push((p + e) / BLOCK);
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[(xs.length - 1) >> 1].toFixed(1);
console.log(`yaml library: ${n} rounds, median block: parse ${median(parses)} ms, encode ${median(encodes)} ms, total ${median(totals)} ms`);
