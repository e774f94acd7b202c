/**
 * The check report as JUnit XML, the test-report format GitLab, Jenkins and the GitHub test
 * reporters read: one suite `assay checks`, one testcase per check in report order, with a
 * `<failure>` for a failed check and a `<skipped>` for one that did not run. Messages come from
 * scripts and servers, so escapes and characters XML 1.0 forbids are removed before quoting:
 * one stray control byte would make the whole file unreadable to the CI. `junitDocument` is the
 * general form, any number of suites: `assay test` writes one per test file with it.
 *
 * @example
 * ```ts
 * formatJunit(report);
 * // <?xml version="1.0" encoding="UTF-8"?>
 * // <testsuites name="assay checks" tests="2" failures="1" errors="0" skipped="0" time="15.034">
 * //   <testsuite name="assay checks" tests="2" failures="1" errors="0" skipped="0" time="15.034">
 * //     <testcase name="api" classname="assay.checks" time="0.012"/>
 * //     <testcase name="targets" classname="assay.checks" time="0.008">
 * //       <failure message="expected min 3, got 2" type="failure">expected min 3, got 2</failure>
 * // ...
 * ```
 */
import { firstLine, stripAnsi } from "./plain-text.ts";
import type { CheckReport, CheckResult } from "./types.ts";

const SUITE = "assay checks";
const CLASSNAME = "assay.checks";

// Everything outside XML 1.0's Char production: C0 controls but tab, LF and CR, lone
// surrogates (the `u` flag sees them as code points), U+FFFE and U+FFFF.
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = {
  "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
  // Parsers turn raw CR (and, in attributes, tab and LF) into other whitespace.
  "\r": "&#13;", "\t": "&#9;", "\n": "&#10;",
};

function text(s: string): string {
  return stripAnsi(s).replace(NOT_XML, "").replace(/[&<>"'\r]/g, (c) => ENTITIES[c]);
}

function attr(s: string): string {
  return stripAnsi(s).replace(NOT_XML, "").replace(/[&<>"'\r\t\n]/g, (c) => ENTITIES[c]);
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

function testcase(c: CheckResult, classname: string): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(classname)}" time="${seconds(c.duration_ms)}"`;
  if (c.skipped) {
    const message = c.message === null ? "" : ` message="${attr(firstLine(c.message))}"`;
    return `${open}>\n      <skipped${message}/>\n    </testcase>`;
  }
  if (c.passed) return `${open}/>`;
  const message = c.message ?? "check failed";
  return `${open}>\n      <failure message="${attr(firstLine(message))}" type="failure">${text(message)}</failure>\n    </testcase>`;
}

/** One `<testsuite>`: its cases carry `classname`. */
export interface JunitSuite {
  name: string;
  classname: string;
  cases: CheckResult[];
  duration_ms: number;
}

function counts(cases: CheckResult[], durationMs: number): string {
  const skipped = cases.filter((c) => c.skipped).length;
  const failures = cases.filter((c) => !c.passed && !c.skipped).length;
  return `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(durationMs)}"`;
}

/**
 * A JUnit document of any number of suites under `<testsuites name>`; check mode has one
 * suite, `assay test` one per file.
 */
export function junitDocument(name: string, suites: JunitSuite[], durationMs: number): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${attr(name)}" ${counts(suites.flatMap((s) => s.cases), durationMs)}>`,
    ...suites.flatMap((s) => [
      `  <testsuite name="${attr(s.name)}" ${counts(s.cases, s.duration_ms)}>`,
      ...s.cases.map((c) => testcase(c, s.classname)),
      `  </testsuite>`,
    ]),
    `</testsuites>`,
    "",
  ].join("\n");
}

export function formatJunit(report: CheckReport): string {
  return junitDocument(SUITE, [{ name: SUITE, classname: CLASSNAME, cases: report.checks, duration_ms: report.duration_ms }], report.duration_ms);
}
