/**
 * The yaml library or smol-toml alone, as a TypeScript program would use it: parse a document
 * (every document of a YAML stream) to JS values and write it back (YAML with sorted keys, as
 * the builtin writes them), N times (default 20 for yaml, 300 for toml), timed as
 * bench/codec.lua times the builtin: one untimed round, then blocks of 10 rounds, the median
 * block's mean printed. The baseline for bench/codec.lua.
 *
 * Usage: `bun bench/codec-bare.ts yaml|toml FILE [N]`
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify as stringifyYaml } from "yaml";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";

const CODECS = {
  yaml: {
    label: "yaml library",
    rounds: 20,
    parse: (text: string) => parseAllDocuments(text).map((doc) => doc.toJS()),
    encode: (docs: unknown[]) => docs.map((doc) => stringifyYaml(doc, { sortMapEntries: true })).join("---\n"),
  },
  toml: {
    label: "smol-toml library",
    rounds: 300,
    parse: (text: string) => parseToml(text),
    encode: (doc: ReturnType<typeof parseToml>) => stringifyToml(doc),
  },
} as const;

const [name, file, rounds] = process.argv.slice(2);
const codec = CODECS[name as keyof typeof CODECS] as { label: string; rounds: number; parse(t: string): unknown; encode(v: unknown): string };
if (!codec || !file) throw new Error("usage: bun bench/codec-bare.ts yaml|toml FILE [N]");
const text = readFileSync(file, "utf8");
const n = Number(rounds ?? codec.rounds);
const round = () => {
  const t0 = performance.now();
  const value = codec.parse(text);
  const t1 = performance.now();
  const out = codec.encode(value);
  const t2 = performance.now();
  if (out.length < text.length / 2) throw new Error("encoded text too short");
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
console.log(`${codec.label}: ${n} rounds, median block: parse ${median(parses)} ms, encode ${median(encodes)} ms, total ${median(totals)} ms`);
