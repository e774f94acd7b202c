/**
 * The report formats check mode can print, by name: `json` (checks.md §6, the default and the
 * contract), `junit` and `tap` for CI systems, `text` for people. One small module per format;
 * this one only picks.
 *
 * @example
 * ```ts
 * if (!isReportFormat(flag)) fail(`unknown report format: ${flag} (one of ${REPORT_FORMATS.join(", ")})`);
 * process.stdout.write(formatReport(flag, report, { color: process.stdout.isTTY }));
 * ```
 */
import { formatJson } from "./format-json.ts";
import { formatJunit } from "./format-junit.ts";
import { formatTap } from "./format-tap.ts";
import { formatText } from "./format-text.ts";
import type { CheckReport } from "./types.ts";

export type ReportFormat = "json" | "junit" | "tap" | "text";

export const REPORT_FORMATS: readonly ReportFormat[] = ["json", "junit", "tap", "text"];

export interface FormatOptions {
  /** ANSI colour (only the `text` format uses it). */
  color?: boolean;
}

const FORMATTERS: Record<ReportFormat, (report: CheckReport, options: FormatOptions) => string> = {
  json: formatJson,
  junit: formatJunit,
  tap: formatTap,
  text: formatText,
};

export function isReportFormat(name: string): name is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(name);
}

/** The whole report in `format`, ending in a newline, ready for stdout. */
export function formatReport(format: ReportFormat, report: CheckReport, options: FormatOptions = {}): string {
  return FORMATTERS[format](report, options);
}
