/**
 * Generates a deterministic TOML document shaped like a large service configuration: nested
 * `[section]` tables, `[[array]]` tables of servers and routes, arrays, inline tables and every
 * kind of date-time, about 200 KB by default. The toml benchmark parses and re-encodes it.
 *
 * Usage: `bun bench/gen-toml.ts [bytes] > config.toml`
 */
import { prng } from "./prng.ts";

const REGIONS = ["eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"];
const ROLES = ["frontend", "backend", "cache", "worker"];

/** A TOML basic string (the generated text needs no escapes beyond quotes and backslashes). */
const q = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

export function generateToml(targetBytes = 200_000): string {
  const rand = prng(20241201);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const out: string[] = [
    `title = "generated service configuration"`,
    `version = 42`,
    `ratio = 0.75`,
    `released = 2024-06-01T12:00:00Z`,
    `maintenance = 03:30:00`,
    ``,
    `[defaults]`,
    `timeout_ms = 1500`,
    `retries = 3`,
    `backoff = { base = 0.25, max = 30.0, jitter = true }`,
    `tags = ["prod", "critical", "eu"]`,
  ];
  let size = out.join("\n").length;
  for (let n = 0; size < targetBytes; n++) {
    const region = pick(REGIONS);
    const lines = [
      ``,
      `[[servers]]`,
      `name = ${q(`srv-${n}`)}`,
      `ip = ${q(`10.${n % 250}.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}`)}`,
      `role = ${q(pick(ROLES))}`,
      `region = ${q(region)}`,
      `weight = ${(rand() * 10).toFixed(3)}`,
      `cores = ${1 + Math.floor(rand() * 64)}`,
      `enabled = ${rand() > 0.2}`,
      `started = 2024-0${1 + (n % 9)}-1${n % 10}T0${n % 10}:15:30.${String(n % 1000).padStart(3, "0")}+02:00`,
      `checked = 2024-05-${10 + (n % 19)} 08:00:00`,
      `ports = [${8000 + (n % 100)}, ${9000 + (n % 100)}]`,
      `labels = { team = ${q(pick(ROLES))}, cost_center = ${1000 + n} }`,
      `motd = "line one\\nline \\"two\\"\\t(tab) — ünïcode"`,
      ``,
      `[servers.limits]`,
      `cpu = ${q(`${100 * (1 + (n % 8))}m`)}`,
      `memory = ${q(`${128 * (1 + (n % 4))}Mi`)}`,
      ``,
      `[[servers.routes]]`,
      `path = ${q(`/api/v${1 + (n % 3)}/items`)}`,
      `methods = ["GET", "POST"]`,
      `since = 2023-1${n % 3}-0${1 + (n % 9)}`,
    ];
    out.push(...lines);
    size += lines.join("\n").length + 1;
  }
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  process.stdout.write(generateToml(Number(process.argv[2] ?? 200_000)));
}
