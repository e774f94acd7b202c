/**
 * Runs a check config the way a user does, `assay checks.yaml` in a directory of its own,
 * without blocking the test process (its peers may be served from it), and parses the report.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAssayAsync, tempDir } from "./helpers.ts";

export interface Report {
  passed: boolean;
  checks: { name: string; passed: boolean; skipped?: boolean; duration_ms: number; message: string | null }[];
  duration_ms: number;
}

/** Runs `yaml` as checks.yaml in a fresh directory (with `files` beside it); parses the report. */
export async function runChecks(yaml: string, options: { flags?: string[]; files?: Record<string, string>; env?: Record<string, string> } = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, "checks.yaml"), yaml);
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  const started = performance.now();
  const r = await runAssayAsync([...options.flags ?? [], "checks.yaml"], { cwd: dir, env: { NO_COLOR: "1", RUST_LOG: undefined, ...options.env } });
  const wall = performance.now() - started;
  const report = r.stdout.startsWith("{") ? JSON.parse(r.stdout) as Report : undefined;
  return { ...r, report, wall, dir };
}

